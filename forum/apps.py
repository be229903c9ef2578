from django.apps import AppConfig


class ForumConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forum"

    def ready(self) -> None:
        # What each write makes stale (forum/cache.py), connected to the events that say so.
        from forum import (
            cache,
            receivers,  # noqa: F401  (connects the receivers)
        )

        cache.connect()
