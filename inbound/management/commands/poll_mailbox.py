from django.core.management.base import BaseCommand, CommandError

from inbound.imap import ImapSettings, poll_mailbox


class Command(BaseCommand):
    help = (
        "Poll the inbound IMAP mailbox once (INBOUND_IMAP_*): hand each new message to the inbound "
        "pipeline, then mark it processed. Prints one summary line. A mailbox that cannot be reached "
        "or logged into is reported in one line (and logged), not raised, so the periodic job does not "
        "retry a wrong password; with --strict that exits non-zero instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, help="At most this many messages (default: INBOUND_IMAP_BATCH_SIZE)."
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Exit non-zero when the mailbox cannot be polled or a message failed (for a one-off run).",
        )

    def handle(self, *args, **options):
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        config = ImapSettings.from_settings()
        if config is None:
            self.stdout.write("IMAP polling is off: INBOUND_IMAP_HOST is not set.")
            return
        result = poll_mailbox(config=config, limit=options["limit"])
        if result.error:
            self.stderr.write(self.style.ERROR(result.summary()))
        elif result.failed:
            self.stdout.write(self.style.WARNING(result.summary()))
        else:
            self.stdout.write(result.summary())
        if options["strict"] and (result.error or result.failed):
            raise CommandError(result.summary())
