from notifications import mail
from notifications.management.base import TaskCommand


class Command(TaskCommand):
    help = (
        "Email each person one digest of the notifications waiting for it since their last digest, "
        "and retry failed notification mail. Run it once a day (cron or a scheduler)."
    )
    queued_message = "Queued the digests (task {id})."

    def get_task(self):
        from notifications.tasks import send_digests

        return send_digests

    def run_now(self) -> str:
        tallies = mail.send_digests()
        return (
            f"Digests: {tallies['sent']} sent, {tallies['failed']} failed (kept for the next run), "
            f"{tallies['skipped']} skipped; {tallies['retried']} failed mail(s) resent."
        )
