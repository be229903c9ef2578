"""Put tasks left RUNNING by a dead task worker back in the queue (ops/taskqueue.py)."""

from django.core.management.base import BaseCommand, CommandError

from ops.taskqueue import requeue_orphaned


class Command(BaseCommand):
    help = (
        "Requeue tasks left RUNNING by a task worker that died: those last claimed by --worker-id "
        "(run it before starting that worker), or, with --all, every RUNNING task (only while no "
        "worker runs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", help="the id the worker runs with (db_worker --worker-id)")
        parser.add_argument("--all", action="store_true", help="every RUNNING task, whichever worker")

    def handle(self, *args, worker_id=None, all=False, **options):  # noqa: A002 - the option's name
        if bool(worker_id) == bool(all):
            raise CommandError("Give exactly one of --worker-id ID and --all.")
        requeued = requeue_orphaned(worker_id=None if all else worker_id)
        whose = "any worker" if all else f"worker {worker_id}"
        self.stdout.write(f"Requeued {len(requeued)} task(s) left running by {whose}.")
