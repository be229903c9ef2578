from django.apps import AppConfig
from django.core.signals import request_finished
from django.db.models.signals import post_migrate


class OpsConfig(AppConfig):
    """Running the site: deploy checks, the Sites record, health, logs and the periodic jobs."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"
    verbose_name = "Operations"

    def ready(self):
        from ops import checks  # noqa: F401 - registers the system checks
        from ops.request_id import forget_request_id
        from ops.sites import sync_sites_after_migrate

        post_migrate.connect(sync_sites_after_migrate, sender=self)
        request_finished.connect(forget_request_id, dispatch_uid="ops.forget_request_id")
