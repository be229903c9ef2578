from django.conf import settings
from django.core.management.base import BaseCommand

from notifications import services


class Command(BaseCommand):
    help = (
        "Remind askers to accept an answer when their question has replies but no accepted answer "
        "ACCEPT_REMINDER_DAYS days after the last reply. Once per topic; run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the work as a background task instead of doing it now.",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            from notifications.tasks import send_accept_reminders

            result = send_accept_reminders.enqueue()
            self.stdout.write(f"Queued the reminders (task {result.id}).")
            return
        count = services.accept_reminders_send()
        self.stdout.write(
            self.style.SUCCESS(
                f"Sent {count} reminder(s) to accept an answer (after {settings.ACCEPT_REMINDER_DAYS} days)."
            )
        )
