"""The FAQ knowledge base: Wagtail pages (index, sections, articles) and helpful votes.

The page tree is ``HomePage`` → ``FaqIndexPage`` (``/faq/``, one per site) → ``FaqSectionPage``
(a product or area) → ``FaqArticlePage`` (one question and its answer). Editors work in the
normal Wagtail editor with revisions, preview, scheduled publishing and workflows. Articles can
be promoted from community topics (``kb.services.topic_promote_to_faq``); the source topic and
the answer post it was built from are recorded so both link to each other and the review report
can tell when the community answer moved on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber, Substr
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
    TabbedInterface,
)
from wagtail.coreutils import WAGTAIL_APPEND_SLASH
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, PageViewRestriction, Site
from wagtail.query import PageQuerySet
from wagtail.search import index

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase

from accounts.models import User
from kb.panels import FeedbackPanel
from kb.permissions import ReviewedPublishing

# The answer's rich text features, spelled out so a promotion and the editor agree on what an
# answer may contain ("code-block" is registered by kb.wagtail_hooks).
ANSWER_FEATURES = [
    "h2",
    "h3",
    "h4",
    "bold",
    "italic",
    "ol",
    "ul",
    "blockquote",
    "link",
    "document-link",
    "code",
    "code-block",
    "image",
    "hr",
]
CONTEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "code", "code-block"]
INTRO_FEATURES = ["bold", "italic", "link"]

SUMMARY_MAX_LENGTH = 300
POPULAR_ARTICLES_ON_INDEX = 6
TOP_ARTICLES_PER_SECTION = 4


class AnonymousCachedPage:
    """An FAQ page served from the anonymous page cache (``forum.cache``): the same HTML for
    every signed-out visitor, dropped when a page is published or unpublished (the ``faq``
    scope of ``forum.cache``), or when what else it shows changes (``page_cache_scopes``); FAQ
    views and helpful votes do not drop it. A form's CSRF token is filled in for each visitor
    (``forum.cache``). Wagtail's privacy checks run before ``serve``, and a visitor with a
    session is never served from the cache, so password- or login-restricted pages and a
    visitor's own helpful vote are not shared."""

    def page_cache_scopes(self) -> tuple[str, ...]:
        from forum import cache

        return (cache.FAQ,)

    def serve(self, request, *args, **kwargs):
        from forum import cache

        parent_serve = super().serve
        if getattr(request, "is_preview", False):
            return parent_serve(request, *args, **kwargs)
        cached = cache.anonymous_page_cache(
            scopes=self.page_cache_scopes(), params={"page": cache.page_number}
        )
        return cached(lambda req: parent_serve(req, *args, **kwargs))(request)


class RoutedAncestors:
    """What a served FAQ page knows of its place in the tree without asking the database again.

    ``HomePage.route`` loads every page along the path in one query and hands each its parent
    (the cache treebeard's ``get_parent`` keeps), so the breadcrumbs and Wagtail's privacy check
    need no query of their own for the ancestors; a page that did not come through the router
    (a preview, a page loaded in code) falls back to Wagtail's queries."""

    def routed_ancestors(self) -> list[Page] | None:
        """The ancestors below the tree root, top first, when routing loaded them all; else None."""
        chain: list[Page] = []
        node = self
        while node.depth > 2:
            node = node.__dict__.get("_cached_parent_obj")
            if node is None:
                return None
            chain.append(node)
        chain.reverse()
        return chain

    def breadcrumb_ancestors(self) -> list[Page]:
        """``get_ancestors()`` less the tree root: the breadcrumbs' trail above this page."""
        known = self.routed_ancestors()
        return known if known is not None else list(self.get_ancestors().filter(depth__gt=1))

    def get_view_restrictions(self):
        """Wagtail's, asked once per page object: serving a page asks twice (Wagtail's privacy
        check, then the structured data), and after routing the ancestors are known. The pages
        checked are Wagtail's: this page and its ancestors, an alias standing for its source,
        and the tree root (never an alias) by its path."""
        restrictions = self.__dict__.get("_view_restrictions")
        if restrictions is not None:
            return restrictions
        ancestors = self.routed_ancestors()
        if ancestors is None:
            restrictions = super().get_view_restrictions()
        else:
            page_ids = set()
            for page in [self, *ancestors]:
                while page.alias_of_id:
                    page = page.alias_of
                page_ids.add(page.pk)
            restrictions = PageViewRestriction.objects.filter(
                Q(page_id__in=page_ids) | Q(page__path=self.path[: self.steplen])
            )
        self._view_restrictions = restrictions
        return restrictions


