from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Listen to the forum's, the FAQ's and the mentions' events (webhooks/receivers.py).
        from webhooks import receivers  # noqa: F401
