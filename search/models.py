"""The search log: what people searched for and how many results they got.

Privacy: a row holds the normalised query text, the result count, the time and where it came
from (the search page or the ask form's similar questions). No user, no IP address, no
session, no user agent. Rows older than ``SEARCH_LOG_RETENTION_DAYS`` are deleted by
``manage.py prune_search_log``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from pgvector.django import VectorField


class SearchLogEntry(models.Model):
    class Source(models.TextChoices):
        PAGE = "page", "Search page"
        SIMILAR = "similar", "Similar questions"

    query = models.CharField(max_length=200)
    result_count = models.PositiveIntegerField()
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PAGE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "search log entry"
        verbose_name_plural = "search log entries"
        indexes = [
            models.Index(fields=["created_at"], name="searchlog_created"),
            models.Index(fields=["source", "result_count", "created_at"], name="searchlog_gaps"),
        ]

    def __str__(self) -> str:
        return f"{self.query!r} ({self.result_count} results)"


class TopicVector(models.Model):
    """A topic title's sentence embedding for semantic similar questions (``search.semantic``):
    384 float32 numbers, little-endian. ``text_hash`` names the model and the text embedded, so
    a title that did not change is not embedded again."""

    topic = models.OneToOneField(
        "forum.Topic", primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=True
    )
    text_hash = models.CharField(max_length=32)
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "topic vector"
        indexes = [models.Index(fields=["updated_at"], name="topicvector_updated")]

    def __str__(self) -> str:
        return f"vector of topic {self.topic_id}"


class TopicEmbedding(models.Model):
    """The same ``search_topicvector`` rows seen through their pgvector column ``embedding``,
    which exists only on PostgreSQL with the ``vector`` extension (``search.vectordb``). Not
    managed: migration ``0003`` adds the column where it can; nothing reads this model unless
    ``search.vectordb.ready()``."""

    topic_id = models.BigIntegerField(primary_key=True)
    embedding = VectorField(dimensions=384, null=True)

    class Meta:
        managed = False
        db_table = "search_topicvector"
        verbose_name = "topic embedding"

    def __str__(self) -> str:
        return f"embedding of topic {self.topic_id}"