def page_url(page: Page, request: HttpRequest | None) -> str | None:
    """``page.get_url(request=request)``, without Wagtail's list of every site's root path when
    ``page`` lies under the root of the request's own site.

    For such a page Wagtail's answer is always its path on that site: ``Page.get_url_parts``
    prefers the request's site among the sites the page belongs to, and ``get_url`` then gives
    the local URL. The list behind the general case lives in Django's cache, so every render
    from scratch pays a query for it. Anything else (another site's page, translations, a page
    class with URLs of its own) is left to Wagtail's ``get_url``. The paths are kept on the
    request (as Wagtail keeps its site list there): a page links its ancestors twice, in the
    breadcrumbs and in the structured data."""
    site = Site.find_for_request(request) if isinstance(request, HttpRequest) else None
    custom = type(page).get_url is not Page.get_url or type(page).get_url_parts is not Page.get_url_parts
    if (
        site is None
        or custom
        or getattr(settings, "WAGTAIL_I18N_ENABLED", False)
        or not (page.url_path or "").startswith(site.root_page.url_path)
    ):
        return page.get_url(request=request)
    known = request.__dict__.setdefault("_kb_page_urls", {})
    if page.url_path not in known:
        try:
            path = reverse("wagtail_serve", args=(page.url_path[len(site.root_page.url_path) :],))
        except NoReverseMatch:
            path = None
        else:
            path = path if WAGTAIL_APPEND_SLASH or path == "/" else path.rstrip("/")
        known[page.url_path] = path
    return known[page.url_path]


def _visible_children(page: Page, model) -> models.QuerySet:
    """Live, public pages of ``model`` directly below ``page`` (drafts and private pages never
    reach a public listing)."""
    return model.objects.child_of(page).live().public()


