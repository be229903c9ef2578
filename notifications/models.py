"""What people are told about, how they want to hear of it, and what was already sent.

* ``Notification``: one row per recipient per event, shown in the inbox; its ``email_state``
  says whether (and how) it was mailed.
* ``NotificationPreference``: a user's choice of delivery for one event type (immediately, in
  the daily digest, or never). No row means the default of ``EVENT_TYPE_DEFAULTS``.
* ``NotificationSettings``: per-user digest bookkeeping (when the last digest went out).
* ``AcceptReminder``: the one reminder to accept an answer a question's asker gets.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Delivery(models.TextChoices):
    IMMEDIATELY = "immediately", "Email me at once"
    DIGEST = "digest", "In the daily digest"
    NEVER = "never", "Don't email me"


class EventType(models.TextChoices):
    """What a person chooses a delivery for; several notification kinds share one type."""

    ANSWERS = "answers", "Replies and answers to my questions"
    FOLLOWING = "following", "New replies and topics in what I follow"
    STATUS = "status", "Status changes on topics I follow"
    MENTIONS = "mentions", "Mentions of my @username"
    FAQ = "faq", "My question promoted to the FAQ"
    REMINDERS = "reminders", "Reminders to accept an answer"


# Answers to your own question (and the nudge to accept one) arrive at once; everything
# else waits for the daily digest, so following a busy category does not flood anyone.
EVENT_TYPE_DEFAULTS: dict[str, str] = {
    EventType.ANSWERS: Delivery.IMMEDIATELY,
    EventType.FOLLOWING: Delivery.DIGEST,
    EventType.STATUS: Delivery.DIGEST,
    EventType.MENTIONS: Delivery.DIGEST,
    EventType.FAQ: Delivery.DIGEST,
    EventType.REMINDERS: Delivery.IMMEDIATELY,
}


class Notification(models.Model):
    class Kind(models.TextChoices):
        ANSWER = "answer", "Reply to your question"
        OFFICIAL = "official", "Official answer"
        ACCEPTED = "accepted", "Accepted answer"
        REPLY = "reply", "Reply in something you follow"
        NEW_TOPIC = "new_topic", "New topic in a category you follow"
        STATUS = "status", "Status change"
        MENTION = "mention", "Mention"
        PROMOTED = "promoted", "Promoted to the FAQ"
        REMINDER = "reminder", "Reminder to accept an answer"

    class EmailState(models.TextChoices):
        NONE = "none", "Not emailed (by preference)"
        PENDING = "pending", "Queued to send"
        DIGEST = "digest", "Waiting for the digest"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will be retried)"
        SKIPPED = "skipped", "Skipped (read before the digest, or no address)"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    topic = models.ForeignKey("forum.Topic", on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("forum.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Extra words for the message (e.g. the new status), never user-written HTML.
    detail = models.CharField(max_length=200, blank=True)
    # Where the notification leads when it is not the topic or post (the FAQ article).
    target_url = models.CharField(max_length=300, blank=True)
    # One notification per recipient per event: events that concern the same post (a reply
    # that also mentions you) share a key, so the second one finds the first and is dropped.
    dedupe_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    email_state = models.CharField(max_length=8, choices=EmailState.choices, default=EmailState.NONE)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=300, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread"),
            models.Index(fields=["email_state", "recipient"], name="notif_email_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notif_one_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id} on topic {self.topic_id}"

    def get_absolute_url(self) -> str:
        if self.target_url:
            return self.target_url
        if self.post_id and self.post_id != self.topic.first_post_id:
            return f"{self.topic.get_absolute_url()}#post-{self.post_id}"
        return self.topic.get_absolute_url()

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def event_type(self) -> str:
        return KIND_EVENT_TYPE[self.kind]


KIND_EVENT_TYPE: dict[str, str] = {
    Notification.Kind.ANSWER: EventType.ANSWERS,
    Notification.Kind.OFFICIAL: EventType.ANSWERS,
    Notification.Kind.ACCEPTED: EventType.ANSWERS,
    Notification.Kind.REPLY: EventType.FOLLOWING,
    Notification.Kind.NEW_TOPIC: EventType.FOLLOWING,
    Notification.Kind.STATUS: EventType.STATUS,
    Notification.Kind.MENTION: EventType.MENTIONS,
    Notification.Kind.PROMOTED: EventType.FAQ,
    Notification.Kind.REMINDER: EventType.REMINDERS,
}


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event_type = models.CharField(max_length=16, choices=EventType.choices)
    delivery = models.CharField(max_length=12, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event_type"], name="notif_pref_one_per_type")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.event_type} → {self.delivery}"


class NotificationSettings(models.Model):
    """Digest bookkeeping for one user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)
    last_digest_error = models.CharField(max_length=300, blank=True)
    digest_failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"


class AcceptReminder(models.Model):
    """Proof that a question's asker was reminded to accept an answer: once per topic."""

    topic = models.OneToOneField("forum.Topic", on_delete=models.CASCADE, related_name="accept_reminder")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Accept reminder for topic {self.topic_id}"
