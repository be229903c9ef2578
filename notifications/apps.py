from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Connect the receivers of the forum's signals (forum/events.py).
        from notifications import receivers  # noqa: F401
