"""What customers say elsewhere: the feeds staff listen to, and the mentions they bring in.

A ``Source`` is any RSS or Atom feed (a blog search, a Mastodon tag, a Reddit or Hacker News
search, a Google Alerts feed, a review site). Polling keeps the entries that match one of its
keywords as ``Mention`` rows, one per address; reposts with near-identical text collapse onto
the first one (``duplicate_of``). Staff triage mentions in the admin queue: assign, reply
elsewhere, bring home as a community topic, or dismiss.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class Source(models.Model):
    """A feed to poll, with the keywords an entry must contain to count as a mention."""

    name = models.CharField(max_length=120, unique=True)
    feed_url = models.URLField("Feed address", max_length=2000, unique=True)
    keywords = models.TextField(
        max_length=2000,
        help_text="One keyword or phrase per line (or comma-separated). An entry is kept only when "
        "its title or text contains at least one of them, whole words, any case.",
    )
    category = models.ForeignKey(
        "forum.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mention_sources",
        help_text="The product these mentions are about, if the source is about one.",
    )
    poll_minutes = models.PositiveIntegerField(
        "Poll every (minutes)", default=30, help_text="Between 5 minutes and one week."
    )
    is_active = models.BooleanField("Active", default=True)
    # Conditional GET and the health of the source.
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_poll_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    error_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        from mentions.matching import split_keywords

        return split_keywords(self.keywords)

    @property
    def is_failing(self) -> bool:
        return self.error_count > 0

    def backoff(self) -> timedelta:
        """How long to wait before the next poll: the interval, doubled for each failure in a
        row (at most 64 times, and never more than a day beyond the interval)."""
        base = timedelta(minutes=self.poll_minutes)
        if not self.error_count:
            return base
        factor = 2 ** min(self.error_count, 6)
        return min(base * factor, base + timedelta(days=1))


class Mention(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", "Question"
        PROBLEM = "problem", "Problem"
        PRAISE = "praise", "Praise"
        IDEA = "idea", "Idea"
        OTHER = "other", "Other"

    class Sentiment(models.TextChoices):
        NEGATIVE = "negative", "Negative"
        NEUTRAL = "neutral", "Neutral"
        POSITIVE = "positive", "Positive"

    class Status(models.TextChoices):
        NEW = "new", "New"
        NEEDS_REPLY = "needs_reply", "Needs reply"
        REPLIED = "replied", "Replied"
        BROUGHT_HOME = "brought_home", "Brought home"
        DISMISSED = "dismissed", "Dismissed"

    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="mentions"
    )
    via = models.CharField(
        max_length=80, blank=True, help_text="Where a mention pushed in through the API came from."
    )
    url = models.URLField("Address", max_length=2000)
    url_key = models.CharField(max_length=64, unique=True, editable=False)
    external_id = models.CharField(max_length=500, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    author_url = models.URLField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=300, blank=True)
    html = models.TextField(blank=True, help_text="Sanitised with the community's allowlist.")
    text = models.TextField(blank=True)
    keywords = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=12, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OTHER, db_index=True)
    sentiment = models.CharField(
        max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL, db_index=True
    )
    sentiment_score = models.FloatField(default=0.0)
    category = models.ForeignKey(
        "forum.Category", on_delete=models.SET_NULL, null=True, blank=True, related_name="mentions"
    )
    # Near-duplicate detection: a 64-bit SimHash of the text (see ``mentions.matching``).
    fingerprint = models.BigIntegerField(default=0)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reposts"
    )
    repost_count = models.PositiveIntegerField(default=0)

    status = models.CharField(max_length=14, choices=Status.choices, default=Status.NEW, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_mentions",
    )
    reply_text = models.TextField(blank=True, max_length=5000)
    reply_url = models.URLField("Reply address", max_length=2000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_response_at = models.DateTimeField(null=True, blank=True)
    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="mentions"
    )
    show_on_product_pages = models.BooleanField(
        default=False, help_text="Approved by staff for the product-page widget."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="mention_status_recent")]

    def __str__(self) -> str:
        return self.title or self.text[:80] or self.url

    @property
    def headline(self) -> str:
        return self.title or self.text[:120] or self.url

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.NEEDS_REPLY)


class MentionEvent(models.Model):
    """The trail of what staff did with a mention (who, when, what)."""

    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.detail}"