class FaqIndexPage(ReviewedPublishing, RoutedAncestors, AnonymousCachedPage, Page):
    """The FAQ's front page at ``/faq/``: the most viewed articles and every section."""

    intro = RichTextField(features=INTRO_FEATURES, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["kb.FaqSectionPage"]
    max_count = 1

    class Meta:
        verbose_name = "FAQ index"

    def sections(self) -> models.QuerySet:
        return _visible_children(self, FaqSectionPage).order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        sections = list(self.sections())
        counts = article_counts(sections)
        tops = top_articles(sections, TOP_ARTICLES_PER_SECTION)
        for section in sections:
            section.article_count = counts.get(section.pk, 0)
            section.top_articles = tops.get(section.pk, [])
        context["sections"] = sections
        context["popular_articles"] = popular_articles(limit=POPULAR_ARTICLES_ON_INDEX)
        return context


class FaqSectionPage(ReviewedPublishing, RoutedAncestors, AnonymousCachedPage, Page):
    """A product or area of the FAQ, optionally tied to a community category (promotions from
    that category suggest this section)."""

    description = models.TextField(blank=True, max_length=500)
    category = models.ForeignKey(
        "forum.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="faq_sections",
        help_text="The community category this section answers; promotions from it default here.",
    )

    content_panels = [*Page.content_panels, FieldPanel("description"), FieldPanel("category")]
    parent_page_types = ["kb.FaqIndexPage"]
    subpage_types = ["kb.FaqArticlePage"]

    search_fields = [*Page.search_fields, index.SearchField("description")]

    class Meta:
        verbose_name = "FAQ section"

    def articles(self) -> models.QuerySet:
        return section_articles(self)

    def get_context(self, request, *args, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.articles(), 30)
        context["articles_page"] = paginator.get_page(request.GET.get("page"))
        return context


class TaggedFaqArticle(TaggedItemBase):
    content_object = ParentalKey("kb.FaqArticlePage", on_delete=models.CASCADE, related_name="tagged_items")


class FaqArticlePage(ReviewedPublishing, RoutedAncestors, AnonymousCachedPage, Page):
    """One question (the page title) and its curated answer."""

    summary = models.CharField(
        max_length=SUMMARY_MAX_LENGTH,
        help_text="One or two sentences: the answer in short, shown in listings and search results.",
    )
    question_context = RichTextField(
        features=CONTEXT_FEATURES,
        blank=True,
        verbose_name="question in detail",
        help_text="The question as customers ask it (prefilled from the community topic).",
    )
    answer = RichTextField(features=ANSWER_FEATURES)
    tags = ClusterTaggableManager(through=TaggedFaqArticle, blank=True)
    order = models.PositiveIntegerField(
        null=True,
        blank=True,
        verbose_name="position in section",
        help_text="Pin the article: lower numbers come first. Unpinned articles follow, most popular first.",
    )
    review_by = models.DateField(
        null=True, blank=True, help_text="When someone should check the answer is still right."
    )
    source_topic = models.ForeignKey(
        "forum.Topic",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The community discussion this article was promoted from.",
    )
    source_answer = models.ForeignKey(
        "forum.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The community answer the article was built from.",
    )
    helpful_yes_count = models.PositiveIntegerField(default=0, editable=False)
    helpful_no_count = models.PositiveIntegerField(default=0, editable=False)
    view_count = models.PositiveIntegerField(default=0, editable=False)

    # The title is the question: its boost here replaces Page's (fields dedupe by type and name,
    # the later entry wins).
    search_fields = [
        *Page.search_fields,
        index.SearchField("title", boost=5),
        index.SearchField("summary", boost=2),
        index.SearchField("question_context", boost=1.2),
        index.SearchField("answer"),
        index.SearchField("tag_names", boost=2),
        index.FilterField("view_count"),
    ]

    content_panels = [
        FieldPanel("title", heading="Question", help_text="The question, in the words a customer would use."),
        FieldPanel("summary"),
        FieldPanel("question_context"),
        FieldPanel("answer"),
        FieldPanel("tags"),
        MultiFieldPanel(
            [
                InlinePanel("related_article_links", heading="Related articles", label="article"),
                InlinePanel("related_topic_links", heading="Related community topics", label="topic"),
            ],
            heading="Related",
        ),
    ]
    settings_panels_extra = [
        MultiFieldPanel(
            [FieldPanel("order"), FieldPanel("review_by"), FieldPanel("source_topic", read_only=True)],
            heading="FAQ",
        )
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading="Content"),
            ObjectList(Page.promote_panels, heading="Promote"),
            ObjectList([*settings_panels_extra, *Page.settings_panels], heading="Settings"),
            ObjectList([FeedbackPanel()], heading="Feedback"),
        ]
    )
    parent_page_types = ["kb.FaqSectionPage"]
    subpage_types: list[str] = []
    # A copy is a new article: it starts with no votes or views and claims no community topic
    # (the topic links to one article only).
    exclude_fields_in_copy = [
        "view_count",
        "helpful_yes_count",
        "helpful_no_count",
        "source_topic",
        "source_answer",
    ]

    class Meta:
        verbose_name = "FAQ article"
        indexes = [models.Index(fields=["review_by"], name="faq_article_review_by")]

    COUNTER_FIELDS = ("view_count", "helpful_yes_count", "helpful_no_count")

    def with_content_json(self, content):
        """A revision carries the counters as they were when it was saved; take the current ones
        from the database, so that publishing (or previewing) a draft never rolls back votes
        and views counted since."""
        obj = super().with_content_json(content)
        current = None
        if self.pk:
            current = FaqArticlePage.objects.filter(pk=self.pk).values(*self.COUNTER_FIELDS).first()
        for field in self.COUNTER_FIELDS:
            setattr(obj, field, current[field] if current else getattr(self, field))
        return obj

    def tag_names(self) -> str:
        return " ".join(tag.name for tag in self.tags.all())

    @property
    def helpful_total(self) -> int:
        return self.helpful_yes_count + self.helpful_no_count

    @property
    def helpful_percent(self) -> int | None:
        """Share of "yes" votes, rounded; None before the first vote."""
        if not self.helpful_total:
            return None
        return round(100 * self.helpful_yes_count / self.helpful_total)

    def section(self) -> FaqSectionPage | None:
        parent = self.get_parent()
        return parent.specific if parent else None

    def related_articles(self) -> list[FaqArticlePage]:
        ids = [link.article_id for link in self.related_article_links.all() if link.article_id]
        if not ids:
            return []
        pages = FaqArticlePage.objects.live().public().in_bulk(ids)
        return [pages[i] for i in ids if i in pages]

    def related_topics(self) -> list:
        """The linked topics anyone may see, in the editor's order. The topics are loaded only
        when there are links (most articles have none), by id rather than joined to the links."""
        from forum.models import Topic

        ids = [link.topic_id for link in self.related_topic_links.all() if link.topic_id]
        if not ids:
            return []
        topics = Topic.objects.in_bulk(ids)
        return [topics[i] for i in ids if i in topics and not topics[i].is_hidden]

    def page_cache_scopes(self) -> tuple[str, ...]:
        """The FAQ, and the topics the article shows: its source topic (title, replies) and the
        related ones (a title edit, a hide, a move or a reply also moves ``lists``)."""
        from forum import cache

        scopes = [cache.FAQ, cache.LISTS]
        if self.source_topic_id:
            scopes.append(cache.topic_scope(self.source_topic_id))
        return tuple(scopes)

    def visible_source_topic(self):
        topic = self.source_topic
        return topic if topic is not None and not topic.is_hidden else None

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["vote"] = visitor_vote(request=request, article=self)
        context["feedback_state"] = request.GET.get("feedback", "")
        return context


