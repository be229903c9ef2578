"""Tests: fast hashing, mail kept in memory, tasks run at once, a throwaway whoosh index."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WHOOSH_INDEX_DIR = Path(tempfile.mkdtemp(prefix="community-test-whoosh-"))
if "PATH" in WAGTAILSEARCH_BACKENDS["default"]:  # noqa: F405
    WAGTAILSEARCH_BACKENDS["default"]["PATH"] = WHOOSH_INDEX_DIR  # noqa: F405
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="community-test-media-"))
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"},
    "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests-limits"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="community-test-static-"))
