"""What the notification commands share: do the work now, or ``--enqueue`` it as a task."""

from django.core.management.base import BaseCommand


class TaskCommand(BaseCommand):
    """A command that runs ``run_now()`` or, with ``--enqueue``, queues ``task`` for the worker."""

    task = None  # a django-tasks task taking no arguments
    queued_message = "Queued (task {id})."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the work as a background task instead of doing it now.",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = self.get_task().enqueue()
            self.stdout.write(self.queued_message.format(id=result.id))
            return
        self.stdout.write(self.style.SUCCESS(self.run_now()))

    def get_task(self):
        return self.task

    def run_now(self) -> str:
        """Do the work in this process and return the line to print."""
        return ""
