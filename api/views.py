"""The member's API tokens page (``/accounts/api-tokens/``): create a token with a name and
scopes (the token is shown once), see when each was last used, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from api import services
from api.models import Scope


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=services.NAME_MAX_LENGTH, help_text="Where the token is used, e.g. \u201cCRM sync\u201d."
    )
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["scopes"].choices = services.scope_choices(user)


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, user=request.user)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, plaintext = services.token_create(
                    user=request.user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
                status = 400
            else:
                created = {"token": token, "plaintext": plaintext}
                form = TokenForm(user=request.user)
        else:
            status = 400
    context = {"form": form, "created": created, "tokens": list(services.user_tokens(request.user))}
    response = render(request, "api/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = services.token_revoke(user=request.user, token_id=pk)
    except PermissionDenied as exc:
        raise Http404(str(exc)) from exc
    messages.success(request, f"Token \u201c{token.name}\u201d revoked: it no longer works.")
    return redirect("api_tokens")


@csrf_exempt  # nothing is written; a POST here gets the same problem as a GET
def not_found(request: HttpRequest) -> HttpResponse:
    """Any address under /api/ that names no operation: a 404 problem (never a redirect or an
    HTML page)."""
    from api.errors import problem

    return problem(404, "No such address in the API: see /api/v1/docs.")
