from django.core.management.base import BaseCommand

from notifications import mail


class Command(BaseCommand):
    help = (
        "Email each person one digest of the notifications waiting for it since their last digest, "
        "and retry failed notification mail. Run it once a day (cron or a scheduler)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the work as a background task instead of doing it now.",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            from notifications.tasks import send_digests

            result = send_digests.enqueue()
            self.stdout.write(f"Queued the digests (task {result.id}).")
            return
        tallies = mail.send_digests()
        self.stdout.write(
            self.style.SUCCESS(
                f"Digests: {tallies['sent']} sent, {tallies['failed']} failed (kept for the next run), "
                f"{tallies['skipped']} skipped; {tallies['retried']} failed mail(s) resent."
            )
        )
