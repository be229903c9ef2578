"""Mentions: polling sources, taking entries in, and the staff's triage actions.

Rules:

* ``poll_source``: one feed, fetched with ``fetching.fetch`` (conditional GET, limits, no private
  addresses) and parsed with feedparser. An entry becomes a mention when it has an http(s)
  address that is not already known and its title or text contains one of the source's
  keywords. Its HTML goes through the community's sanitiser (``forum.markup.clean_html``).
  A source that fails keeps its error, counts the failures in a row and backs off; it never
  stops the others (``poll_due`` catches per source).
* A mention whose text is near-identical to one from the last ``REPOST_WINDOW`` (SimHash within 3
  bits) is kept as a repost of it (``duplicate_of``), out of the queue, and the original's
  ``repost_count`` moves.
* Triage is for staff (``permissions.check_triage``). Statuses: new -> needs reply -> replied,
  brought home or dismissed; dismissed mentions can be reopened. ``mention_reply`` records the
  reply made elsewhere; ``mention_bring_home`` creates a community topic whose author is a
  placeholder named after the outside author, with attribution and a link to the original; a
  recorded reply becomes its official answer. The first reply or bring-home sets
  ``first_response_at`` (the responsiveness report uses it). Every action is a ``MentionEvent``.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import Truncator, slugify

import feedparser
import numpy as np

from forum import markup
from forum.models import Category, Topic
from mentions import classify, fetching, matching, permissions
from mentions.models import Mention, MentionEvent, Source

logger = logging.getLogger(__name__)

REPOST_WINDOW = timedelta(days=30)
REPOST_CANDIDATES = 20_000
MAX_ENTRIES_PER_POLL = 500
MAX_TEXT_LENGTH = 20_000
MAX_HTML_LENGTH = 60_000
REPLY_MAX_LENGTH = 5000
MIN_POLL_MINUTES = 5
MAX_POLL_MINUTES = 7 * 24 * 60


@dataclass
class PollResult:
    source: Source
    new: int = 0
    skipped: int = 0
    reposts: int = 0
    not_modified: bool = False
    error: str = ""
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class Entry:
    """One item from a feed or from the API, before it becomes a mention."""

    url: str
    title: str = ""
    html: str = ""
    author_name: str = ""
    author_url: str = ""
    published_at: datetime | None = None
    external_id: str = ""


# --- sources ------------------------------------------------------------------------------


def validate_source_fields(*, name: str, feed_url: str, keywords: str, poll_minutes: int) -> None:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = ["Give the source a name."]
    try:
        fetching.validate_feed_url(feed_url)
    except fetching.FetchError as exc:
        errors["feed_url"] = [str(exc)]
    problems = matching.keyword_errors(keywords)
    if problems:
        errors["keywords"] = problems
    if not MIN_POLL_MINUTES <= int(poll_minutes or 0) <= MAX_POLL_MINUTES:
        errors["poll_minutes"] = [f"Poll between every {MIN_POLL_MINUTES} minutes and once a week."]
    if errors:
        raise ValidationError(errors)


def due_sources(now: datetime | None = None):
    now = now or timezone.now()
    return Source.objects.filter(is_active=True).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    )


def poll_due(*, now: datetime | None = None) -> list[PollResult]:
    """Poll every active source that is due; one failing source never stops the others."""
    return [poll_source(source) for source in due_sources(now).order_by("next_poll_at", "pk")]


def poll_source(source: Source) -> PollResult:
    result = PollResult(source=source)
    now = timezone.now()
    try:
        fetched = fetching.fetch(source.feed_url, etag=source.etag, last_modified=source.last_modified)
        if fetched.status == 304:
            result.not_modified = True
            entries: list[Entry] = []
        else:
            entries = parse_feed(fetched.body, content_type=fetched.content_type)
        for mention in ingest(entries, source=source, keywords=source.keyword_list, category=source.category):
            result.mentions.append(mention)
        result.new = sum(1 for m in result.mentions if m.duplicate_of_id is None)
        result.reposts = len(result.mentions) - result.new
        result.skipped = len(entries) - len(result.mentions)
    except fetching.FetchError as exc:
        result.error = str(exc)
    except Exception as exc:  # a bug or a feed nobody foresaw: keep it on the source, go on
        logger.exception("Polling source %s failed", source.pk)
        result.error = f"Unexpected error: {type(exc).__name__}."
    updates: dict = {"last_polled_at": now}
    if result.error:
        source.error_count += 1
        updates.update(error_count=source.error_count, last_error=result.error[:500])
    else:
        source.error_count = 0
        updates.update(error_count=0, last_error="", last_success_at=now)
        if not result.not_modified:
            updates.update(etag=fetched.etag, last_modified=fetched.last_modified)
    updates["next_poll_at"] = now + source.backoff()
    Source.objects.filter(pk=source.pk).update(**updates)
    for name, value in updates.items():
        setattr(source, name, value)
    return result


def _entry_time(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def parse_feed(body: bytes, *, content_type: str = "") -> list[Entry]:
    """Entries of an RSS or Atom document. A document that is not a feed at all is an error;
    a feed with small faults (feedparser's "bozo") still gives the entries it could read."""
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    if not parsed.entries and parsed.get("bozo") and not parsed.feed.get("title"):
        problem = parsed.get("bozo_exception")
        raise fetching.FetchError(f"This is not a feed that could be read ({type(problem).__name__}).")
    entries = []
    for item in parsed.entries[:MAX_ENTRIES_PER_POLL]:
        content = ""
        if item.get("content"):
            content = item["content"][0].get("value", "")
        content = content or item.get("summary", "")
        author_detail = item.get("author_detail") or {}
        entries.append(
            Entry(
                url=(item.get("link") or "").strip(),
                title=(item.get("title") or "").strip(),
                html=content,
                author_name=(item.get("author") or author_detail.get("name") or "").strip(),
                author_url=(author_detail.get("href") or "").strip(),
                published_at=_entry_time(item),
                external_id=(item.get("id") or "")[:500],
            )
        )
    return entries


def _http_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        return ""
    return url


class _Recent:
    """The fingerprints of the last ``REPOST_WINDOW``'s originals, read once per batch (one
    query) into a numpy array, so each new entry is compared with all of them in one vector
    operation; the texts of the few whose fingerprint is close are read when needed."""

    def __init__(self, since: datetime):
        rows = list(
            Mention.objects.filter(created_at__gte=since, duplicate_of__isnull=True)
            .order_by("-created_at", "-pk")
            .values_list("pk", "fingerprint")[:REPOST_CANDIDATES]
        )
        self.pks: list[int] = [pk for pk, _ in rows]
        self.prints = np.array([p for _, p in rows], dtype=np.int64).view(np.uint64)
        self.texts: dict[int, str] = {}

    def original_of(self, fingerprint: int, text: str) -> Mention | None:
        if not self.pks:
            return None
        if matching.is_short(text):
            close = np.flatnonzero(self.prints == np.uint64(fingerprint))
        else:
            bits = np.bitwise_count(self.prints ^ np.uint64(fingerprint))
            close = np.flatnonzero(bits <= matching.NEAR_DUPLICATE_BITS)
        candidates = [self.pks[i] for i in close[:20]]
        missing = [pk for pk in candidates if pk not in self.texts]
        if missing:
            for pk, title, body in Mention.objects.filter(pk__in=missing).values_list("pk", "title", "text"):
                self.texts[pk] = f"{title} {body}"
        for i, pk in zip(close[:20], candidates, strict=True):
            if matching.is_near_duplicate(int(self.prints[i]), self.texts.get(pk, ""), fingerprint, text):
                return Mention(pk=pk)
        return None

    def add(self, mention: Mention) -> None:
        self.pks.append(mention.pk)
        self.prints = np.append(self.prints, np.uint64(matching.to_unsigned(mention.fingerprint)))
        self.texts[mention.pk] = f"{mention.title} {mention.text}"


def ingest(
    entries: list[Entry],
    *,
    source: Source | None,
    keywords: list[str],
    category: Category | None = None,
    via: str = "",
) -> list[Mention]:
    """Keep the entries that are new and match a keyword; return the mentions made."""
    usable = []
    for entry in entries:
        url = _http_url(entry.url)
        if url:
            usable.append((entry, url, matching.url_key(url)))
    known = set(
        Mention.objects.filter(url_key__in=[key for _, _, key in usable]).values_list("url_key", flat=True)
    )
    made: list[Mention] = []
    recent = _Recent(timezone.now() - REPOST_WINDOW) if usable else None
    for entry, url, key in usable:
        if key in known:
            continue
        known.add(key)
        html = markup.clean_html(entry.html[:MAX_HTML_LENGTH])
        text = markup.html_to_text(html)[:MAX_TEXT_LENGTH]
        title = markup.html_to_text(markup.clean_html(entry.title))[:300]
        found = matching.matched_keywords(keywords, title, text) if keywords else []
        if keywords and not found:
            continue
        guess = classify.guess(title, text)
        fingerprint = matching.simhash(f"{title} {text}")
        original = recent.original_of(fingerprint, f"{title} {text}")
        mention = Mention(
            source=source,
            via=via[:80],
            url=url,
            url_key=key,
            external_id=entry.external_id[:500],
            author_name=entry.author_name[:200],
            author_url=_http_url(entry.author_url),
            published_at=entry.published_at,
            title=title,
            html=html,
            text=text,
            keywords=found,
            language=guess.language,
            kind=guess.kind,
            sentiment=guess.sentiment,
            sentiment_score=round(guess.score, 4),
            category=category,
            fingerprint=matching.to_signed(fingerprint),
            duplicate_of=original,
        )
        try:
            with transaction.atomic():
                mention.save()
                if original is not None:
                    Mention.objects.filter(pk=original.pk).update(repost_count=F("repost_count") + 1)
        except IntegrityError:  # the same address taken in by a concurrent poll
            continue
        made.append(mention)
        if original is None:
            recent.add(mention)
    if made:
        from mentions import events

        transaction.on_commit(lambda: events.mentions_created.send(sender=Mention, mentions=made))
    return made


def mention_push(
    *,
    actor,
    url: str,
    via: str,
    title: str = "",
    text: str = "",
    author_name: str = "",
    author_url: str = "",
    published_at: datetime | None = None,
    category: Category | None = None,
) -> tuple[Mention, bool]:
    """A mention found elsewhere and pushed in by another tool (the API): ``(mention, created)``.

    Staff only (``permissions.check_push``). It takes the same road as a polled entry
    (``ingest``: sanitising, classifying, repost folding), with no keywords to match: the tool
    already chose it. An address already known adds nothing and gives back the mention that
    has it (``created`` false), so a tool may safely push the same thing twice."""
    permissions.check_push(actor)
    clean_url = _http_url(url)
    if not clean_url:
        raise ValidationError({"url": ["Give the http(s) address where it was written."]})
    if not (title or "").strip() and not (text or "").strip():
        raise ValidationError({"text": ["Give the mention a title or some text."]})
    via = " ".join((via or "").split())
    if not via:
        raise ValidationError({"source": ["Say where the mention comes from."]})
    key = matching.url_key(clean_url)
    known = Mention.objects.filter(url_key=key).first()
    if known is not None:
        return known, False
    entry = Entry(
        url=clean_url,
        title=title,
        html=text,
        author_name=author_name,
        author_url=author_url,
        published_at=published_at,
    )
    made = ingest([entry], source=None, keywords=[], category=category, via=via)
    if made:
        return made[0], True
    # Taken in by a concurrent push or poll between the check and the insert.
    return Mention.objects.get(url_key=key), False


# --- triage -------------------------------------------------------------------------------

_ALLOWED = {
    Mention.Status.NEEDS_REPLY: {Mention.Status.NEW},
    Mention.Status.DISMISSED: {Mention.Status.NEW, Mention.Status.NEEDS_REPLY},
    Mention.Status.NEW: {Mention.Status.DISMISSED, Mention.Status.NEEDS_REPLY},
}


def _record(mention: Mention, actor, action: str, detail: str = "") -> None:
    MentionEvent.objects.create(mention=mention, actor=actor, action=action, detail=detail[:300])


def mention_set_status(*, actor, mention: Mention, status: str) -> Mention:
    """Move a mention to "new", "needs reply" or "dismissed" (replies and bringing home have
    their own actions)."""
    permissions.check_triage(actor)
    if status not in _ALLOWED:
        raise ValidationError("Use the reply or bring-home actions for that status.")
    if mention.status == status:
        return mention
    if mention.status not in _ALLOWED[status]:
        raise ValidationError(
            f"A mention that is “{mention.get_status_display().lower()}” cannot become "
            f"“{Mention.Status(status).label.lower()}”."
        )
    before = mention.get_status_display()
    mention.status = status
    mention.save(update_fields=["status", "updated_at"])
    _record(mention, actor, "status", f"{before} → {mention.get_status_display()}")
    return mention


def mentions_dismiss(*, actor, ids: list[int]) -> int:
    """Dismiss many open mentions at once; returns how many changed."""
    permissions.check_triage(actor)
    with transaction.atomic():
        targets = list(
            Mention.objects.select_for_update()
            .filter(pk__in=ids, status__in=[Mention.Status.NEW, Mention.Status.NEEDS_REPLY])
            .order_by("pk")
        )
        for mention in targets:
            mention.status = Mention.Status.DISMISSED
        Mention.objects.bulk_update(targets, ["status"])
        MentionEvent.objects.bulk_create(
            [
                MentionEvent(mention=m, actor=actor, action="status", detail="Dismissed in bulk")
                for m in targets
            ]
        )
    return len(targets)


def mention_assign(*, actor, mention: Mention, assignee) -> Mention:
    permissions.check_triage(actor)
    permissions.check_assignee(assignee)
    if mention.assigned_to_id == (assignee.pk if assignee else None):
        return mention
    mention.assigned_to = assignee
    mention.save(update_fields=["assigned_to", "updated_at"])
    _record(mention, actor, "assign", f"Assigned to {assignee.name}" if assignee else "Unassigned")
    return mention


def mention_set_shown(*, actor, mention: Mention, shown: bool) -> Mention:
    """Approve (or withdraw) a mention for the product pages' "what people say" list."""
    permissions.check_triage(actor)
    if shown and mention.sentiment == Mention.Sentiment.NEGATIVE and mention.kind != Mention.Kind.PRAISE:
        # Allowed, but staff should mean it: the form asks; the service only records it.
        pass
    mention.show_on_product_pages = bool(shown)
    mention.save(update_fields=["show_on_product_pages", "updated_at"])
    _record(mention, actor, "widget", "Shown on product pages" if shown else "Withdrawn from product pages")
    return mention


def _validate_reply(text: str, reply_url: str) -> tuple[str, str]:
    text = (text or "").replace("\x00", "").strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["reply_text"] = ["Write the reply you gave (or will give)."]
    elif len(text) > REPLY_MAX_LENGTH:
        errors["reply_text"] = [f"Keep the reply under {REPLY_MAX_LENGTH} characters (this is {len(text)})."]
    reply_url = (reply_url or "").strip()
    if reply_url and not _http_url(reply_url):
        errors["reply_url"] = ["Give the reply's address as an http:// or https:// link."]
    if errors:
        raise ValidationError(errors)
    return text, reply_url


def mention_reply(*, actor, mention: Mention, text: str, reply_url: str = "") -> Mention:
    """Record a reply made elsewhere (its text, its address, when and by whom)."""
    permissions.check_triage(actor)
    if mention.status == Mention.Status.BROUGHT_HOME:
        raise ValidationError("This mention is already a community topic: answer it there.")
    text, reply_url = _validate_reply(text, reply_url)
    now = timezone.now()
    with transaction.atomic():
        locked = Mention.objects.select_for_update().get(pk=mention.pk)
        locked.reply_text, locked.reply_url = text, reply_url
        locked.replied_at, locked.replied_by = now, actor
        locked.first_response_at = locked.first_response_at or now
        locked.status = Mention.Status.REPLIED
        locked.save()
        _record(locked, actor, "reply", reply_url or "Reply recorded")
    for name in ("reply_text", "reply_url", "replied_at", "replied_by", "first_response_at", "status"):
        setattr(mention, name, getattr(locked, name))
    return mention


def _placeholder_for(mention: Mention):
    """The placeholder account that stands for the outside author (one per author and site)."""
    User = get_user_model()
    name = (mention.author_name or "").strip() or "Someone elsewhere"
    host = urlsplit(mention.author_url or mention.url).hostname or "elsewhere"
    digest = hashlib.sha256(f"{host}\n{name.casefold()}".encode()).hexdigest()[:10]
    username = f"{slugify(name)[:20] or 'guest'}-{digest}"[:150]
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"display_name": Truncator(f"{name} (via {host})").chars(80), "is_placeholder": True},
    )
    if not user.is_placeholder:
        raise PermissionDenied("That name belongs to a member; bring the mention home by hand.")
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _attributed_source(mention: Mention) -> str:
    where = mention.source.name if mention.source else (mention.via or urlsplit(mention.url).hostname)
    who = mention.author_name or "someone"
    author = f"[{who}]({mention.author_url})" if mention.author_url else who
    body = mention.text or mention.title
    quoted = "\n".join(f"> {line}" if line else ">" for line in Truncator(body).chars(4000).splitlines())
    when = f" on {mention.published_at:%d %B %Y}" if mention.published_at else ""
    return f"{quoted}\n\n*Originally posted by {author} on [{where}]({mention.url}){when}.*"


