import importlib
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

import pytest

from config.settings import base


def test_database_defaults_to_sqlite_under_var():
    config = base.database_from_url(None)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(config["NAME"]).parent == base.VAR_DIR
    assert "WAL" in config["OPTIONS"]["init_command"]


def test_database_parses_postgresql_url():
    config = base.database_from_url("postgres://alice:secret@db.internal:5433/community")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "community")
    assert (config["USER"], config["PASSWORD"]) == ("alice", "secret")
    assert config["CONN_HEALTH_CHECKS"] is True


def test_cache_is_local_memory_without_redis_url():
    assert base.cache_from_url(None)["BACKEND"].endswith("LocMemCache")


def test_cache_is_redis_with_redis_url():
    config = base.cache_from_url("redis://127.0.0.1:6379/2")
    assert config["BACKEND"] == "core.cache.ResilientRedisCache"
    assert config["LOCATION"] == "redis://127.0.0.1:6379/2"
    assert config["OPTIONS"]["socket_timeout"] > 0  # a silent Redis cannot hold a worker


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("off", False), ("", False)])
def test_env_bool_parses(monkeypatch, value, expected):
    monkeypatch.setenv("SOME_FLAG", value)
    assert base.env_bool("SOME_FLAG") is expected


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        base.env_bool("SOME_FLAG")


def test_env_int_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        base.env_int("SOME_NUMBER", 1)


def test_production_settings_refuse_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    importlib.reload(base)
    try:
        with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
            importlib.reload(importlib.import_module("config.settings.production"))
    finally:
        importlib.reload(base)


def test_production_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 60)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "help.example.com, www.example.com")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    monkeypatch.setenv("EMAIL_HOST", "smtp.example.com")
    monkeypatch.setenv("EMAIL_PORT", "587")
    monkeypatch.setenv("WHOOSH_INDEX_DIR", "/srv/index")
    try:
        importlib.reload(base)
        production = importlib.reload(importlib.import_module("config.settings.production"))
        assert production.DEBUG is False
        assert production.ALLOWED_HOSTS == ["help.example.com", "www.example.com"]
        assert production.CACHES["default"]["BACKEND"].endswith("RedisCache")
        assert production.EMAIL_HOST == "smtp.example.com" and production.EMAIL_PORT == 587
        assert Path("/srv/index") == production.WHOOSH_INDEX_DIR
        assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_unknown_search_backend_is_refused(monkeypatch):
    monkeypatch.setenv("SEARCH_BACKEND", "grep")
    try:
        with pytest.raises(ImproperlyConfigured, match="SEARCH_BACKEND"):
            importlib.reload(base)
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def reloaded_base(monkeypatch, **environ):
    """``config.settings.base`` read again under ``environ`` (then restored by the caller)."""
    for name, value in environ.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return importlib.reload(base)


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, {"BACKEND": "search.backends.whoosh", "PATH": Path("/srv/index")}),
        ("whoosh", {"BACKEND": "search.backends.whoosh", "PATH": Path("/srv/index")}),
        ("database", {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "english"}),
        (
            "elasticsearch",
            {
                "BACKEND": "wagtail.search.backends.elasticsearch9",
                "URLS": ["https://search-1.internal:9200", "https://search-2.internal:9200"],
                "INDEX_PREFIX": "help_",
                "ATOMIC_REBUILD": True,
            },
        ),
        (
            "opensearch",
            {
                "BACKEND": "wagtail.search.backends.opensearch3",
                "URLS": ["https://search-1.internal:9200", "https://search-2.internal:9200"],
                "INDEX_PREFIX": "help_",
                "ATOMIC_REBUILD": True,
            },
        ),
    ],
)
def test_search_backend_setting_builds_the_wagtail_backend(monkeypatch, value, expected):
    try:
        settings = reloaded_base(
            monkeypatch,
            SEARCH_BACKEND=value,
            WHOOSH_INDEX_DIR="/srv/index",
            SEARCH_URL="https://search-1.internal:9200, https://search-2.internal:9200",
            SEARCH_INDEX_PREFIX="help_",
        )
        assert {"default": expected} == settings.WAGTAILSEARCH_BACKENDS
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_search_url_and_prefix_have_local_defaults(monkeypatch):
    try:
        settings = reloaded_base(
            monkeypatch, SEARCH_BACKEND="opensearch", SEARCH_URL=None, SEARCH_INDEX_PREFIX=None
        )
        backend = settings.WAGTAILSEARCH_BACKENDS["default"]
        assert (backend["URLS"], backend["INDEX_PREFIX"]) == (["http://localhost:9200"], "community_")
    finally:
        monkeypatch.undo()
        importlib.reload(base)


@pytest.mark.parametrize(
    "url, wanted",
    [("postgres://postgres@127.0.0.1:5432/community", True), ("", False)],
)
def test_contrib_postgres_is_installed_exactly_on_postgresql(monkeypatch, url, wanted):
    """Wagtail's database search backend needs it on PostgreSQL; SQLite has no use for it."""
    try:
        settings = reloaded_base(monkeypatch, DATABASE_URL=url)
        assert ("django.contrib.postgres" in settings.INSTALLED_APPS) is wanted
        assert settings.INSTALLED_APPS.count("django.contrib.postgres") <= 1
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_check_deploy_is_silent_with_complete_production_settings():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "k" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
        "SITE_URL": "https://help.example.com",
        "DEFAULT_FROM_EMAIL": "Acme Community <community@help.example.com>",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "REDIS_URL": "redis://127.0.0.1:6379/6",
        "TASKS_BACKEND": "database",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOWED_HOSTS", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=base.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("value, wanted", [(None, 5000), ("20000", 20000)])
def test_the_local_memory_page_cache_holds_a_long_tail_and_is_configurable(monkeypatch, value, wanted):
    """Django's default of 300 entries held the parts of a few dozen topics."""
    try:
        settings = reloaded_base(monkeypatch, REDIS_URL=None, CACHE_MAX_ENTRIES=value)
        assert settings.CACHES["default"]["OPTIONS"]["MAX_ENTRIES"] == wanted
        assert settings.CACHES["limits"]["OPTIONS"]["MAX_ENTRIES"] == 100_000
    finally:
        monkeypatch.undo()
        importlib.reload(base)
