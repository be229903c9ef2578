"""Mentions in the Wagtail admin, for staff: the sources (a snippet listing) and the triage
queue at /admin/mentions/ (newest first, filters, bulk dismiss, and a page per mention with the
similar community topics and FAQ articles, reply, bring home, assign and status actions).

Every action calls ``mentions.services`` with the same staff check; refusals come back as a
message, never a 500.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property

from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts import roles
from accounts.permissions import RolePermissionPolicy
from core.admin import GuardedViewSet, admin_post_action
from core.http import safe_next
from forum.models import Category, Topic
from mentions import matching, permissions, selectors, services
from mentions.models import Mention, Source

PER_PAGE = 25

source_policy = RolePermissionPolicy(Source, view_groups=(roles.STAFF,), manage_groups=(roles.STAFF,))


class SourceAdminForm(WagtailAdminModelForm):
    def clean_keywords(self):
        value = self.cleaned_data.get("keywords", "")
        problems = matching.keyword_errors(value)
        if problems:
            raise ValidationError(problems)
        return "\n".join(matching.split_keywords(value))

    def clean_feed_url(self):
        value = self.cleaned_data.get("feed_url", "")
        try:
            services.fetching.validate_feed_url(value)
        except services.fetching.FetchError as exc:
            raise ValidationError(str(exc)) from exc
        return value

    def clean_poll_minutes(self):
        value = self.cleaned_data.get("poll_minutes") or 0
        if not services.MIN_POLL_MINUTES <= value <= services.MAX_POLL_MINUTES:
            raise ValidationError(f"Poll between every {services.MIN_POLL_MINUTES} minutes and once a week.")
        return value


class SourceViewSet(SnippetViewSet):
    model = Source
    icon = "link"
    menu_label = "Sources"
    url_prefix = "mentions/sources"
    url_namespace = "mentions_sources"
    list_display = [
        "name",
        Column("feed_url", label="Feed"),
        Column("category", label="Product"),
        Column("poll_minutes", label="Every (min)"),
        BooleanColumn("is_active", label="Active"),
        DateColumn("last_success_at", label="Last read"),
        Column("last_error", label="Last error"),
    ]
    list_filter = ["is_active", "category"]
    search_fields = ["name", "feed_url", "keywords"]
    search_backend_name = None
    ordering = ["name"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("feed_url"),
            FieldPanel("keywords"),
            FieldPanel("category"),
            FieldPanel("poll_minutes"),
            FieldPanel("is_active"),
        ],
        base_form_class=SourceAdminForm,
    )

    @cached_property
    def permission_policy(self):
        return source_policy


# --- the queue ----------------------------------------------------------------------------


# Staff-only admin POST: refusals become a message and a redirect back to the queue.
_staff_action = admin_post_action(check=permissions.check_triage, back="mentions:queue")


def _staff_members():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=roles.STAFF))
        .distinct()
        .order_by("username")
    )


def queue_view(request):
    permissions.check_triage(request.user)
    filters = selectors.QueueFilters.from_query(request.GET)
    page = Paginator(selectors.queue(filters, viewer=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    items = list(page.object_list)
    for mention in items:
        mention.attention = selectors.needs_attention(mention)
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "mentions/admin/queue.html",
        {
            "page_title": "Mentions",
            "header_title": "Mentions",
            "header_icon": "globe",
            "page": page,
            "items": items,
            "filters": filters,
            "query": query.urlencode(),
            "sources": Source.objects.order_by("name"),
            "categories": Category.objects.order_by("order", "name"),
            "kinds": Mention.Kind.choices,
            "sentiments": Mention.Sentiment.choices,
            "statuses": Mention.Status.choices,
            "counts": selectors.status_counts(),
            "failing": list(selectors.failing_sources()),
            "times": selectors.response_times(),
            "overdue_hours": selectors.overdue_hours(),
        },
    )


class ReplyForm(forms.Form):
    reply_text = forms.CharField(
        label="Your reply", max_length=services.REPLY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )
    reply_url = forms.URLField(
        label="Address of the reply you posted (optional)",
        required=False,
        max_length=2000,
        assume_scheme="https",
    )


class BringHomeForm(forms.Form):
    title = forms.CharField(label="Topic title", max_length=200, min_length=10)
    category = forms.ModelChoiceField(label="Category", queryset=Category.objects.all())
    kind = forms.ChoiceField(label="Kind", choices=Topic.Kind.choices)


def detail_view(request, pk: int):
    permissions.check_triage(request.user)
    mention = get_object_or_404(
        Mention.objects.select_related(
            "source", "category", "assigned_to", "topic", "replied_by", "duplicate_of"
        ),
        pk=pk,
    )
    reply_form = ReplyForm(initial={"reply_text": mention.reply_text, "reply_url": mention.reply_url})
    home_form = BringHomeForm(
        initial={
            "title": (mention.title or mention.text[:120])[:200],
            "category": mention.category_id or (mention.source.category_id if mention.source else None),
            "kind": mention.kind if mention.kind in Topic.Kind.values else Topic.Kind.QUESTION,
        }
    )
    return TemplateResponse(
        request,
        "mentions/admin/detail.html",
        {
            "page_title": f"Mention: {mention.headline[:60]}",
            "header_title": "Mention",
            "header_icon": "globe",
            "mention": mention,
            "attention": selectors.needs_attention(mention),
            "similar": selectors.similar_for(mention),
            "reposts": list(mention.reposts.select_related("source").order_by("created_at")[:20]),
            "events": list(mention.events.select_related("actor")[:30]),
            "reply_form": reply_form,
            "home_form": home_form,
            "staff": _staff_members(),
            "statuses": [(v, label) for v, label in Mention.Status.choices if v in services._ALLOWED],
        },
    )


def _mention(pk: int) -> Mention:
    return get_object_or_404(Mention.objects.select_related("source", "category"), pk=pk)


def _detail(pk: int) -> str:
    return reverse("mentions:detail", args=[pk])


@_staff_action
def status_action(request, pk: int):
    mention = services.mention_set_status(
        actor=request.user, mention=_mention(pk), status=request.POST.get("status", "")
    )
    messages.success(request, f"The mention is now “{mention.get_status_display().lower()}”.")
    return redirect(safe_next(request, _detail(pk)))


@_staff_action
def assign_action(request, pk: int):
    raw = (request.POST.get("assignee") or "").strip()
    assignee = None
    if raw:
        if not raw.isdigit():
            raise ValidationError("Choose a staff member.")
        assignee = get_user_model().objects.filter(pk=int(raw)).first()
        if assignee is None:
            raise ValidationError("That staff member does not exist.")
    services.mention_assign(actor=request.user, mention=_mention(pk), assignee=assignee)
    messages.success(request, f"Assigned to {assignee.name}." if assignee else "Nobody is assigned now.")
    return redirect(safe_next(request, _detail(pk)))


@_staff_action
def widget_action(request, pk: int):
    shown = request.POST.get("shown") == "1"
    services.mention_set_shown(actor=request.user, mention=_mention(pk), shown=shown)
    messages.success(request, "Shown on product pages." if shown else "No longer shown on product pages.")
    return redirect(safe_next(request, _detail(pk)))


@_staff_action
def reply_action(request, pk: int):
    form = ReplyForm(request.POST)
    if not form.is_valid():
        raise ValidationError(
            [f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items()]
        )
    services.mention_reply(
        actor=request.user,
        mention=_mention(pk),
        text=form.cleaned_data["reply_text"],
        reply_url=form.cleaned_data["reply_url"],
    )
    messages.success(request, "Reply recorded.")
    return redirect(_detail(pk))


@_staff_action
def bring_home_action(request, pk: int):
    form = BringHomeForm(request.POST)
    if not form.is_valid():
        raise ValidationError(
            [f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items()]
        )
    topic = services.mention_bring_home(
        actor=request.user,
        mention=_mention(pk),
        category=form.cleaned_data["category"],
        title=form.cleaned_data["title"],
        kind=form.cleaned_data["kind"],
    )
    messages.success(request, f"Brought home as “{topic.title}”.")
    return redirect(_detail(pk))


@_staff_action
def bulk_dismiss_action(request):
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit() and len(v) < 12][:500]
    if not ids:
        raise ValidationError("Tick the mentions to dismiss first.")
    done = services.mentions_dismiss(actor=request.user, ids=ids)
    messages.success(request, f"Dismissed {done} mention{'s' if done != 1 else ''}.")
    return redirect(safe_next(request, reverse("mentions:queue")))


class MentionQueueViewSet(GuardedViewSet):
    """The triage queue; its menu entry says how many mentions wait in it (one count query)."""

    name = "mentions"
    url_prefix = "mentions"
    icon = "globe"
    menu_label = "Triage queue"
    menu_name = "mentions-queue"
    menu_shown_to = staticmethod(permissions.can_triage)
    menu_count = staticmethod(selectors.open_count)

    def get_urlpatterns(self):
        return [
            path("", queue_view, name="queue"),
            path("dismiss/", bulk_dismiss_action, name="bulk_dismiss"),
            path("<int:pk>/", detail_view, name="detail"),
            path("<int:pk>/status/", status_action, name="status"),
            path("<int:pk>/assign/", assign_action, name="assign"),
            path("<int:pk>/reply/", reply_action, name="reply"),
            path("<int:pk>/bring-home/", bring_home_action, name="bring_home"),
            path("<int:pk>/widget/", widget_action, name="widget"),
        ]


class MentionsViewSetGroup(ViewSetGroup):
    menu_label = "Mentions"
    menu_icon = "globe"
    menu_name = "mentions"
    menu_order = 160
    items = (MentionQueueViewSet, SourceViewSet)
