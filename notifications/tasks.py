"""Background work for notifications (django-tasks). Arguments are ids, never objects.

``send_notification_email`` retries itself with a growing delay when the task backend can
defer work (the database queue can), up to ``NOTIFICATIONS_EMAIL_MAX_ATTEMPTS``; with a
backend that cannot, the failure stays recorded on the notification and ``send_digests``
retries it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from django_tasks import task

from notifications import mail, services
from notifications.models import Notification

logger = logging.getLogger(__name__)


@task()
def send_notification_email(notification_id: int) -> str:
    outcome = mail.send_notification_email(notification_id)
    if outcome == "failed":
        attempts = (
            Notification.objects.filter(pk=notification_id).values_list("email_attempts", flat=True).first()
            or 0
        )
        backend = send_notification_email.get_backend()
        if attempts < settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS and backend.supports_defer:
            delay = timedelta(minutes=2**attempts)
            send_notification_email.using(run_after=timezone.now() + delay).enqueue(notification_id)
            logger.info("notification %s: mail retry in %s", notification_id, delay)
    return outcome


@task()
def send_digests() -> dict:
    return mail.send_digests()


@task()
def send_accept_reminders() -> int:
    return services.accept_reminders_send()
