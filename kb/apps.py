from django.apps import AppConfig


class KbConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kb"
    verbose_name = "FAQ knowledge base"

    def ready(self):
        from kb import signals

        signals.connect()
