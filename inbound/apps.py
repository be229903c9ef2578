from django.apps import AppConfig


class InboundConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "inbound"
    verbose_name = "Inbound email"

    def ready(self) -> None:
        from inbound import receivers  # noqa: F401
