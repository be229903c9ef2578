"""The community's data: categories, topics, posts and the rows people leave on them.

The question body is the topic's first post (``Topic.first_post``), so edits, revisions, flags
and hiding work the same way for questions and replies. Counters on topics, posts and
categories are denormalised and only ever moved by atomic ``F()`` updates in ``services``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from wagtail.search import index

from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from forum.links import reverse_fast
from forum.querysets import PostQuerySet, SearchableQuerySet, TopicQuerySet
from forum.slugs import reserved_category_slugs


class Category(index.Indexed, models.Model):
    """A product or area that topics belong to."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, max_length=1000)
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")
    topic_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SearchableQuerySet.as_manager()

    search_fields = [
        index.SearchField("name", boost=3),
        index.AutocompleteField("name"),
        index.SearchField("description"),
        index.FilterField("order"),
    ]

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse_fast("forum:category", slug=self.slug)

    def clean(self) -> None:
        super().clean()
        if self.slug in reserved_category_slugs():
            raise ValidationError(
                {
                    "slug": f"\u201c{self.slug}\u201d is part of the community's own addresses; choose another slug."
                }
            )


class TaggedTopic(TaggedItemBase):
    content_object = models.ForeignKey("forum.Topic", on_delete=models.CASCADE, related_name="tagged_items")


