"""Reads for the webhooks admin: endpoints with their recent health, the delivery log."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from webhooks.models import Delivery, Endpoint


def endpoints_with_counts() -> QuerySet[Endpoint]:
    """Every endpoint, with how many of its messages wait, failed or were given up."""
    Status = Delivery.Status
    return Endpoint.objects.annotate(
        waiting=Count("deliveries", filter=Q(deliveries__status__in=[Status.PENDING, Status.FAILED])),
        given_up=Count("deliveries", filter=Q(deliveries__status=Status.GIVEN_UP)),
    ).order_by("-is_active", "url", "pk")


def delivery_log(endpoint: Endpoint, *, status: str = "") -> QuerySet[Delivery]:
    rows = Delivery.objects.filter(endpoint=endpoint).defer("payload")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")


def status_counts(endpoint: Endpoint) -> dict[str, int]:
    counts = dict(
        Delivery.objects.filter(endpoint=endpoint).values_list("status").annotate(n=Count("pk")).order_by()
    )
    return {value: counts.get(value, 0) for value in Delivery.Status.values}


def disabled_by_failures() -> QuerySet[Endpoint]:
    """Endpoints switched off by the failure rule (not by a person), for the dashboard."""
    return Endpoint.objects.filter(
        is_active=False, disabled_reason__startswith="Disabled automatically"
    ).order_by("-disabled_at")
