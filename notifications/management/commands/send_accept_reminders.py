from django.conf import settings

from notifications import services
from notifications.management.base import TaskCommand


class Command(TaskCommand):
    help = (
        "Remind askers to accept an answer when their question has replies but no accepted answer "
        "ACCEPT_REMINDER_DAYS days after the last reply. Once per topic; run it daily."
    )
    queued_message = "Queued the reminders (task {id})."

    def get_task(self):
        from notifications.tasks import send_accept_reminders

        return send_accept_reminders

    def run_now(self) -> str:
        count = services.accept_reminders_send()
        return f"Sent {count} reminder(s) to accept an answer (after {settings.ACCEPT_REMINDER_DAYS} days)."