class Topic(index.Indexed, models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        PROBLEM = "problem", "Problem"
        IDEA = "idea", "Idea"
        PRAISE = "praise", "Praise"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        ANSWERED = "answered", "Answered"
        SOLVED = "solved", "Solved"
        NOT_PLANNED = "not_planned", "Not planned"
        DUPLICATE = "duplicate", "Duplicate"
        CLOSED = "closed", "Closed"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.QUESTION)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, allow_unicode=False, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="topics"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="topics")
    tags = TaggableManager(through=TaggedTopic, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # True once staff chose the status by hand: marking answers then no longer moves it.
    status_set_by_staff = models.BooleanField(default=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    first_post = models.OneToOneField(
        "forum.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    official_answer = models.ForeignKey(
        "forum.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_answer = models.ForeignKey(
        "forum.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_locked = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)

    # Denormalised counters, moved only with F() updates. reply_count counts the *visible*
    # replies (not the question): post_create adds one, hiding a reply takes one off and
    # unhiding puts it back (forum.services.moderation).
    reply_count = models.PositiveIntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)
    vote_count = models.IntegerField(default=0, help_text="Votes on the topic's replies.")
    metoo_count = models.PositiveIntegerField(default=0)
    follower_count = models.PositiveIntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0)

    has_staff_reply = models.BooleanField(default=False)
    first_staff_reply_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(
        null=True, blank=True, help_text="When an official or accepted answer was first marked."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_reply_at = models.DateTimeField(null=True, blank=True)

    popularity = models.FloatField(default=0.0)
    popularity_updated_at = models.DateTimeField(null=True, blank=True)
    nominated_for_faq = models.BooleanField(default=False)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    faq_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The FAQ article this topic was promoted to.",
    )
    external_id = models.CharField(
        max_length=64, blank=True, default="", help_text="Identity in an imported community."
    )

    objects = TopicQuerySet.as_manager()
    # Indexed through one road: the services' events queue one task per change
    # (search/indexing.py), never a write per save.
    search_auto_update = False

    # The title weighs 1.5 times the question: measured on real duplicate questions (see
    # bench/search_quality.py), a heavier title lets short titles that merely share a word or
    # two outrank the thread that answers the same question in its body.
    search_fields = [
        index.SearchField("title", boost=2.25),
        index.AutocompleteField("title"),
        index.SearchField("question_text", boost=1.5),
        index.SearchField("answer_text", boost=1.2),
        index.SearchField("tag_names", boost=2),
        index.SearchField("category_name"),
        index.FilterField("kind"),
        index.FilterField("status"),
        index.FilterField("is_hidden"),
        index.FilterField("category_id"),
        index.FilterField("has_answer"),
        index.FilterField("created_at"),
        index.FilterField("last_activity_at"),
        index.FilterField("popularity"),
    ]

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["is_hidden", "-last_activity_at", "-id"], name="topic_visible_activity"),
            models.Index(fields=["is_hidden", "-created_at", "-id"], name="topic_visible_created"),
            models.Index(fields=["is_hidden", "-metoo_count", "-id"], name="topic_visible_metoo"),
            models.Index(fields=["is_hidden", "-vote_count", "-id"], name="topic_visible_votes"),
            models.Index(
                fields=["category", "is_hidden", "-last_activity_at"], name="topic_category_activity"
            ),
            models.Index(fields=["status", "is_hidden", "-last_activity_at"], name="topic_status_activity"),
            models.Index(fields=["kind", "is_hidden", "-last_activity_at"], name="topic_kind_activity"),
            models.Index(fields=["-popularity"], name="topic_popularity"),
            models.Index(fields=["external_id"], name="topic_external_id"),
            # Partial indexes over visible topics, one per list order: SQLite cannot use an
            # index that merely starts with is_hidden for "NOT is_hidden" (it scans and sorts
            # every topic), but it walks these in order and stops after one page.
            *[
                models.Index(fields=[*prefix, *order], name=name, condition=Q(is_hidden=False))
                for name, prefix, order in (
                    ("topic_live_activity", [], ["-last_activity_at", "-id"]),
                    ("topic_live_created", [], ["-created_at", "-id"]),
                    ("topic_live_metoo", [], ["-metoo_count", "-last_activity_at", "-id"]),
                    ("topic_live_votes", [], ["-vote_count", "-last_activity_at", "-id"]),
                    ("topic_live_category", ["category"], ["-last_activity_at", "-id"]),
                    ("topic_live_status", ["status"], ["-last_activity_at", "-id"]),
                    ("topic_live_kind", ["kind"], ["-last_activity_at", "-id"]),
                )
            ],
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:80].strip("-") or "topic"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse_fast("forum:topic", pk=self.pk, slug=self.slug or "topic")

    @property
    def has_answer(self) -> bool:
        return bool(self.official_answer_id or self.accepted_answer_id)

    @property
    def is_unanswered(self) -> bool:
        return not self.has_staff_reply and not self.accepted_answer_id

    # Values for the search index (see search_fields).
    def question_text(self) -> str:
        return self.first_post.text if self.first_post_id and self.first_post else ""

    def answer_text(self) -> str:
        parts = []
        for post in (self.official_answer, self.accepted_answer):
            if post is not None and not post.is_hidden and post.text not in parts:
                parts.append(post.text)
        return "\n\n".join(parts)

    def tag_names(self) -> str:
        return " ".join(tag.name for tag in self.tags.all())

    def category_name(self) -> str:
        return self.category.name if self.category_id else ""

    @classmethod
    def get_indexed_objects(cls):
        return (
            super()
            .get_indexed_objects()
            .select_related("first_post", "official_answer", "accepted_answer", "category")
            .prefetch_related("tags")
        )


class Post(models.Model):
    """The question (a topic's first post) or a reply. ``source`` is the author's Markdown;
    ``html`` and ``text`` are rendered from it once, on save, by ``forum.markup``."""

    class Via(models.TextChoices):
        """The road a post came in by: shown on the page ("by email") and kept for the log."""

        WEB = "web", "Web"
        EMAIL = "email", "Email"
        API = "api", "API"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    source = models.TextField(max_length=20000)
    html = models.TextField(editable=False)
    text = models.TextField(editable=False)
    is_official = models.BooleanField(default=False, help_text="The author was staff when posting.")
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=200, blank=True)
    vote_count = models.IntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0, help_text="Open flags.")
    edit_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=64, blank=True, default="")
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.WEB)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["topic", "created_at", "id"], name="post_topic_order"),
            models.Index(fields=["author", "-created_at"], name="post_author_recent"),
            models.Index(fields=["external_id"], name="post_external_id"),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in {self.topic_id}"

    def get_absolute_url(self) -> str:
        return reverse_fast("forum:post", pk=self.pk)

    @property
    def is_question(self) -> bool:
        return self.topic.first_post_id == self.pk


