"""A post: its permalink, editing it (with revisions, and staff redaction of an earlier
version), and the answer actions on it (official answer, accepted answer)."""

from __future__ import annotations

import difflib
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum import permissions, selectors
from forum.forms import EditPostForm
from forum.models import Post
from forum.services import posts as post_services
from forum.views.base import (
    add_errors,
    denied_to_login,
    error_message,
    post_in_visible_topic,
    preview_of_source,
)


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


@require_http_methods(["GET", "POST"])
@denied_to_login
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_in_visible_topic(request, pk)
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
        context["preview_html"] = preview_of_source(request)
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
            add_errors(form, exc)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect("forum:post", pk=post.pk)
    return render(request, "forum/post_edit.html", {**context, "form": form}, status=400)


@require_GET
@denied_to_login
def post_revisions(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_in_visible_topic(request, pk)
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
        {
            "post": post,
            "topic": post.topic,
            "versions": versions,
            "can_redact": permissions.allowed(permissions.check_redact_revision, request.user, post),
        },
    )


@require_POST
@denied_to_login
def post_revision_redact(request: HttpRequest, pk: int, revision_id: int) -> HttpResponse:
    """Staff: replace one earlier version's text with a note (``post_revision_redact``)."""
    post = post_in_visible_topic(request, pk)
    permissions.check_redact_revision(request.user, post)
    revision = get_object_or_404(post.revisions, pk=revision_id)
    try:
        post_services.post_revision_redact(
            actor=request.user, revision=revision, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    messages.success(request, "That version is redacted. Staff can still read the original.")
    return redirect("forum:post_revisions", pk=post.pk)


def _diff(before: str, after: str) -> list[tuple[str, str]]:
    """Line diff as (kind, line) pairs, kind one of "add", "del", "same" (escaped by the template)."""
    lines = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        code, text = line[:2], line[2:]
        if code == "? ":
            continue
        lines.append(({"+ ": "add", "- ": "del"}.get(code, "same"), text))
    return lines


def _post_action(service, success: str):
    @require_POST
    @denied_to_login
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        post = post_in_visible_topic(request, pk)
        try:
            service(actor=request.user, post=post)
        except ValidationError as exc:
            messages.error(request, error_message(exc))
        else:
            messages.success(request, success)
        return redirect("forum:post", pk=post.pk)

    return view


post_mark_official = _post_action(post_services.post_mark_official, "Marked as the official answer.")
post_unmark_official = _post_action(post_services.post_unmark_official, "No longer the official answer.")
post_accept = _post_action(post_services.post_accept, "Accepted as the answer. Thanks for closing the loop!")
post_unaccept = _post_action(post_services.post_unaccept, "No longer the accepted answer.")
