"""Run the periodic jobs (ops/jobs.py) until stopped. Exactly one of these per site."""

import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from ops.jobs import JOBS, get_job
from ops.models import JobRun
from ops.scheduler import build_scheduler, run_job


class Command(BaseCommand):
    help = "Run the site's periodic jobs on their schedules (one scheduler per site), or list them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--list",
            action="store_true",
            dest="list_jobs",
            help="Print the jobs and their next runs, then stop.",
        )
        parser.add_argument(
            "--run-now", metavar="JOB", help="Run one job once now (recorded like a scheduled run)."
        )

    def handle(self, *args, list_jobs=False, run_now=None, **options):
        if run_now:
            try:
                job = get_job(run_now)
            except KeyError as exc:
                raise CommandError(exc.args[0]) from exc
            run = run_job(job)
            self.stdout.write(run.output)
            if run.status != JobRun.Status.SUCCEEDED:
                raise CommandError(f"{job.name} failed: {run.error_summary}")
            self.stdout.write(self.style.SUCCESS(f"{job.name} succeeded."))
            return

        if list_jobs:
            from apscheduler.schedulers.background import BackgroundScheduler

            scheduler = build_scheduler(scheduler_class=BackgroundScheduler)
            scheduler.start(paused=True)
            try:
                for job in JOBS:
                    scheduled = scheduler.get_job(job.name)
                    when = f"next {scheduled.next_run_time:%Y-%m-%d %H:%M %Z}" if scheduled else "off here"
                    self.stdout.write(f"{job.name:24} {job.schedule:14} {when:26} {job.description}")
            finally:
                scheduler.shutdown(wait=False)
            return

        scheduler = build_scheduler()
        # systemd stops the service with SIGTERM: leave the scheduler cleanly (running jobs finish).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        names = [job.id for job in scheduler.get_jobs()]
        self.stdout.write(f"Scheduler started with {len(names)} jobs: {', '.join(names)}")
        self.stdout.flush()
        scheduler.start()
