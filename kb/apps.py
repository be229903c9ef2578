from django.apps import AppConfig


class KbConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kb"
    verbose_name = "FAQ knowledge base"

    def ready(self):
        from forum.services import views as view_counting
        from kb import services, signals

        signals.connect()
        view_counting.register_counter(services.FAQ_VIEWS, services.write_article_views)
