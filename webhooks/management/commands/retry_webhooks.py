from django.core.management.base import BaseCommand

from webhooks import attempts


class Command(BaseCommand):
    help = (
        "Send the webhook deliveries that are due: retries whose wait is over, and messages queued "
        "but not yet sent. Run every minute by the scheduler. Prints 'N attempted, S succeeded, F failed'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="At most this many deliveries per run.")

    def handle(self, *args, **options):
        counts = attempts.send_due(limit=max(1, options["limit"]))
        self.stdout.write(
            f"{counts['attempted']} attempted, {counts['succeeded']} succeeded, {counts['failed']} failed"
        )