class FaqRelatedArticle(Orderable):
    page = ParentalKey(FaqArticlePage, on_delete=models.CASCADE, related_name="related_article_links")
    article = models.ForeignKey(FaqArticlePage, on_delete=models.CASCADE, related_name="+")

    panels = [PageChooserPanel("article", "kb.FaqArticlePage")]


class FaqRelatedTopic(Orderable):
    page = ParentalKey(FaqArticlePage, on_delete=models.CASCADE, related_name="related_topic_links")
    topic = models.ForeignKey("forum.Topic", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("topic")]


class HelpfulVote(models.Model):
    """One visitor's answer to "Was this helpful?" on one article: signed-in visitors by user,
    anonymous ones by session. The article's counters move with it (``F()`` updates)."""

    article = models.ForeignKey(FaqArticlePage, on_delete=models.CASCADE, related_name="helpful_votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True, default="")
    helpful = models.BooleanField()
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=Q(user__isnull=False), name="helpful_one_per_user"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True) & ~Q(session_key=""),
                name="helpful_one_per_session",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="helpful_has_visitor"
            ),
        ]
        indexes = [models.Index(fields=["article", "-created_at"], name="helpful_article_recent")]

    def __str__(self) -> str:
        return f"{'Helpful' if self.helpful else 'Not helpful'} on {self.article_id}"


def popularity_ordering() -> list:
    """Section order: pinned articles by position, then the most viewed and most helpful."""
    return [F("order").asc(nulls_last=True), "-view_count", "-helpful_yes_count", "title"]


# --- the reads the pages make (bakerydemo style: the page keeps its own listing queries) ---

HOME_POPULAR_ARTICLES = 6


def public_articles() -> PageQuerySet:
    return FaqArticlePage.objects.live().public()


def popular_articles(*, limit: int = HOME_POPULAR_ARTICLES) -> list[FaqArticlePage]:
    """The most viewed live articles (then the most found helpful)."""
    return list(public_articles().order_by("-view_count", "-helpful_yes_count", "path")[:limit])


def section_articles(section: FaqSectionPage) -> PageQuerySet:
    """A section's live articles: the editor's pinned order first, then by popularity."""
    return public_articles().child_of(section).order_by(*popularity_ordering())


def top_articles(sections: list[FaqSectionPage], per_section: int) -> dict[int, list[FaqArticlePage]]:
    """The first ``per_section`` live articles of each section (``section_articles`` order),
    for all sections in one query: a row number per section, over the articles' parent path."""
    if not sections or per_section <= 0:
        return {}
    depth = sections[0].depth
    parent_length = depth * FaqArticlePage.steplen
    paths = {section.path: section.pk for section in sections if section.depth == depth}
    rows = (
        public_articles()
        .filter(depth=depth + 1)
        .annotate(parent_path=Substr("path", 1, parent_length))
        .filter(parent_path__in=list(paths))
        .annotate(
            section_rank=Window(RowNumber(), partition_by=[F("parent_path")], order_by=popularity_ordering())
        )
        .filter(section_rank__lte=per_section)
        .order_by("parent_path", "section_rank")
    )
    found: dict[int, list[FaqArticlePage]] = {pk: [] for pk in paths.values()}
    for article in rows:
        found[paths[article.parent_path]].append(article)
    return found


def article_counts(sections: list[FaqSectionPage]) -> dict[int, int]:
    """Live articles per section, in one query."""
    counts: dict[int, int] = {}
    if not sections:
        return counts
    paths = {section.path: section.pk for section in sections}
    step = FaqArticlePage.steplen
    for path in public_articles().filter(depth=sections[0].depth + 1).values_list("path", flat=True):
        section_pk = paths.get(path[:-step])
        if section_pk is not None:
            counts[section_pk] = counts.get(section_pk, 0) + 1
    return counts


def visitor_vote(*, request: HttpRequest, article: FaqArticlePage) -> HelpfulVote | None:
    """The visitor's own helpful vote on ``article`` (never creates a session)."""
    user = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    if user is not None:
        return HelpfulVote.objects.filter(article_id=article.pk, user=user).first()
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if not session_key:
        return None
    return HelpfulVote.objects.filter(
        article_id=article.pk, user__isnull=True, session_key=session_key
    ).first()
