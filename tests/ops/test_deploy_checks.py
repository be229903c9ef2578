"""Production refuses to start with development defaults; each problem names its variable."""

import os
import secrets
import subprocess
import sys

from django.conf import settings as django_settings

import pytest

from ops.checks import production_settings_check

SMTP = "django.core.mail.backends.smtp.EmailBackend"
REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/6"}


@pytest.fixture
def production(settings):
    """Test settings turned into a complete production configuration; each test breaks one thing."""
    settings.REQUIRE_PRODUCTION_SETTINGS = True
    settings.SITE_URL = "https://help.example.com"
    settings.ALLOWED_HOSTS = ["help.example.com"]
    settings.DEFAULT_FROM_EMAIL = "Acme Community <community@help.example.com>"
    settings.EMAIL_BACKEND = SMTP
    settings.CACHES = {"default": REDIS}
    settings.WEB_CONCURRENCY = 4
    settings.TASKS_BACKEND = "database"
    return settings


def ids(messages):
    return sorted(message.id for message in messages)


def test_complete_production_settings_pass(production):
    assert production_settings_check() == []


def test_checks_are_silent_outside_production(settings):
    settings.REQUIRE_PRODUCTION_SETTINGS = False
    settings.SITE_URL = None
    assert production_settings_check() == []


@pytest.mark.parametrize("value", [None, ""])
def test_missing_site_url_is_an_error_naming_it(production, value):
    production.SITE_URL = value
    [error] = production_settings_check()
    assert error.id == "ops.E001" and error.is_serious() and "SITE_URL" in error.msg


@pytest.mark.parametrize("value", ["help.example.com", "ftp://help.example.com", "http://help.example.com"])
def test_site_url_must_be_an_https_address(production, value):
    production.SITE_URL = value
    messages = production_settings_check()
    assert ids(messages) == ["ops.E002"] and "SITE_URL" in messages[0].msg


def test_site_url_host_must_be_allowed(production):
    production.ALLOWED_HOSTS = ["other.example.com"]
    [error] = production_settings_check()
    assert error.id == "ops.E003" and "DJANGO_ALLOWED_HOSTS" in error.msg


def test_site_url_host_allowed_by_a_subdomain_pattern(production):
    production.ALLOWED_HOSTS = [".example.com"]
    assert production_settings_check() == []


def test_missing_from_address_is_an_error_naming_it(production):
    production.DEFAULT_FROM_EMAIL = None
    [error] = production_settings_check()
    assert error.id == "ops.E004" and "DEFAULT_FROM_EMAIL" in error.msg


@pytest.mark.parametrize(
    "backend",
    [
        None,
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    ],
)
def test_development_mail_backends_are_refused(production, backend):
    production.EMAIL_BACKEND = backend
    [error] = production_settings_check()
    assert error.id == "ops.E005" and "EMAIL_BACKEND" in error.msg


def test_a_provider_backend_is_accepted(production):
    production.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    assert production_settings_check() == []


def test_several_web_processes_need_redis(production):
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    [error] = production_settings_check()
    assert error.id == "ops.E006" and "REDIS_URL" in error.msg and "WEB_CONCURRENCY=4" in error.msg


def test_one_web_process_without_redis_is_a_warning(production):
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    production.WEB_CONCURRENCY = 1
    [warning] = production_settings_check()
    assert warning.id == "ops.W001" and not warning.is_serious() and "REDIS_URL" in warning.msg


def test_rate_limits_in_a_per_process_cache_are_refused(production):
    production.CACHES = {
        "default": REDIS,
        "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    [error] = production_settings_check()
    assert error.id == "ops.E006"


def test_immediate_tasks_are_a_warning(production):
    production.TASKS_BACKEND = "immediate"
    [warning] = production_settings_check()
    assert warning.id == "ops.W002" and not warning.is_serious()


# --- the real entry points, in a fresh process with production settings ----------------------


def production_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL", "EMAIL_BACKEND"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL="https://help.example.com",
        DEFAULT_FROM_EMAIL="Acme Community <community@help.example.com>",
        EMAIL_BACKEND=SMTP,
        REDIS_URL="redis://127.0.0.1:6379/6",
        WEB_CONCURRENCY="4",
        TASKS_BACKEND="database",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(args, env):
    return subprocess.run(
        [sys.executable, *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_fails_naming_each_missing_variable():
    missing = {
        "SITE_URL": "ops.E001",
        "DEFAULT_FROM_EMAIL": "ops.E004",
        "EMAIL_BACKEND": "ops.E005",
        "REDIS_URL": "ops.E006",
    }
    result = run(["manage.py", "check", "--deploy"], production_env(**dict.fromkeys(missing)))
    assert result.returncode != 0
    for variable, check_id in missing.items():
        line = next(line for line in result.stderr.splitlines() if check_id in line)
        assert variable in line


def test_wsgi_application_refuses_to_load_without_site_url():
    result = run(["-c", "import config.wsgi"], production_env(SITE_URL=None))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SITE_URL" in result.stderr


def test_wsgi_application_loads_with_complete_settings():
    result = run(["-c", "import config.wsgi; print('loaded')"], production_env())
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout


def test_allowed_hosts_default_to_the_site_url_host():
    code = "from django.conf import settings; import django; django.setup(); print(settings.ALLOWED_HOSTS)"
    result = run(["-c", code], production_env(DJANGO_ALLOWED_HOSTS=None))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['help.example.com']"
