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


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL (concurrency with row locks): on any other
    database they are skipped, with the reason, before a test database is even set up."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if engine == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(
        reason=f"needs PostgreSQL (set DATABASE_URL=postgres://...); this run uses {engine.rsplit('.', 1)[-1]}, "
        "which serialises writers, so concurrent requests cannot race"
    )
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _page_cache_stamp(settings, tmp_path):
    """The page cache's version stamps (forum/cache.py) live in the test's folder."""
    settings.FORUM_PAGE_CACHE_STAMP = tmp_path / "page-cache-versions"
    settings.FORUM_LIST_CACHE_LAG = 0  # the tests of the lag set it themselves
