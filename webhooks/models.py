"""Webhooks: the addresses other tools gave us (``Endpoint``) and every message we sent them
(``Delivery``, the delivery log).

Messages follow the Standard Webhooks specification: each carries a ``webhook-id`` (the same
on every retry, so a receiver can drop a repeat), a ``webhook-timestamp`` and a
``webhook-signature`` made with the endpoint's ``whsec_`` secret (see ``webhooks.signing``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Event(models.TextChoices):
    TOPIC_CREATED = "topic.created", "A topic is created"
    POST_CREATED = "post.created", "A reply is posted"
    ANSWER_OFFICIAL = "answer.official", "A reply is marked as the official answer"
    ANSWER_ACCEPTED = "answer.accepted", "A reply is accepted as the answer"
    TOPIC_STATUS_CHANGED = "topic.status_changed", "A topic's status changes"
    FAQ_PUBLISHED = "faq.published", "An FAQ article is published"
    MENTION_CREATED = "mention.created", "A mention comes in from elsewhere"


# Sent only by "Send test event"; endpoints need not ask for it.
PING = "ping"


class Endpoint(models.Model):
    """An address that wants some of the community's events, signed with its own secret."""

    url = models.URLField("Address", max_length=2000)
    description = models.CharField(max_length=200, blank=True, help_text="What listens there, for staff.")
    secret = models.CharField(max_length=100, editable=False)
    # The secret before the last rotation: messages are signed with both until it expires,
    # so a receiver can switch without losing any.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    events = models.JSONField("Events", default=list, help_text="The events sent to this address.")
    is_active = models.BooleanField("Active", default=True)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_ping_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["url", "pk"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.description or self.url

    def get_admin_url(self) -> str:
        return reverse("webhooks:endpoint", args=[self.pk])

    def wants(self, event: str) -> bool:
        return event == PING or event in (self.events or [])

    def signing_secrets(self, now=None) -> list[str]:
        """The current secret, then the previous one while it has not expired."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets


class Delivery(models.Model):
    """One message to one endpoint, and what became of it (the delivery log)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (will be retried)"
        GIVEN_UP = "given_up", "Given up"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    msg_id = models.CharField("webhook-id", max_length=40, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A sender holds the delivery until this time: a second worker (the retry job, a doubled
    # task, a double click) finds it taken and sends nothing.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.status})"

    @property
    def can_redeliver(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.GIVEN_UP)
