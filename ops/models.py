from django.db import models
from django.utils import timezone


class JobRun(models.Model):
    """One run of a periodic job (ops/jobs.py), written by the scheduler: when, how it ended,
    what it printed, and the traceback when it failed. Staff see them in the admin's reports."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    job = models.CharField(max_length=100)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    output = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["job", "-started_at"], name="ops_jobrun_job_started"),
            models.Index(fields=["status", "-started_at"], name="ops_jobrun_status_started"),
        ]

    def __str__(self) -> str:
        return f"{self.job} #{self.attempt} {self.status} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def error_summary(self) -> str:
        """The traceback's last line: the exception and its message."""
        lines = [line for line in self.error.strip().splitlines() if line.strip()]
        return lines[-1][:300] if lines else ""
