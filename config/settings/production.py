"""Production: everything from the environment, secure cookies and HSTS behind a TLS proxy."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, env_int, env_list

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")

DEBUG = False
# No development defaults for what people see in their mail: ops/checks.py refuses to start
# (gunicorn, db_worker, run_scheduler, migrate, check --deploy) while any of these is missing.
REQUIRE_PRODUCTION_SETTINGS = True
SITE_URL = env("SITE_URL")
WAGTAILADMIN_BASE_URL = SITE_URL or ""
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_BACKEND = env("EMAIL_BACKEND")
# Without DJANGO_ALLOWED_HOSTS, the host of SITE_URL is the one host served.
if not env("DJANGO_ALLOWED_HOSTS") and SITE_URL:
    from urllib.parse import urlsplit

    ALLOWED_HOSTS = [urlsplit(SITE_URL).hostname or ""]
else:
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Monitors on the machine may ask gunicorn directly over plain http.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# Compiled templates stay in memory between requests.
TEMPLATES[0]["APP_DIRS"] = False  # noqa: F405
TEMPLATES[0]["OPTIONS"]["loaders"] = [  # noqa: F405
    (
        "django.template.loaders.cached.Loader",
        ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"],
    )
]
LOGGING["root"]["level"] = env("LOG_LEVEL", "WARNING")  # noqa: F405
