"""Counting topic views: once per visitor per topic per hour."""

from django.http import HttpRequest


def topic_record_view(*, request: HttpRequest, topic) -> None:
    """Count a view of ``topic`` by the visitor behind ``request`` (at most once an hour)."""
