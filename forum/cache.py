"""A cache of the pages anonymous visitors see, invalidated the moment community content changes.

Rules:

* Only anonymous ``GET``/``HEAD`` requests that carry no session and no messages cookie are
  served from, or stored in, the cache; a signed-in visitor always gets a fresh page.
* Only a plain ``200`` response is stored, and only when it set no cookie and rendered no CSRF
  token (a page with a form for this visitor is never shared).
* Every stored page is keyed by a **content version**. Any committed write to the tables whose
  content anonymous pages show (``forum_*``, ``taggit_*``, ``kb_*``, ``wagtailcore_page*``,
  ``accounts_user``) bumps the version, so the next request renders afresh: nobody sees a stale
  answer after staff post one. The write is seen at the database layer (an execute wrapper on
  every connection of every process that imported this module), which catches ``save()``,
  queryset ``update()``, bulk inserts and deletes alike; the version is bumped at the write and again
  after commit. Two writes do not bump: the buffered view-count flush (``view_count`` only)
  and a login's ``last_login`` — views and logins are not content, so shown view counts may lag
  until the next real change or the timeout.
* Where the version lives: in the default cache when it is shared (Redis: every process and
  machine sees one version), else in a stamp file (``FORUM_PAGE_CACHE_STAMP``, by default under
  ``VAR_DIR``) whose identity changes on every bump, so every process on the machine sees it
  with one ``stat``.
* ``FORUM_PAGE_CACHE_SECONDS`` (300) bounds how long a page is kept; ``0`` turns the cache off.
  Responses say ``X-Page-Cache: hit`` or ``miss``.

Use: ``@anonymous_page_cache()`` on a view, under ``@require_GET``. ``on_hit(request, *args,
response=..., **kwargs)`` runs on a cache hit instead of the view (``response`` is the page about
to be served), for work a hit must still do: the topic page uses
``@anonymous_page_cache(on_hit=count_topic_view)`` so that cached views are still counted, and
the search page logs the search with the result count its cached response carries.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections, transaction
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString, mark_safe

VERSION_KEY = "forum:page-cache:version"
PAGE_KEY = "forum:page-cache:page"
FRAGMENT_KEY = "forum:page-cache:fragment"
OBJECT_KEY = "forum:page-cache:object"
_MISSING = object()
HEADER = "X-Page-Cache"
WATCHED_TABLES = ("forum_", "taggit_", "kb_", "wagtailcore_page", "accounts_user")
_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_NOT_CONTENT = re.compile(
    r'^\s*UPDATE\s+"?(forum_topic"?\s+SET\s+"?view_count"?\s*=\s*\(?\s*"?forum_topic"?\."?view_count"?\s*\+\s*%s\s*\)?'
    r'|accounts_user"?\s+SET\s+"?last_login"?\s*=\s*%s)\s+WHERE',
    re.IGNORECASE,
)


def _timeout() -> int:
    return int(getattr(settings, "FORUM_PAGE_CACHE_SECONDS", 300))


def _cache():
    return caches["default"]


def _shared_cache() -> bool:
    return not isinstance(_cache(), LocMemCache | DummyCache)


def _stamp_path() -> Path:
    configured = getattr(settings, "FORUM_PAGE_CACHE_STAMP", None)
    if configured:
        return Path(configured)
    return Path(getattr(settings, "VAR_DIR", settings.BASE_DIR / "var")) / "forum-page-cache.stamp"


def content_version() -> str:
    """The current content version; pages stored under another version are never served."""
    if _shared_cache():
        version = _cache().get(VERSION_KEY)
        if version is None:
            version = uuid.uuid4().hex
            if not _cache().add(VERSION_KEY, version, timeout=None):
                version = _cache().get(VERSION_KEY) or version
        return str(version)
    try:
        st = os.stat(_stamp_path())
    except FileNotFoundError:
        bump()
        try:
            st = os.stat(_stamp_path())
        except OSError:
            return "none"
    return f"{st.st_ino}-{st.st_mtime_ns}"


def bump() -> None:
    """Invalidate every cached page (called after a content write commits)."""
    if _shared_cache():
        _cache().set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        return
    path = _stamp_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        tmp.write_text(uuid.uuid4().hex)
        os.replace(tmp, path)  # a new inode: a new version even within one clock tick
    except OSError:
        # Cannot record a new version: make sure nothing stale is served by this process.
        _cache().clear()


def is_content_write(sql: str) -> bool:
    """True for INSERT/UPDATE/DELETE statements on tables whose content anonymous pages show."""
    match = _WRITE.match(sql)
    if not match:
        return False
    table = match.group(2).lower()
    if not table.startswith(WATCHED_TABLES):
        return False
    return not _NOT_CONTENT.match(sql)


def _bump_after_commit() -> None:
    bump()


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and is_content_write(sql):
        # At once, so this thread (and a test inside one transaction) never reads a page cached
        # before its own write; and again after commit, so that no other process keeps a page
        # it rendered from the old data in between. Rolled back: the second never happens.
        bump()
        connection = context["connection"]
        if connection.in_atomic_block and not any(
            entry[1] is _bump_after_commit for entry in connection.run_on_commit
        ):
            transaction.on_commit(_bump_after_commit, using=connection.alias)
    return result


def _install_on(connection) -> None:
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def _on_connection_created(sender, connection, **kwargs) -> None:
    _install_on(connection)


def install() -> None:
    """Watch writes on every database connection of this process (idempotent)."""
    connection_created.connect(_on_connection_created, dispatch_uid="forum.cache.watch_writes")
    for connection in connections.all(initialized_only=True):
        _install_on(connection)


install()


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or _timeout() <= 0:
        return False
    if isinstance(_cache(), DummyCache):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _page_key(request: HttpRequest, version: str) -> str:
    digest = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()[:40]
    return f"{PAGE_KEY}:{version}:{digest}"


def anonymous_page_cache(on_hit: Callable[..., None] | None = None, version: Callable[[], Any] | None = None):
    """Serve anonymous visitors the cached page while the community's content is unchanged.

    ``version()``, when given, names one more thing the page depends on besides the content
    tables (the search page: the search index, which a background worker may update after the
    database write)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not _cacheable_request(request):
                return view(request, *args, **kwargs)
            current = content_version() if version is None else f"{content_version()}.{version()}"
            key = _page_key(request, current)
            cached = _cache().get(key)
            if cached is not None:
                status, headers, content = cached
                response = HttpResponse(content, status=status)
                for name, value in headers:
                    response[name] = value
                response[HEADER] = "hit"
                if on_hit is not None:
                    on_hit(request, *args, response=response, **kwargs)
                return response
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and not response.streaming
                and not response.cookies
                and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                and not response.has_header("Cache-Control")
            ):
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                headers = [(k, v) for k, v in response.items() if k.lower() not in {"set-cookie", "vary"}]
                _cache().set(key, (response.status_code, headers, response.content), _timeout())
                response[HEADER] = "miss"
            return response

        return wrapper

    return decorator


