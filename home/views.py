from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.template import loader


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponseNotFound(loader.render_to_string("404.html", {"request_path": request.path}, request))


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors and no database: the cause of the 500 may be either.
    return HttpResponseServerError(loader.get_template("500.html").render({}))
