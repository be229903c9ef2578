"""Development: the embedded defaults (SQLite, whoosh on disk, console mail, tasks in-process)."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = True
SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = ["*"]
INTERNAL_IPS = ["127.0.0.1"]
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # security keys on http://127.0.0.1 while developing
# Plain storage so a fresh checkout serves static files without running collectstatic.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
# The demo's mention sources read sample feeds that this site serves itself.
MENTIONS_SAMPLE_FEEDS = env_bool("MENTIONS_SAMPLE_FEEDS", True)
MENTIONS_ALLOW_PRIVATE_ADDRESSES = env_bool("MENTIONS_ALLOW_PRIVATE_ADDRESSES", True)
# Webhooks may be delivered to a receiver on this machine while developing.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", True)
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", True)