class PostRevision(models.Model):
    """The text of a post before an edit, with who edited and when."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_before = models.TextField()
    title_before = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Redaction (``forum.services.posts.post_revision_redact``): the text above becomes a note;
    # the original is kept here, shown to staff only.
    redacted_at = models.DateTimeField(null=True, blank=True)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_source = models.TextField(blank=True)
    original_title = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Revision of post {self.post_id}"

    @property
    def is_redacted(self) -> bool:
        return self.redacted_at is not None


class TopicEvent(models.Model):
    """One entry of a topic's timeline: status changes, answers marked, duplicates, locks."""

    class Kind(models.TextChoices):
        STATUS = "status", "Changed the status"
        OFFICIAL = "official", "Marked the official answer"
        UNOFFICIAL = "unofficial", "Unmarked the official answer"
        ACCEPTED = "accepted", "Accepted an answer"
        UNACCEPTED = "unaccepted", "Unaccepted the answer"
        DUPLICATE = "duplicate", "Marked as a duplicate"
        UNDUPLICATE = "unduplicate", "Unmarked as a duplicate"
        LOCKED = "locked", "Locked the topic"
        UNLOCKED = "unlocked", "Unlocked the topic"
        HIDDEN = "hidden", "Hid the topic"
        UNHIDDEN = "unhidden", "Unhid the topic"
        MOVED = "moved", "Moved the topic"
        NOMINATED = "nominated", "Nominated for the FAQ"
        PROMOTED = "promoted", "Promoted to the FAQ"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_value = models.CharField(max_length=64, blank=True)
    to_value = models.CharField(max_length=64, blank=True)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    other_topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["topic", "created_at"], name="event_topic_order")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on topic {self.topic_id}"


class Vote(models.Model):
    """One user's vote on one reply."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="vote_one_per_user")]

    def __str__(self) -> str:
        return f"Vote by {self.user_id} on post {self.post_id}"


class MeToo(models.Model):
    """One user saying "me too" on one topic."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="metoos")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="metoos")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="metoo_one_per_user")]

    def __str__(self) -> str:
        return f"Me too by {self.user_id} on topic {self.topic_id}"


class Follow(models.Model):
    """A user following a topic or a category (exactly one of the two)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="follows")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(topic__isnull=False) & Q(category__isnull=True))
                | (Q(topic__isnull=True) & Q(category__isnull=False)),
                name="follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"], condition=Q(topic__isnull=False), name="follow_one_per_topic"
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=Q(category__isnull=False),
                name="follow_one_per_category",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow by {self.user_id} of {'topic' if self.topic_id else 'category'} {self.topic_id or self.category_id}"


class Flag(models.Model):
    """A signed-in user's report of a post."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abusive or rude"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Something else"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld (content hidden)"
        DISMISSED = "dismissed", "Dismissed"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="flag_one_per_user")]
        indexes = [models.Index(fields=["state", "-created_at"], name="flag_state_recent")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} flag on post {self.post_id}"


class FormSubmission(models.Model):
    """One use of a form's one-time token (``form_token`` on the ask and reply forms) by one
    member, with what it created. The unique constraint makes a double submit, however
    parallel, create one topic or reply (``forum.services.submissions.submit_once``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    # SET_NULL: a form sent again after its topic was deleted is refused, not made anew.
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="form_submission_once")]
        indexes = [models.Index(fields=["created_at"], name="form_submission_created")]

    def __str__(self) -> str:
        return f"Form submission {self.token} by {self.user_id}"
