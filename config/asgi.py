import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_asgi_application()

from ops.checks import refuse_to_start_broken  # noqa: E402 - needs the apps loaded

refuse_to_start_broken()