def content_fragment(name: str, parts: Iterable[Any], render: Callable[[], str]) -> SafeString:
    """HTML that is the same for everyone who may see it, rendered once per content version.

    For the parts of a signed-in visitor's page that do not depend on who they are (the topic
    list's rows, say): ``parts`` must name everything the HTML depends on besides the content
    (the address, the query string, what the visitor may see). Like whole pages, a fragment is
    dropped the moment any content changes and kept at most ``FORUM_PAGE_CACHE_SECONDS``; with
    the cache off, ``render()`` runs every time. ``render`` must return HTML that is safe as it
    is: Django's templates (auto-escaping) made it."""
    if _timeout() <= 0 or isinstance(_cache(), DummyCache):
        return mark_safe(render())  # noqa: S308 - rendered by an auto-escaping template
    digest = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:40]
    key = f"{FRAGMENT_KEY}:{name}:{content_version()}:{digest}"
    html = _cache().get(key)
    if html is None:
        html = str(render())
        _cache().set(key, html, _timeout())
    return mark_safe(html)  # noqa: S308 - rendered by an auto-escaping template, stored as is


def content_object(name: str, parts: Iterable[Any], compute: Callable[[], Any]) -> Any:
    """A value read from the community's content (model instances, lists, counts), computed
    once per content version and kept like a fragment: dropped the moment any content changes,
    at most ``FORUM_PAGE_CACHE_SECONDS``. ``parts`` name everything the value depends on besides
    the content. With the cache off, ``compute()`` runs every time. Each read unpickles a fresh
    copy, so callers may set attributes on what they get (never save it: it may be minutes old
    as far as view counts go)."""
    if _timeout() <= 0 or isinstance(_cache(), DummyCache):
        return compute()
    digest = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:40]
    key = f"{OBJECT_KEY}:{name}:{content_version()}:{digest}"
    value = _cache().get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        _cache().set(key, value, _timeout())
    return value


def fragment_context() -> dict[str, Any]:
    """What a template's ``{% cache fragment_seconds "name" ... fragment_version %}`` needs to
    keep a visitor-independent fragment until the content changes (seconds 0: not kept)."""
    seconds = max(_timeout(), 0) if not isinstance(_cache(), DummyCache) else 0
    return {"fragment_seconds": seconds, "fragment_version": content_version() if seconds else ""}


def count_topic_view(request: HttpRequest, pk: int, *args, **kwargs) -> None:
    """``on_hit`` for the topic page: a page served from the cache still counts as a view."""
    from forum.models import Topic
    from forum.services.views import topic_record_view

    topic_record_view(request=request, topic=Topic(pk=pk))
