"""Topic lists: the community's front page, a category's page (with its filters, sorts and the
shared cache of their rows), and following a category."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from forum import cache as page_cache
from forum import permissions, selectors
from forum.cache import anonymous_page_cache
from forum.forms import TopicFilterForm, canonical_filter_query
from forum.models import Category, Topic
from forum.services import follows
from forum.views.base import denied_to_login, unwrap_user

# The query parameters list pages read, each with its bounded form (``forum.cache``).
LIST_PARAMS = {
    "kind": page_cache.choice(*Topic.Kind.values),
    "status": page_cache.choice(*Topic.Status.values),
    "category": page_cache.slug_value(),
    "unanswered": page_cache.choice("on", "1", "true"),
    "tag": page_cache.slug_value(30),
    "sort": page_cache.choice(*selectors.SORTS),
    "page": page_cache.page_number,
}


@require_GET
@anonymous_page_cache(scopes=(page_cache.LISTS,), params=LIST_PARAMS)
def topic_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    unwrap_user(request)
    canonical = canonical_filter_query(request.GET)
    if canonical is not None:
        return HttpResponseRedirect(request.path + (f"?{canonical}" if canonical else ""))
    category = None
    if slug is not None:
        category = selectors.category_by_slug(slug)
        if category is None:
            raise Http404("No such category.")
    all_categories = selectors.category_list()
    form = TopicFilterForm(request.GET or None, categories=all_categories)
    filters = form.filters(category=category)
    is_moderator = permissions.is_moderator(request.user)
    any_filter = bool(filters.kind or filters.status or filters.unanswered or filters.tag) or (
        filters.category is not None and category is None
    )

    def render_results() -> str:
        page = selectors.topic_list_page(
            request.user, filters, request.GET.get("page"), settings.FORUM_TOPICS_PER_PAGE
        )
        topics = selectors.with_tags(page.object_list)
        results = {"category": category, "page": page, "topics": topics, "any_filter": any_filter}
        return render_to_string("forum/includes/topic_list_results.html", results, request=request)

    if filters.ignored or (filters.tag and not selectors.tag_exists(filters.tag)):
        page_cache.do_not_store(request)  # only addresses of real lists become cache entries
    # The rows depend only on the address, the filters and whether hidden topics are shown.
    # A member whose own change the lists may not show yet gets them afresh (forum.cache).
    query = page_cache.canonical_query(request, LIST_PARAMS)
    shared = query is not None and page_cache.storable(request)
    results_html = page_cache.content_fragment(
        "topic-list",
        (request.path, query, "moderator" if is_moderator else "public")
        if shared and not page_cache.wrote_recently(request.user)
        else None,
        render_results,
        scopes=(page_cache.LISTS,),
    )
    context = {
        "category": category,
        "categories": all_categories,
        "filter_form": form,
        "filters": filters,
        "results_html": results_html,
        "sorts": [(key, label) for key, (label, _) in selectors.SORTS.items()],
        "is_moderator": is_moderator,
        "following_category": category is not None and follows.is_following_category(request.user, category),
        "any_filter": any_filter,
    }
    return render(request, "forum/topic_list.html", context)


def _category_action(service, success: str):
    @require_POST
    @denied_to_login
    def view(request: HttpRequest, slug: str) -> HttpResponse:
        category = get_object_or_404(Category, slug=slug)
        service(user=request.user, category=category)
        messages.success(request, success.format(name=category.name))
        return redirect(category.get_absolute_url())

    return view


category_follow = _category_action(follows.category_follow, "You'll hear about new topics in {name}.")
category_unfollow = _category_action(follows.category_unfollow, "You're no longer following {name}.")