def mention_bring_home(
    *, actor, mention: Mention, category: Category | None, title: str = "", kind: str = ""
) -> Topic:
    """Make the mention a community topic, asked by a placeholder for its author; a recorded
    reply becomes the topic's official answer."""
    from forum.services import posts as post_services
    from forum.services import topics as topic_services

    permissions.check_triage(actor)
    if mention.topic_id:
        raise ValidationError("This mention is already a community topic.")
    category = category or mention.category
    title = (title or mention.title or Truncator(mention.text).chars(120)).strip()
    kind = kind or (mention.kind if mention.kind in Topic.Kind.values else Topic.Kind.QUESTION)
    now = timezone.now()
    with transaction.atomic():
        locked = Mention.objects.select_for_update().get(pk=mention.pk)
        if locked.topic_id:
            raise ValidationError("This mention is already a community topic.")
        author = _placeholder_for(locked)
        topic = topic_services.topic_create(
            author=author,
            actor=actor,
            title=title,
            source=_attributed_source(locked),
            kind=kind,
            category=category,
        )
        if locked.reply_text:
            answer = post_services.post_create(author=actor, topic=topic, source=locked.reply_text)
            post_services.post_mark_official(actor=actor, post=answer)
        locked.topic = topic
        locked.status = Mention.Status.BROUGHT_HOME
        locked.first_response_at = locked.first_response_at or now
        locked.save()
        _record(locked, actor, "bring_home", f"Topic #{topic.pk}")
    mention.topic, mention.status = topic, locked.status
    return topic
