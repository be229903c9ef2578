"""Mail that reached the community: one row per message, whatever became of it.

The table is the staff log (who wrote, to which address, what we did and why) and the
idempotency key: a message is processed once per Message-ID, however many times the pipe,
the mailbox poller or a provider's webhook hands it over.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class InboundMessage(models.Model):
    class Status(models.TextChoices):
        TAKEN = "taken", "Taken"
        IGNORED = "ignored", "Ignored"
        REFUSED = "refused", "Refused"

    class Source(models.TextChoices):
        PIPE = "pipe", "Pipe"
        IMAP = "imap", "IMAP"
        WEBHOOK = "webhook", "Webhook"
        TEST = "test", "Test"

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply to a topic"
        QUESTION = "question", "New question"
        OTHER = "other", "Other"

    message_id = models.CharField(
        "Message-ID",
        max_length=255,
        unique=True,
        help_text="The Message-ID header, or a digest of the message when it has none.",
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    sender = models.CharField(max_length=320, blank=True)
    recipient = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0, help_text="Bytes, as received.")
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    reason = models.CharField(max_length=255, blank=True)
    auth_results = models.CharField(
        "Authentication results",
        max_length=500,
        blank=True,
        help_text="What our receiving server (or the DKIM check) said about SPF, DKIM and DMARC.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey("forum.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    dropped_attachments = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "inbound message"

    def __str__(self) -> str:
        return f"{self.status}: {self.subject or self.message_id}"


class ReplyKey(models.Model):
    """A member's reply-address key version: every reply address carries it, so bumping it
    (the "revoke my reply addresses" button) makes every address mailed so far stop working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reply_key")
    version = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reply key {self.version} of {self.user_id}"
