"""The cache of pages and page parts, and the one map of what each write makes stale.

The forum, the FAQ (kb) and search all cache through this module.

Scopes and versions:

* Everything cached belongs to one or more **scopes**: ``topic:<id>`` (one topic's pages and
  its shared page data), ``lists`` (topic lists, category pages, the search page's results),
  ``faq`` (the FAQ's Wagtail pages), ``search`` (what the search index answers) and ``site``
  (everything: categories, which every page shows). Each scope has a **version**; a cache key
  carries the versions of its scopes, so bumping a scope's version makes every entry of that
  scope unreachable at once (it expires by itself later) and leaves every other entry alone.
* What makes a scope stale is written in one place, ``STALE_BY_EVENT`` below: each event of
  ``forum.events`` maps to the scopes it changes. A reply makes stale its topic and the lists,
  never the other topics; a "me too", a vote or a follow only its topic; view counts, logins,
  FAQ views and helpful votes nothing. Services send events through
  ``forum.events.send_after_commit``, which expires the scopes at once (the writer's next read
  is fresh) and the receivers here expire them again after commit (so no other process keeps a
  page it rendered from the old rows in between). Wagtail's ``page_published`` and
  ``page_unpublished`` expire ``faq``; saving a category (admin) expires ``site``; a member's
  new name or avatar expires the topics they wrote in and the lists.
* ``lists`` may lag: with ``FORUM_LIST_CACHE_LAG`` seconds (5) above zero, the lists version
  moves at most once per that many seconds, so a busy forum keeps its list pages cached; a
  change made in between is shown when the lag is over (the next read after it bumps). The
  member who wrote always sees their own change at once: their list rows are rendered afresh
  for that long (``wrote_recently``). Counters that do not expire the lists (views, "me too",
  votes) show on list rows when the lists next change, at most ``FORUM_PAGE_CACHE_SECONDS``.
* Where versions live: in the default cache when it is shared (Redis: every process and machine
  reads the same versions, one ``get_many`` per page); with a per-process cache (LocMem) in a
  folder of stamp files (``FORUM_PAGE_CACHE_STAMP``, by default under ``VAR_DIR``), one file per
  scope whose identity changes on every bump, so every process on the machine sees a bump with
  one ``stat`` per scope. Inside one request a version is read once.

The anonymous page cache (``anonymous_page_cache``):

* Only anonymous ``GET``/``HEAD`` requests that carry no session and no messages cookie are
  served from, or stored in, the cache; a signed-in visitor always gets a fresh page. Every
  response it handles says ``Vary: Cookie``, so a shared proxy never gives one visitor's page
  to another.
* Keys are bounded: a page declares the query parameters it reads and how each is normalised
  (``params``); a request with any other parameter, a repeated one or a value that does not
  normalise is served without the cache (neither read nor stored), and a view can refuse to
  store a page whose values turned out unknown (``do_not_store``).
* Only a plain ``200`` response is stored, and only when it set no cookie and rendered no CSRF
  token. ``FORUM_PAGE_CACHE_SECONDS`` (300) bounds how long a page is kept; ``0`` turns the
  cache off. Responses say ``X-Page-Cache: hit`` or ``miss``.
* ``on_hit(request, *args, response=..., **kwargs)`` runs on a cache hit instead of the view,
  for work a hit must still do (counting a topic view, logging a search).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token  # unmasking: tested in test_cache
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from forum import events

VERSION_KEY = "forum:cache:version"
DUE_KEY = "forum:cache:due"
WROTE_KEY = "forum:cache:wrote"
# "zpage": pages stored compressed (entries of the uncompressed format are never read).
PAGE_KEY = "forum:page-cache:zpage"
FRAGMENT_KEY = "forum:page-cache:fragment"
OBJECT_KEY = "forum:page-cache:object"
HEADER = "X-Page-Cache"
SITE, LISTS, FAQ, SEARCH = "site", "lists", "faq", "search"
_SCOPE_RE = re.compile(r"^(site|lists|faq|search|topic:\d{1,19})$")
_MISSING = object()
_NO_STORE_ATTR = "_page_cache_no_store"


def topic_scope(pk: int | str) -> str:
    return f"topic:{int(pk)}"


def _timeout() -> int:
    return int(getattr(settings, "FORUM_PAGE_CACHE_SECONDS", 300))


def list_lag() -> float:
    return max(float(getattr(settings, "FORUM_LIST_CACHE_LAG", 5)), 0.0)


def _cache():
    return caches["default"]


def _shared_cache() -> bool:
    return not isinstance(_cache(), LocMemCache | DummyCache)


def _off() -> bool:
    return _timeout() <= 0 or isinstance(_cache(), DummyCache)


def _now() -> float:
    return time.time()


# --- where versions live --------------------------------------------------------------------


class _SharedVersions:
    """Versions in the shared cache: ``<time>:<random>`` strings, kept without a timeout."""

    def read(self, scopes: list[str]) -> dict[str, str]:
        keys = {f"{VERSION_KEY}:{scope}": scope for scope in scopes}
        dues = {f"{DUE_KEY}:{scope}": scope for scope in scopes if scope == LISTS}
        found = _cache().get_many([*keys, *dues])
        for key, scope in dues.items():
            if key in found and float(found[key]) <= _now():
                _cache().delete(key)
                found[f"{VERSION_KEY}:{scope}"] = self.bump(scope)
        result = {}
        for key, scope in keys.items():
            token = found.get(key)
            if token is None:
                token = _new_token()
                if not _cache().add(key, token, timeout=None):
                    token = _cache().get(key) or token
            result[scope] = str(token)
        return result

    def bump(self, scope: str) -> str:
        token = _new_token()
        _cache().set(f"{VERSION_KEY}:{scope}", token, timeout=None)
        return token

    def last_bumped(self, scope: str) -> float:
        token = _cache().get(f"{VERSION_KEY}:{scope}")
        try:
            return float(str(token).split(":", 1)[0])
        except (TypeError, ValueError):
            return 0.0

    def bump_at(self, scope: str, when: float) -> None:
        _cache().add(f"{DUE_KEY}:{scope}", when, timeout=int(list_lag()) + 60)


class _FileVersions:
    """Versions as stamp files, one per scope (for a per-process cache): the version is the
    file's identity, so a bump by any process on the machine is seen by all."""

    def _dir(self) -> Path:
        configured = getattr(settings, "FORUM_PAGE_CACHE_STAMP", None)
        if configured:
            return Path(configured)
        return Path(getattr(settings, "VAR_DIR", settings.BASE_DIR / "var")) / "page-cache-versions"

    def _path(self, scope: str) -> Path:
        return self._dir() / scope.replace(":", "-")

    def read(self, scopes: list[str]) -> dict[str, str]:
        result = {}
        for scope in scopes:
            path = self._path(scope)
            if scope == LISTS:
                due = path.with_name(path.name + ".due")
                try:
                    if os.stat(due).st_mtime <= _now():
                        due.unlink(missing_ok=True)
                        self.bump(scope)
                except OSError:
                    pass
            try:
                st = os.stat(path)
            except OSError:
                result[scope] = "0"
                continue
            result[scope] = f"{st.st_ino}-{st.st_mtime_ns}"
        return result

    def bump(self, scope: str) -> str:
        path = self._path(scope)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
            tmp.write_text(uuid.uuid4().hex)
            now = _now()
            os.utime(tmp, (now, now))  # the time of the bump, for the list lag
            os.replace(tmp, path)  # a new inode: a new version even within one clock tick
        except OSError:
            # Cannot record a new version: make sure nothing stale is served by this process.
            _cache().clear()
        return ""

    def last_bumped(self, scope: str) -> float:
        try:
            return os.stat(self._path(scope)).st_mtime
        except OSError:
            return 0.0

    def bump_at(self, scope: str, when: float) -> None:
        path = self._path(scope)
        due = path.with_name(path.name + ".due")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(due, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return
        except OSError:
            self.bump(scope)
            return
        os.close(fd)
        os.utime(due, (when, when))


def _new_token() -> str:
    return f"{_now():.6f}:{uuid.uuid4().hex[:12]}"


def _store() -> _SharedVersions | _FileVersions:
    return _SharedVersions() if _shared_cache() else _FileVersions()


# One request reads each version once (set by request_started, dropped when it finishes).
_memo = threading.local()


def _request_started(**kwargs) -> None:
    _memo.versions = {}


def _request_finished(**kwargs) -> None:
    _memo.versions = None


request_started.connect(_request_started, dispatch_uid="forum.cache.request_started")
request_finished.connect(_request_finished, dispatch_uid="forum.cache.request_finished")


def versions(*scopes: str) -> str:
    """The current versions of ``scopes``, joined: part of every key of what shows them."""
    memo = getattr(_memo, "versions", None)
    wanted = [s for s in dict.fromkeys(scopes) if memo is None or s not in memo]
    if wanted:
        for scope in wanted:
            if not _SCOPE_RE.match(scope):
                raise ValueError(f"not a cache scope: {scope!r}")
        found = _store().read(wanted)
        if memo is not None:
            memo.update(found)
    else:
        found = {}
    return ".".join((found[s] if s in found else memo[s]) for s in dict.fromkeys(scopes))


def content_version() -> str:
    """The version of everything shared by all pages (kept for callers that cache something
    depending on the whole site; prefer ``versions`` with the scopes a value shows)."""
    return versions(SITE, LISTS, FAQ)


def expire(*scopes: str) -> None:
    """Make every cached page and part of ``scopes`` stale now (``lists`` subject to the lag)."""
    store = _store()
    memo = getattr(_memo, "versions", None)
    for scope in dict.fromkeys(scopes):
        if not _SCOPE_RE.match(scope):
            raise ValueError(f"not a cache scope: {scope!r}")
        lag = list_lag() if scope == LISTS else 0.0
        if lag:
            last = store.last_bumped(scope)
            if _now() - last < lag:
                store.bump_at(scope, last + lag)
                continue
        store.bump(scope)
        if memo is not None:
            memo.pop(scope, None)


def bump() -> None:
    """Make everything stale (a deploy, a data import, a management command)."""
    expire(SITE)


# --- what each write makes stale --------------------------------------------------------------


def _topic_pk(kwargs: Mapping[str, Any]) -> int | None:
    topic = kwargs.get("topic")
    if topic is not None:
        return topic.pk
    post = kwargs.get("post")
    return getattr(post, "topic_id", None)


def _topic_only(kwargs) -> set[str]:
    pk = _topic_pk(kwargs)
    return {topic_scope(pk)} if pk else set()


def _topic_and_lists(kwargs) -> set[str]:
    return _topic_only(kwargs) | {LISTS}


def _edited(kwargs) -> set[str]:
    scopes = _topic_only(kwargs)
    if kwargs.get("is_question") or kwargs.get("title_changed"):
        scopes.add(LISTS)
    if kwargs.get("title_changed"):
        # The title shows on the page of the topic this one duplicates, and on its duplicates.
        scopes |= _related_topics(kwargs.get("topic"))
    return scopes


def _related_topics(topic) -> set[str]:
    if topic is None:
        return set()
    from forum.models import Topic

    pks = set(Topic.objects.filter(duplicate_of=topic).values_list("pk", flat=True))
    if topic.duplicate_of_id:
        pks.add(topic.duplicate_of_id)
    return {topic_scope(pk) for pk in pks}


def _duplicate(kwargs) -> set[str]:
    scopes = _topic_and_lists(kwargs)
    original = kwargs.get("original")
    if original is not None:
        scopes.add(topic_scope(getattr(original, "pk", original)))
    return scopes


def _topic_visibility(kwargs) -> set[str]:
    scopes = _topic_and_lists(kwargs)
    topic = kwargs.get("topic")
    if topic is not None and getattr(topic, "duplicate_of_id", None):
        scopes.add(topic_scope(topic.duplicate_of_id))  # its original lists its duplicates
    return scopes


STALE_BY_EVENT: dict[Any, Callable[[Mapping[str, Any]], set[str]]] = {
    events.topic_created: _topic_and_lists,
    events.reply_created: _topic_and_lists,
    events.post_edited: _edited,
    events.official_answer_changed: _topic_and_lists,
    events.accepted_answer_changed: _topic_and_lists,
    events.status_changed: _topic_and_lists,
    events.duplicate_changed: _duplicate,
    events.topic_locked: _topic_and_lists,
    events.topic_moved: _topic_and_lists,
    events.post_visibility_changed: _topic_and_lists,
    events.topic_visibility_changed: _topic_visibility,
    events.topic_promoted: _topic_and_lists,
    events.flags_changed: _topic_only,
    events.metoo_changed: _topic_only,
    events.vote_changed: _topic_only,
    events.follow_changed: _topic_only,
}


def stale_scopes(signal, kwargs: Mapping[str, Any]) -> set[str]:
    """The scopes the event ``signal`` sent with ``kwargs`` makes stale (none if unmapped)."""
    mapping = STALE_BY_EVENT.get(signal)
    return mapping(kwargs) if mapping is not None else set()


def expire_for(signal, kwargs: Mapping[str, Any]) -> None:
    """Expire what the event changes; remember that its actor changed the lists."""
    scopes = stale_scopes(signal, kwargs)
    if not scopes:
        return
    expire(*scopes)
    actor = kwargs.get("actor")
    if LISTS in scopes and getattr(actor, "pk", None) and list_lag() and not _off():
        _cache().set(f"{WROTE_KEY}:{actor.pk}", 1, timeout=int(list_lag()) + 1)


def wrote_recently(user) -> bool:
    """True while the lists may still lag behind a change ``user`` made (see the module)."""
    if not getattr(user, "is_authenticated", False) or not list_lag() or _off():
        return False
    return _cache().get(f"{WROTE_KEY}:{user.pk}") is not None


def _on_event(sender, signal=None, **kwargs) -> None:
    expire_for(signal, kwargs)


def _on_page_change(sender, instance=None, **kwargs) -> None:
    scopes = {FAQ}
    if instance is not None and instance.pk:
        from forum.models import Topic

        linked = set(Topic.objects.filter(faq_page_id=instance.pk).values_list("pk", flat=True))
        if getattr(instance, "source_topic_id", None):
            linked.add(instance.source_topic_id)  # the article promoted from it (banner)
        scopes |= {topic_scope(pk) for pk in linked}
    transaction.on_commit(lambda: expire(*scopes))
    expire(*scopes)


def _on_category_saved(sender, instance=None, raw=False, **kwargs) -> None:
    if not raw:
        transaction.on_commit(lambda: expire(SITE))
        expire(SITE)


def _on_member_changed(sender, instance=None, created=False, update_fields=None, raw=False, **kwargs) -> None:
    """A member's name or picture shows on every post they wrote and on list rows."""
    if raw or created or instance is None:
        return
    shown = {"username", "display_name", "first_name", "last_name", "avatar", "is_staff", "is_active"}
    if update_fields is not None and not (set(update_fields) & shown):
        return
    _expire_member_pages(instance.pk)


def _on_member_deleted(sender, instance=None, **kwargs) -> None:
    if instance is not None:
        _expire_member_pages(instance.pk)


def _expire_member_pages(user_pk: int) -> None:
    from forum.models import Post

    pks = set(Post.objects.filter(author_id=user_pk).values_list("topic_id", flat=True).distinct())
    scopes = {topic_scope(pk) for pk in pks} | {LISTS}
    transaction.on_commit(lambda: expire(*scopes))
    expire(*scopes)


def connect() -> None:
    """Connect the map above to the signals (from ``ForumConfig.ready``)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save, pre_delete

    from wagtail.signals import page_published, page_unpublished

    from forum.models import Category

    for signal in STALE_BY_EVENT:
        signal.connect(_on_event, dispatch_uid=f"forum.cache.expire.{id(signal)}")
    page_published.connect(_on_page_change, dispatch_uid="forum.cache.page_published")
    page_unpublished.connect(_on_page_change, dispatch_uid="forum.cache.page_unpublished")
    post_save.connect(_on_category_saved, sender=Category, dispatch_uid="forum.cache.category_saved")
    post_delete.connect(_on_category_saved, sender=Category, dispatch_uid="forum.cache.category_deleted")
    user_model = get_user_model()
    post_save.connect(_on_member_changed, sender=user_model, dispatch_uid="forum.cache.member_saved")
    pre_delete.connect(_on_member_deleted, sender=user_model, dispatch_uid="forum.cache.member_deleted")


# --- bounded keys ----------------------------------------------------------------------------


def page_number(value: str) -> str | None:
    """A page number 1-1000 (a bounded value for a cache key), else None."""
    return value if value.isdigit() and 1 <= int(value) <= 1000 and not value.startswith("0") else None


def choice(*allowed: str) -> Callable[[str], str | None]:
    allowed_set = frozenset(allowed)
    return lambda value: value if value in allowed_set else None


def slug_value(max_length: int = 50) -> Callable[[str], str | None]:
    pattern = re.compile(rf"^[-a-z0-9_]{{1,{max_length}}}$")
    return lambda value: value if pattern.match(value) else None


def canonical_query(request: HttpRequest, params: Mapping[str, Callable[[str], str | None]]) -> tuple | None:
    """The request's query as ``((name, value), ...)`` in a fixed order, each value normalised by
    ``params[name]``; None when it has any other parameter, a repeated one or a value that does
    not normalise (such a request must not create a cache entry). Empty values are dropped."""
    out = []
    for name, values in request.GET.lists():
        normalise = params.get(name)
        if normalise is None or len(values) != 1:
            return None
        if values[0] == "":
            continue
        value = normalise(values[0])
        if value is None:
            return None
        out.append((name, value))
    return tuple(sorted(out))


def do_not_store(request: HttpRequest) -> None:
    """Tell the page cache not to store this response (a value in the address turned out
    unknown, say an unknown tag): only addresses of real content become cache entries."""
    setattr(request, _NO_STORE_ATTR, True)


def storable(request: HttpRequest) -> bool:
    """False once ``do_not_store`` was called for this request."""
    return not getattr(request, _NO_STORE_ATTR, False)


# --- the anonymous page cache ---------------------------------------------------------------


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or _off():
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def anonymous_page_cache(
    *,
    scopes: Iterable[str] | Callable[..., Iterable[str]],
    params: Mapping[str, Callable[[str], str | None]] | None = None,
    on_hit: Callable[..., None] | None = None,
    version: Callable[[], Any] | None = None,
):
    """Serve anonymous visitors the cached page while its ``scopes`` are unchanged.

    ``scopes``: the scopes the page shows, or a function of the view's arguments returning them.
    ``params``: the query parameters the page reads, each with its normaliser (see
    ``canonical_query``). ``version()``, when given, names one more thing the page depends on."""
    params = dict(params or {})

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not _cacheable_request(request):
                return _vary(view(request, *args, **kwargs))
            query = canonical_query(request, params)
            if query is None:
                return _vary(view(request, *args, **kwargs))
            page_scopes = scopes(request, *args, **kwargs) if callable(scopes) else scopes
            current = versions(SITE, *page_scopes)
            if version is not None:
                current = f"{current}.{version()}"
            address = f"{request.scheme}://{request.get_host()}{request.path}?{query!r}"
            key = f"{PAGE_KEY}:{current}:{hashlib.sha256(address.encode()).hexdigest()[:40]}"
            cached = _cache().get(key)
            if cached is not None:
                status, headers, packed = cached
                response = HttpResponse(_fill_token_holes(request, zlib.decompress(packed)), status=status)
                for name, value in headers:
                    response[name] = value
                response[HEADER] = "hit"
                if on_hit is not None:
                    on_hit(request, *args, response=response, **kwargs)
                return _vary(response)
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and not response.streaming
                and not response.cookies
                and not response.has_header("Cache-Control")
                and storable(request)
            ):
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                content = _with_token_holes(request, response.content)
                if content is not None:
                    headers = [(k, v) for k, v in response.items() if k.lower() not in {"set-cookie", "vary"}]
                    # Compressed: a topic page of 28 KB keeps in about 6 KB (a per-process cache
                    # holds five times the pages, Redis sends a fifth), for about 0.1 ms each way.
                    packed = zlib.compress(content, 1)
                    _cache().set(key, (response.status_code, headers, packed), _timeout())
                    response[HEADER] = "miss"
            return _vary(response)

        return wrapper

    return decorator


# A page with a form (the FAQ article's "Was this helpful?") carries the visitor's CSRF token, the
# one part of it that is not the same for every visitor. It is kept with a hole where the token
# was, and each visitor served from the cache gets a token of their own in the hole (and the
# cookie that goes with it, set by CsrfViewMiddleware as for a rendered page).
_TOKEN_INPUT = re.compile(rb'(<input type="hidden" name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{64})(">)')
_TOKEN_LIKE = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
_TOKEN_HOLE = b"\x00csrf-token\x00"


def _with_token_holes(request: HttpRequest, content: bytes) -> bytes | None:
    """``content`` as the page cache keeps it: each CSRF token of this visitor's in a hidden
    form field replaced by a hole; None (do not keep) when the token is anywhere else."""
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return content  # the page used no token
    secret = request.META.get("CSRF_COOKIE")
    if settings.CSRF_USE_SESSIONS or not secret or _TOKEN_HOLE in content:
        return None
    holed = _TOKEN_INPUT.sub(rb"\1" + _TOKEN_HOLE + rb"\3", content)
    # Anything else that is this visitor's token (a data attribute, a script) would be served
    # to everyone: such a page is not kept.
    for candidate in _TOKEN_LIKE.findall(holed):
        if _unmask_cipher_token(candidate.decode()) == secret:
            return None
    if secret.encode() in holed:
        return None
    return holed


def _fill_token_holes(request: HttpRequest, content: bytes) -> bytes:
    if _TOKEN_HOLE not in content:
        return content
    return content.replace(_TOKEN_HOLE, get_token(request).encode())


def _vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ("Cookie",))
    return response


# --- parts shared by every visitor --------------------------------------------------------


def _part_key(prefix: str, name: str, scopes: Iterable[str], parts: Iterable[Any]) -> str:
    digest = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:40]
    return f"{prefix}:{name}:{versions(SITE, *scopes)}:{digest}"


def content_fragment(
    name: str, parts: Iterable[Any] | None, render: Callable[[], str], *, scopes: Iterable[str]
) -> SafeString:
    """HTML that is the same for everyone who may see it, rendered once per version of
    ``scopes``. ``parts`` must name everything else the HTML depends on (bounded values: the
    address's canonical query, what the visitor may see); None renders without the cache. Kept
    at most ``FORUM_PAGE_CACHE_SECONDS``. ``render`` must return HTML that is safe as it is:
    Django's templates (auto-escaping) made it."""
    if _off() or parts is None:
        return mark_safe(render())  # noqa: S308 - rendered by an auto-escaping template
    key = _part_key(FRAGMENT_KEY, name, scopes, parts)
    html = _cache().get(key)
    if html is None:
        html = str(render())
        _cache().set(key, html, _timeout())
    return mark_safe(html)  # noqa: S308 - rendered by an auto-escaping template, stored as is


def content_object(
    name: str, parts: Iterable[Any], compute: Callable[[], Any], *, scopes: Iterable[str]
) -> Any:
    """A value read from the content (model instances, lists, counts), computed once per
    version of ``scopes`` and kept like a fragment. Each read unpickles a fresh copy, so callers
    may set attributes on what they get (never save it: counters in it may lag)."""
    if _off():
        return compute()
    key = _part_key(OBJECT_KEY, name, scopes, parts)
    value = _cache().get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        _cache().set(key, value, _timeout())
    return value


def fragment_context(*scopes: str, request: HttpRequest | None = None) -> dict[str, Any]:
    """What a template's ``{% cache fragment_seconds "name" ... fragment_version %}`` needs to
    keep a visitor-independent fragment until ``scopes`` change (seconds 0: not kept). A page
    rendered for the anonymous page cache keeps no fragments: the page itself is kept, with
    the same versions, and its fragments would only crowd it out of a per-process cache."""
    anonymous = request is not None and not getattr(request.user, "is_authenticated", False)
    seconds = 0 if _off() or anonymous else _timeout()
    return {"fragment_seconds": seconds, "fragment_version": versions(SITE, *scopes) if seconds else ""}


def count_topic_view(request: HttpRequest, pk: int, *args, **kwargs) -> None:
    """``on_hit`` for the topic page: a page served from the cache still counts as a view."""
    from forum.models import Topic
    from forum.services.views import topic_record_view

    topic_record_view(request=request, topic=Topic(pk=pk))
