"""System checks that stop a production process from starting with development defaults.

They run when ``REQUIRE_PRODUCTION_SETTINGS`` is on (``config.settings.production`` sets it):
with every management command that runs checks (``migrate``, ``db_worker``, ``run_scheduler``,
``check --deploy``) and when the WSGI/ASGI application loads (``refuse_to_start_broken``), so
gunicorn stops too. Each message names the variable to set.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http.request import validate_host

from ops.sites import site_url_parts

TAG = "production"

# Backends that keep mail on this machine or drop it: fine for development, not for a site.
DEVELOPMENT_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}

# Caches that each process keeps to itself.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def _site_url_problems() -> list[checks.CheckMessage]:
    site_url = getattr(settings, "SITE_URL", None)
    if not site_url:
        return [
            checks.Error(
                "SITE_URL is not set: mail, unsubscribe links and feeds would point nowhere.",
                hint="Set SITE_URL to the address people use, e.g. SITE_URL=https://help.example.com",
                id="ops.E001",
            )
        ]
    try:
        _domain, hostname, _port = site_url_parts(site_url)
    except ValueError:
        return [
            checks.Error(
                f"SITE_URL is not an absolute address: {site_url!r}.",
                hint="Set SITE_URL=https://<host>, without a path.",
                id="ops.E002",
            )
        ]
    problems: list[checks.CheckMessage] = []
    if not site_url.startswith("https://"):
        problems.append(
            checks.Error(
                f"SITE_URL must use https in production, not {site_url!r}.",
                hint="The proxy terminates TLS; set SITE_URL=https://<host>.",
                id="ops.E002",
            )
        )
    allowed = settings.ALLOWED_HOSTS
    if not validate_host(hostname, allowed):
        problems.append(
            checks.Error(
                f"SITE_URL's host {hostname!r} is not in DJANGO_ALLOWED_HOSTS ({', '.join(allowed)}).",
                hint="Add it to DJANGO_ALLOWED_HOSTS, or leave DJANGO_ALLOWED_HOSTS unset to use SITE_URL's host.",
                id="ops.E003",
            )
        )
    return problems


def _mail_problems() -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    if not getattr(settings, "DEFAULT_FROM_EMAIL", None):
        problems.append(
            checks.Error(
                "DEFAULT_FROM_EMAIL is not set: mail would be sent from a made-up address.",
                hint='Set DEFAULT_FROM_EMAIL, e.g. "Acme Community <community@help.example.com>".',
                id="ops.E004",
            )
        )
    backend = getattr(settings, "EMAIL_BACKEND", None)
    if not backend:
        problems.append(
            checks.Error(
                "EMAIL_BACKEND is not set: sign-up confirmations and notifications would not be sent.",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST "
                "(or a mail provider's backend).",
                id="ops.E005",
            )
        )
    elif backend in DEVELOPMENT_EMAIL_BACKENDS:
        problems.append(
            checks.Error(
                f"EMAIL_BACKEND is a development backend ({backend}): no mail would leave this machine.",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (or a provider's backend).",
                id="ops.E005",
            )
        )
    return problems


def _cache_problems() -> list[checks.CheckMessage]:
    aliases = [alias for alias in ("default", "limits") if alias in settings.CACHES]
    if all(settings.CACHES[alias]["BACKEND"] not in PER_PROCESS_CACHES for alias in aliases):
        return []
    concurrency = getattr(settings, "WEB_CONCURRENCY", 1)
    if concurrency > 1:
        return [
            checks.Error(
                f"REDIS_URL is not set while WEB_CONCURRENCY={concurrency}: each process would keep its own "
                "cache, rate limits and buffered view counts.",
                hint="Set REDIS_URL=redis://127.0.0.1:6379/0 (or run one web process).",
                id="ops.E006",
            )
        ]
    return [
        checks.Warning(
            "REDIS_URL is not set: the web process, the task worker and the scheduler each keep their own "
            "cache, so the scheduler cannot flush the views the web process buffered.",
            hint="Set REDIS_URL=redis://127.0.0.1:6379/0.",
            id="ops.W001",
        )
    ]


def _task_problems() -> list[checks.CheckMessage]:
    if getattr(settings, "TASKS_BACKEND", "immediate") == "immediate":
        return [
            checks.Warning(
                "TASKS_BACKEND is 'immediate': mail and search index writes run inside web requests.",
                hint="Set TASKS_BACKEND=database and run `manage.py db_worker` (deploy/systemd/community-worker.service).",
                id="ops.W002",
            )
        ]
    return []


@checks.register(TAG)
def production_settings_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Everything production needs from the environment; silent outside production."""
    if not getattr(settings, "REQUIRE_PRODUCTION_SETTINGS", False):
        return []
    return _site_url_problems() + _mail_problems() + _cache_problems() + _task_problems()


def refuse_to_start_broken() -> None:
    """Raise ``ImproperlyConfigured`` naming every missing variable (the checks' errors); warnings
    are left to ``check --deploy``. Called where the WSGI/ASGI application is built."""
    errors = [
        message
        for message in checks.run_checks(tags=[TAG])
        if message.is_serious() and not message.is_silenced()
    ]
    if errors:
        lines = "\n".join(f"{error.id}: {error.msg} {error.hint or ''}".rstrip() for error in errors)
        raise ImproperlyConfigured(f"Production settings are incomplete:\n{lines}")
