"""The FAQ's screens in the Wagtail admin: promotion candidates, "Promote to FAQ", the least
helpful articles, articles due for review, and helpful-vote feedback.

Every screen is for Editors and Staff (``can_curate``); moderators and customers get a 403.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, ExpressionWrapper, F, FloatField, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views import View

from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, NumberColumn, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets.button import HeaderButton

from accounts import roles
from core.spreadsheets import FormulaSafeExportMixin
from forum import permissions
from forum.models import Topic
from kb import selectors
from kb.models import FaqArticlePage, FaqSectionPage, HelpfulVote
from kb.services import suggested_section, topic_promote_to_faq


def can_curate(user) -> bool:
    """Editors and Staff curate the FAQ (superusers hold every role)."""
    return roles.is_editor_or_staff(user)


def _require_curator(view_func):
    def wrapped(request, *args, **kwargs):
        if not can_curate(request.user):
            raise PermissionDenied("Only editors and staff can work on the FAQ.")
        return view_func(request, *args, **kwargs)

    return wrapped


class CuratorOnlyMixin:
    @method_decorator(_require_curator)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class TemplateColumn(Column):
    def __init__(self, name, template_name, **kwargs):
        super().__init__(name, **kwargs)
        self.cell_template_name = template_name


# --- promotion candidates ---------------------------------------------------------------------


class CandidatesReportView(CuratorOnlyMixin, FormulaSafeExportMixin, ReportView):
    """Topics with an official or accepted answer, not yet in the FAQ, most popular first;
    staff nominations are marked, and ``?nominated=1`` lists only them."""

    page_title = "FAQ candidates"
    header_icon = "pick"
    index_url_name = "kb_admin:candidates"
    index_results_url_name = "kb_admin:candidates_results"
    paginate_by = 25
    list_export = [
        "title",
        "category",
        "popularity",
        "view_count",
        "metoo_count",
        "vote_count",
        "reply_count",
        "follower_count",
        "nominated_for_faq",
    ]

    @property
    def columns(self):
        return [
            TitleColumn("title", label="Topic", get_url=lambda topic: topic.get_absolute_url()),
            Column("category", label="Category"),
            NumberColumn("popularity_display", label="Popularity", accessor=lambda t: round(t.popularity, 1)),
            NumberColumn("view_count", label="Views"),
            NumberColumn("metoo_count", label="Me too"),
            NumberColumn("vote_count", label="Reply votes"),
            NumberColumn("reply_count", label="Replies"),
            NumberColumn("follower_count", label="Followers"),
            BooleanColumn("nominated_for_faq", label="Nominated"),
            TemplateColumn("promote", "kb/admin/cells/promote.html", label=""),
        ]

    def get_queryset(self):
        topics = selectors.promotion_candidates()
        if self.request.GET.get("nominated") == "1":
            topics = topics.filter(nominated_for_faq=True)
        return topics

    @cached_property
    def header_buttons(self):
        if self.request.GET.get("nominated") == "1":
            return [HeaderButton("All candidates", url=reverse("kb_admin:candidates"), icon_name="list-ul")]
        return [
            HeaderButton(
                "Nominated by staff", url=reverse("kb_admin:candidates") + "?nominated=1", icon_name="pick"
            )
        ]


class PromoteForm(forms.Form):
    section = forms.ModelChoiceField(
        queryset=FaqSectionPage.objects.none(),
        empty_label=None,
        help_text="The FAQ section the new article goes into. You can move it later.",
    )

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = sections


class PromoteView(CuratorOnlyMixin, View):
    """Ask for the section, then create the draft and open it in the editor. A topic already
    promoted opens its article at once."""

    template_name = "kb/admin/promote.html"

    def dispatch(self, request, *args, **kwargs):
        self.topic = get_object_or_404(
            Topic.objects.select_related("category", "official_answer", "accepted_answer"),
            pk=kwargs["topic_id"],
        )
        return super().dispatch(request, *args, **kwargs)

    def _existing(self):
        if self.topic.faq_page_id and FaqArticlePage.objects.filter(pk=self.topic.faq_page_id).exists():
            messages.info(self.request, "This topic is already in the FAQ: here is its article.")
            return redirect("wagtailadmin_pages:edit", self.topic.faq_page_id)
        return None

    def _sections(self):
        return FaqSectionPage.objects.order_by("path")

    def _render(self, form, status=200):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "topic": self.topic,
                "form": form,
                "has_sections": self._sections().exists(),
                "faq_index": selectors.faq_index(),
                "page_title": "Promote to FAQ",
                "header_icon": "pick",
            },
            status=status,
        )

    def get(self, request, topic_id):
        existing = self._existing()
        if existing:
            return existing
        try:
            permissions.check_promote(request.user, self.topic)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("kb_admin:candidates")
        section = suggested_section(self.topic) or self._sections().first()
        form = PromoteForm(sections=self._sections(), initial={"section": section})
        return self._render(form)

    def post(self, request, topic_id):
        existing = self._existing()
        if existing:
            return existing
        form = PromoteForm(request.POST, sections=self._sections())
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            promotion = topic_promote_to_faq(
                actor=request.user, topic=self.topic, section=form.cleaned_data["section"]
            )
        except (PermissionDenied, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            form.add_error(None, message)
            return self._render(form, status=400)
        if promotion.created:
            messages.success(
                request,
                "Draft FAQ article created from the topic. Edit it, then publish or submit it for review.",
            )
        return redirect("wagtailadmin_pages:edit", promotion.article.pk)


# --- helpfulness --------------------------------------------------------------------------------


class LeastHelpfulReportView(CuratorOnlyMixin, FormulaSafeExportMixin, ReportView):
    """Articles with votes, the lowest share of "yes" first (ties: most "no" votes first)."""

    page_title = "Least helpful FAQ articles"
    header_icon = "warning"
    index_url_name = "kb_admin:least_helpful"
    index_results_url_name = "kb_admin:least_helpful_results"
    list_export = ["title", "helpful_yes_count", "helpful_no_count", "view_count"]

    @property
    def columns(self):
        return [
            TitleColumn("title", label="Article", url_name="wagtailadmin_pages:edit"),
            NumberColumn("helpful_yes_count", label="Helpful"),
            NumberColumn("helpful_no_count", label="Not helpful"),
            Column("helpful_percent", label="% helpful", accessor=lambda a: f"{a.helpful_percent}%"),
            TemplateColumn("comments", "kb/admin/cells/comments.html", label="Comments"),
            NumberColumn("view_count", label="Views"),
        ]

    def get_queryset(self):
        return (
            FaqArticlePage.objects.annotate(
                votes=F("helpful_yes_count") + F("helpful_no_count"),
                comment_count=Count("helpful_votes", filter=~Q(helpful_votes__comment="")),
            )
            .filter(votes__gt=0)
            .annotate(
                share=ExpressionWrapper(F("helpful_yes_count") * 1.0 / F("votes"), output_field=FloatField())
            )
            .order_by("share", "-helpful_no_count", "title")
        )


class FeedbackReportView(CuratorOnlyMixin, FormulaSafeExportMixin, ReportView):
    """Every "Was this helpful?" vote, newest first; ``?article=<id>`` for one article and
    ``?comments=1`` for the ones with a comment."""

    page_title = "FAQ feedback"
    header_icon = "comment"
    index_url_name = "kb_admin:feedback"
    index_results_url_name = "kb_admin:feedback_results"
    list_export = ["article", "helpful", "comment", "created_at"]

    @property
    def columns(self):
        return [
            TitleColumn(
                "article",
                label="Article",
                get_url=lambda vote: reverse("wagtailadmin_pages:edit", args=[vote.article_id]),
            ),
            BooleanColumn("helpful", label="Helpful"),
            Column("comment", label="Comment"),
            Column(
                "visitor", label="From", accessor=lambda v: v.user.name if v.user else "anonymous visitor"
            ),
            DateColumn("created_at", label="When"),
        ]

    def get_queryset(self):
        votes = HelpfulVote.objects.select_related("article", "user")
        article = self.request.GET.get("article", "")
        if article.isdigit():
            votes = votes.filter(article_id=int(article))
        if self.request.GET.get("comments") == "1":
            votes = votes.exclude(comment="")
        return votes


# --- review -------------------------------------------------------------------------------------


class ReviewReportView(CuratorOnlyMixin, FormulaSafeExportMixin, ReportView):
    """Published articles whose "review by" date has passed, or whose source topic got a new
    official answer after the article was last published."""

    page_title = "FAQ articles to review"
    header_icon = "time"
    index_url_name = "kb_admin:review"
    index_results_url_name = "kb_admin:review_results"
    list_export = ["title", "review_by", "last_published_at"]

    @property
    def columns(self):
        return [
            TitleColumn("title", label="Article", url_name="wagtailadmin_pages:edit"),
            TemplateColumn("reasons", "kb/admin/cells/review_reasons.html", label="Why"),
            DateColumn("review_by", label="Review by"),
            DateColumn("last_published_at", label="Last published"),
        ]

    def get_queryset(self):
        return selectors.articles_due_for_review()
