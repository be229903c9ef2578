"""The community's pages and actions. Views stay thin: they read through ``forum.selectors``,
write through ``forum.services`` and let ``forum.permissions`` decide.

A ``PermissionDenied`` from a rule becomes a redirect to the login page for anonymous visitors
(coming back afterwards) and the site's 403 page, with the rule's message, for everyone else.
Every state change is a POST (a GET on an action address is a 405).
"""

from __future__ import annotations

import functools
from datetime import timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.http import safe_next
from core.ratelimit import throttle, user_or_client_key
from forum import cache as page_cache
from forum import events, markup, permissions, selectors
from forum.cache import anonymous_page_cache, count_topic_view
from forum.forms import (
    AskForm,
    DuplicateForm,
    EditPostForm,
    MoveForm,
    PreviewForm,
    ReplyForm,
    StatusForm,
    TopicFilterForm,
    canonical_filter_query,
)
from forum.models import Category, Post, Topic
from forum.services import follows
from forum.services import posts as post_services
from forum.services import topics as topic_services
from forum.services import views as view_services

FORM_TOKEN_TTL = 600  # seconds a used form token remembers what it created
IDENTICAL_REPLY_WINDOW = timedelta(minutes=10)


def denied_to_login(view):
    """Turn ``PermissionDenied`` into a login redirect for anonymous visitors (back to the
    page they were on; for a POST, the page the action belongs to) and a 403 otherwise."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            if not permissions.is_signed_in(request.user):
                next_url = request.get_full_path()
                if request.method != "GET":
                    next_url = safe_next(request, fallback=reverse("forum:index"))
                return redirect_to_login(next_url)
            raise

    return wrapper


def _unwrap_user(request: HttpRequest):
    """``request.user`` without its lazy wrapper, for pages that read it hundreds of times (each
    permission check and template lookup through the wrapper costs a proxy call)."""
    user = request.user
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
        request.user = user
    return user


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _error_message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- lists --------------------------------------------------------------------------------


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
TOPIC_PARAMS = {"page": page_cache.page_number}


@require_GET
@anonymous_page_cache(scopes=(page_cache.LISTS,), params=LIST_PARAMS)
def topic_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    _unwrap_user(request)
    canonical = canonical_filter_query(request.GET)
    if canonical is not None:
        return HttpResponseRedirect(request.path + (f"?{canonical}" if canonical else ""))
    category = None
    if slug is not None:
        category = selectors.category_by_slug(slug)
        if category is None:
            raise Http404("No such category.")
    all_categories = list(selectors.categories())
    form = TopicFilterForm(request.GET or None, categories=all_categories)
    filters = form.filters(category=category)
    is_moderator = permissions.is_moderator(request.user)
    any_filter = bool(filters.kind or filters.status or filters.unanswered or filters.tag) or (
        filters.category is not None and category is None
    )

    def render_results() -> str:
        page = selectors.paginate(
            selectors.topic_list(request.user, filters),
            request.GET.get("page"),
            settings.FORUM_TOPICS_PER_PAGE,
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


# --- asking -------------------------------------------------------------------------------


def _token_key(user, token: str) -> str:
    return f"forum:form-token:{user.pk}:{token}"


@require_http_methods(["GET", "POST"])
@denied_to_login
def ask(request: HttpRequest) -> HttpResponse:
    permissions.check_ask(request.user)
    preview_html = None
    status = 200
    if request.method == "GET":
        initial = {"title": request.GET.get("title", "")[:200]}
        if request.GET.get("category"):
            found = selectors.category_by_slug(request.GET["category"])
            if found:
                initial["category"] = found.pk
        form = AskForm(initial=initial)
        return render(request, "forum/ask.html", {"form": form})

    form = AskForm(request.POST)
    if form.is_bot:
        # A honeypot hit: answer like a success, keep nothing.
        return redirect("forum:index")
    if "preview" in request.POST:
        form.is_valid()
        preview_html = markup.render_markdown(request.POST.get("source", "")[: markup.MAX_SOURCE_LENGTH]).html
        return render(request, "forum/ask.html", {"form": form, "preview_html": preview_html})
    if form.is_valid():
        data = form.cleaned_data
        key = _token_key(request.user, form.token) if form.token else ""
        if key and not cache.add(key, "pending", FORM_TOKEN_TTL):
            created_pk = cache.get(key)
            if isinstance(created_pk, int):
                return redirect(Topic.objects.get(pk=created_pk).get_absolute_url())
        existing = topic_services.recent_identical_topic(
            author=request.user, title=data["title"], source=data["source"]
        )
        if existing is not None:
            messages.info(request, "You already posted this question: here it is.")
            return redirect(existing.get_absolute_url())
        try:
            post_services.post_rate_check(user=request.user)
            topic = topic_services.topic_create(
                author=request.user,
                title=data["title"],
                source=data["source"],
                kind=data["kind"],
                category=data["category"],
                tags=data["tags"],
            )
        except post_services.RateLimitExceeded as exc:
            form.add_error(None, str(exc))
            status = 429
        except ValidationError as exc:
            _add_errors(form, exc)
            status = 400
        else:
            if key:
                cache.set(key, topic.pk, FORM_TOKEN_TTL)
            messages.success(request, "Your question is posted. You'll be notified of replies.")
            return redirect(topic.get_absolute_url())
        if key:
            cache.delete(key)
    else:
        status = 400
    return render(request, "forum/ask.html", {"form": form, "preview_html": preview_html}, status=status)


@require_POST
@throttle(
    "preview",
    rate_setting="PREVIEW_RATE_LIMIT",
    key=user_or_client_key,
    message="The preview is taking a break: you asked for many in a short time.",
    as_json=True,
)
def preview(request: HttpRequest) -> HttpResponse:
    """The HTML that ``forum.markup`` makes of ``source``, for the live preview."""
    if not permissions.is_signed_in(request.user):
        return JsonResponse({"error": "Sign in to preview."}, status=403)
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return JsonResponse(
            {"error": f"Keep it under {markup.MAX_SOURCE_LENGTH:,} characters."},
            status=400,
        )
    rendered = markup.render_markdown(form.cleaned_data["source"])
    return JsonResponse({"html": rendered.html})


# --- a topic ------------------------------------------------------------------------------


def _get_visible_topic(request: HttpRequest, pk: int, *, cached: bool = False) -> Topic:
    """The topic, or 404; 403 when ``request.user`` may not see it. ``cached``: read from the
    content cache, for views that only show it (never for one that writes)."""
    topic = (selectors.topic_for_page_cached if cached else selectors.topic_for_page)(pk)
    if topic is None:
        raise Http404("No such topic.")
    permissions.check_view_topic(request.user, topic)
    return topic


@require_GET
def topic_short(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.only("pk", "slug"), pk=pk)
    url = topic.get_absolute_url()
    if request.GET:
        url += "?" + request.GET.urlencode()
    return HttpResponseRedirect(url)


def _topic_scopes(request: HttpRequest, pk: int, *args, **kwargs) -> tuple[str, ...]:
    return (page_cache.topic_scope(pk),)


@require_GET
@denied_to_login
@anonymous_page_cache(scopes=_topic_scopes, params=TOPIC_PARAMS, on_hit=count_topic_view)
def topic_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    _unwrap_user(request)
    topic = _get_visible_topic(request, pk, cached=True)
    if slug != topic.slug:
        url = topic.get_absolute_url()
        if request.GET:
            url += "?" + request.GET.urlencode()
        return HttpResponseRedirect(url)
    view_services.topic_record_view(request=request, topic=topic)
    if permissions.is_signed_in(request.user):
        # Whoever keeps track of what a member has read (notifications) listens to this.
        events.topic_opened.send(sender=Topic, topic=topic, user=request.user, request=request)
    data = selectors.topic_page(request.user, topic, request.GET.get("page"))
    state = _apply_reaction_state(request.user, data)
    user = request.user
    is_staff = permissions.is_staff(user)
    try:
        permissions.check_reply(user, topic)
        reply_denied = None
    except PermissionDenied as exc:
        reply_denied = str(exc)
    context = {
        "topic": topic,
        "data": data,
        "question": data.question,
        "answers": data.answers,
        # Shown in full above the replies: in the reply list they are an excerpt and a link.
        "answer_ids": {answer["post"].pk for answer in data.answers},
        "page": data.page,
        "posts": data.posts,
        "events": data.events,
        "duplicates": data.duplicates,
        "reply_form": ReplyForm() if reply_denied is None else None,
        "reply_denied": reply_denied,
        "is_following": state.get("following", False),
        "is_staff": is_staff,
        "is_moderator": permissions.is_moderator(user),
        "status_form": StatusForm(initial={"status": topic.status}) if is_staff else None,
        "duplicate_form": DuplicateForm() if is_staff else None,
        "move_form": MoveForm(initial={"category": topic.category_id}) if is_staff else None,
        # What the template's {% url 'account_login' %}?next={{ request.get_full_path|urlencode }}
        # gives, once per page instead of once per post.
        "login_next_url": f"{reverse('account_login')}?next={quote(request.get_full_path())}",
        **page_cache.fragment_context(page_cache.topic_scope(topic.pk)),
    }
    return render(request, "forum/topic_detail.html", context)


def _apply_reaction_state(user, data: selectors.TopicPage) -> dict:
    """Per-user me-too, follow, vote and flag state (one query; none when signed out)."""
    if not permissions.is_signed_in(user):
        return {}
    every_post = list(data.posts) + [a["post"] for a in data.answers]
    if data.question:
        every_post.append(data.question)
    state = selectors.user_reaction_state(user, data.topic, every_post)
    data.topic.user_metoo = bool(state.get("metoo"))
    voted = state.get("voted_post_ids") or set()
    flagged = state.get("flagged_post_ids") or set()
    for post in every_post:
        post.voted = post.pk in voted
        post.flagged = post.pk in flagged
    data.extra["reaction_state"] = state
    return state


@require_GET
@denied_to_login
def post_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    """``/community/p/<id>/``: the topic page the post is on, scrolled to it."""
    post = get_object_or_404(Post.objects.select_related("topic"), pk=pk)
    permissions.check_view_topic(request.user, post.topic)
    permissions.check_view_post(request.user, post)
    page_number = selectors.reply_page_number(request.user, post)
    url = post.topic.get_absolute_url()
    if page_number > 1:
        url += "?" + urlencode({"page": page_number})
    return HttpResponseRedirect(f"{url}#post-{post.pk}")


# --- replies and edits ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@denied_to_login
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _get_visible_topic(request, pk)
    permissions.check_reply(request.user, topic)
    if request.method == "GET":
        return render(request, "forum/reply.html", {"topic": topic, "form": ReplyForm()})
    form = ReplyForm(request.POST)
    if form.is_bot:
        return redirect(topic.get_absolute_url())
    if "preview" in request.POST:
        form.is_valid()
        preview_html = markup.render_markdown(request.POST.get("source", "")[: markup.MAX_SOURCE_LENGTH]).html
        return render(
            request, "forum/reply.html", {"topic": topic, "form": form, "preview_html": preview_html}
        )
    status = 400
    if form.is_valid():
        source = form.cleaned_data["source"].strip()
        key = _token_key(request.user, form.token) if form.token else ""
        if key and not cache.add(key, "pending", FORM_TOKEN_TTL):
            created_pk = cache.get(key)
            if isinstance(created_pk, int):
                return redirect("forum:post", pk=created_pk)
        existing = (
            Post.objects.filter(
                topic=topic,
                author=request.user,
                source=source,
                created_at__gte=timezone.now() - IDENTICAL_REPLY_WINDOW,
            )
            .exclude(pk=topic.first_post_id)
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            messages.info(request, "You already posted this reply: here it is.")
            return redirect("forum:post", pk=existing.pk)
        try:
            post_services.post_rate_check(user=request.user)
            post = post_services.post_create(author=request.user, topic=topic, source=source)
        except post_services.RateLimitExceeded as exc:
            form.add_error(None, str(exc))
            status = 429
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if key:
                cache.set(key, post.pk, FORM_TOKEN_TTL)
            messages.success(request, "Your reply is posted.")
            return redirect("forum:post", pk=post.pk)
        if key:
            cache.delete(key)
    return render(request, "forum/reply.html", {"topic": topic, "form": form}, status=status)


def _get_post(request: HttpRequest, pk: int) -> Post:
    post = get_object_or_404(Post.objects.select_related("topic", "author"), pk=pk)
    permissions.check_view_topic(request.user, post.topic)
    return post


@require_http_methods(["GET", "POST"])
@denied_to_login
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = _get_post(request, pk)
    permissions.check_edit_post(request.user, post)
    topic = post.topic
    is_question = topic.first_post_id == post.pk
    context = {"post": post, "topic": topic, "is_question": is_question}
    if request.method == "GET":
        form = EditPostForm(initial={"title": topic.title, "source": post.source}, is_question=is_question)
        return render(request, "forum/post_edit.html", {**context, "form": form})
    form = EditPostForm(request.POST, is_question=is_question)
    if "preview" in request.POST:
        form.is_valid()
        context["preview_html"] = markup.render_markdown(
            request.POST.get("source", "")[: markup.MAX_SOURCE_LENGTH]
        ).html
        return render(request, "forum/post_edit.html", {**context, "form": form})
    if form.is_valid():
        try:
            post_services.post_edit(
                actor=request.user,
                post=post,
                source=form.cleaned_data["source"],
                title=form.cleaned_data.get("title") if is_question else None,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect("forum:post", pk=post.pk)
    return render(request, "forum/post_edit.html", {**context, "form": form}, status=400)


@require_GET
@denied_to_login
def post_revisions(request: HttpRequest, pk: int) -> HttpResponse:
    post = _get_post(request, pk)
    permissions.check_view_revisions(request.user, post)
    revisions = list(selectors.post_revisions(post))
    # Each revision holds the text *before* an edit; pair it with the text after it.
    versions = []
    after_source, after_title = post.source, post.topic.title
    for revision in revisions:
        versions.append(
            {
                "revision": revision,
                "before": revision.source_before,
                "after": after_source,
                "title_before": revision.title_before,
                "title_after": after_title if revision.title_before else "",
                "diff": _diff(revision.source_before, after_source),
            }
        )
        after_source = revision.source_before
        if revision.title_before:
            after_title = revision.title_before
    return render(
        request,
        "forum/post_revisions.html",
        {"post": post, "topic": post.topic, "versions": versions},
    )


def _diff(before: str, after: str) -> list[tuple[str, str]]:
    """Line diff as (kind, line) pairs, kind one of "add", "del", "same" (escaped by the template)."""
    import difflib

    lines = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        code, text = line[:2], line[2:]
        if code == "? ":
            continue
        lines.append(({"+ ": "add", "- ": "del"}.get(code, "same"), text))
    return lines


# --- answers, statuses, duplicates, locks, moves (POST only) ----------------------------


def _post_action(service, success: str):
    @require_POST
    @denied_to_login
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        post = _get_post(request, pk)
        try:
            service(actor=request.user, post=post)
        except ValidationError as exc:
            messages.error(request, _error_message(exc))
        else:
            messages.success(request, success)
        return redirect("forum:post", pk=post.pk)

    return view


post_mark_official = _post_action(post_services.post_mark_official, "Marked as the official answer.")
post_unmark_official = _post_action(post_services.post_unmark_official, "No longer the official answer.")
post_accept = _post_action(post_services.post_accept, "Accepted as the answer. Thanks for closing the loop!")
post_unaccept = _post_action(post_services.post_unaccept, "No longer the accepted answer.")


def _topic_action(handler):
    @require_POST
    @denied_to_login
    @functools.wraps(handler)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        topic = _get_visible_topic(request, pk)
        try:
            message = handler(request, topic)
        except ValidationError as exc:
            messages.error(request, _error_message(exc))
        else:
            if message:
                messages.success(request, message)
        return redirect(safe_next(request, fallback=topic.get_absolute_url()))

    return view


def _form_or_error(form) -> dict:
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    return form.cleaned_data


@_topic_action
def topic_status(request: HttpRequest, topic: Topic) -> str:
    permissions.check_set_status(request.user, topic)
    data = _form_or_error(StatusForm(request.POST))
    topic_services.topic_set_status(actor=request.user, topic=topic, status=data["status"])
    return f"Status set to “{topic.get_status_display()}”."


@_topic_action
def topic_duplicate(request: HttpRequest, topic: Topic) -> str:
    permissions.check_mark_duplicate(request.user, topic)
    data = _form_or_error(DuplicateForm(request.POST))
    topic_services.topic_mark_duplicate(actor=request.user, topic=topic, original=data["original"])
    return f"Marked as a duplicate of “{data['original'].title}”."


@_topic_action
def topic_unduplicate(request: HttpRequest, topic: Topic) -> str:
    topic_services.topic_unmark_duplicate(actor=request.user, topic=topic)
    return "No longer marked as a duplicate."


@_topic_action
def topic_lock(request: HttpRequest, topic: Topic) -> str:
    topic_services.topic_lock(actor=request.user, topic=topic)
    return "Topic locked: it takes no new replies."


@_topic_action
def topic_unlock(request: HttpRequest, topic: Topic) -> str:
    topic_services.topic_unlock(actor=request.user, topic=topic)
    return "Topic unlocked."


@_topic_action
def topic_move(request: HttpRequest, topic: Topic) -> str:
    permissions.check_move(request.user, topic)
    data = _form_or_error(MoveForm(request.POST))
    topic_services.topic_move(actor=request.user, topic=topic, category=data["category"])
    return f"Moved to {data['category'].name}."


@_topic_action
def topic_follow(request: HttpRequest, topic: Topic) -> str:
    follows.topic_follow(user=request.user, topic=topic)
    return "You're following this topic."


@_topic_action
def topic_unfollow(request: HttpRequest, topic: Topic) -> str:
    follows.topic_unfollow(user=request.user, topic=topic)
    return "You're no longer following this topic."


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
