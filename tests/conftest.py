import pytest

from tests.factories import UserFactory, editor_user, moderator_user, staff_user


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test gets its own media folder and search index folder, and an empty cache."""
    from django.core.cache import caches

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WHOOSH_INDEX_DIR = tmp_path / "whoosh"
    backend = dict(settings.WAGTAILSEARCH_BACKENDS["default"])
    if "PATH" in backend:
        backend["PATH"] = tmp_path / "whoosh"
        settings.WAGTAILSEARCH_BACKENDS = {"default": backend}
    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture
def customer(db):
    return UserFactory(username="casey")


@pytest.fixture
def staff(db):
    return staff_user(username="sam")


@pytest.fixture
def moderator(db):
    return moderator_user(username="morgan")


@pytest.fixture
def editor(db):
    return editor_user(username="eddie")
