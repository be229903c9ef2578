"""Import a Stack Exchange data dump folder into the forum.

Rules (the README's "Importing a Stack Exchange site" says the same for operators):

* A dump folder is one site (``beer.stackexchange.com/`` holding ``Posts.xml`` and, optionally,
  ``PostLinks.xml``, ``Users.xml`` and ``Tags.xml``). The whole site becomes **one category**
  (named after the site unless ``category_name`` is given); the site's tags become topic tags.
  One category per site rather than per tag group because Stack Exchange tags overlap freely:
  a question tagged ``hops`` and ``history`` belongs to no single group, and our tag filter
  already gives the finer cut.
* Questions (``PostTypeId=1``) become topics whose first post is the question body; answers
  (``PostTypeId=2``) become replies. Other post types (tag wikis, nominations) are ignored.
* ``AcceptedAnswerId`` becomes ``Topic.accepted_answer`` with status *answered*; the dump has no
  acceptance date, so ``answered_at`` is the accepted answer's creation date. A question with a
  ``ClosedDate`` and no accepted answer is *closed*. ``PostLinks`` rows with ``LinkTypeId=3``
  (duplicate; ``PostId`` is the duplicate, ``RelatedPostId`` the original) set
  ``Topic.duplicate_of`` and status *duplicate*; links whose ends are not both in the dump are
  reported and skipped.
* ``Score`` becomes each post's ``vote_count``; a topic's ``vote_count`` is, as the model says,
  the sum of its replies' votes. ``ViewCount`` becomes ``view_count``; dates are kept.
* Authors become **placeholder users** (``is_placeholder=True``, an unusable password, no email
  address): they exist so that posts show who wrote them, and cannot sign in. Their username is
  ``se-<site label>-<id>`` (e.g. ``se-beer-7``); the display name comes from ``Users.xml`` when
  present, else "<Site> user <id>". A real account that already holds such a username is never
  used: the post is then imported without an author.
* Bodies are foreign HTML and go through ``forum.markup.render_html`` (the one sanitiser); the
  sanitised HTML is also stored as the post's source.
* Idempotent: every topic and post carries ``external_id = "<site>:<Id>"``; rows already
  imported are skipped, so a second run adds nothing (and a longer dump of the same site adds
  only what is new).
* Streaming: ``iterparse`` with element clearing and ``bulk_create`` in batches of
  ``batch_size`` rows, one transaction per batch. Memory stays flat whatever the dump's size,
  except for one pair of integers per accepted answer (to link answers to their question).
* Malformed rows (a missing or non-numeric Id, a bad date, a question without a title, an answer
  whose question is missing) are reported and skipped; an XML syntax error stops reading that
  file (everything before it is kept) and is reported too.
* Denormalised counters (replies, last reply, topic votes, the category's topic count) are set
  in bulk at the end with one UPDATE each.

The search index is not touched here: bulk inserts send no signals, so the caller (the
``import_stackexchange`` command) rebuilds the index once at the end.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import xml.etree.ElementTree as ET  # noqa: S405 - dumps are operator-supplied files, not user input
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.text import slugify

from taggit.models import Tag

from accounts.models import User
from forum import markup
from forum.models import Category, Post, TaggedTopic, Topic

QUESTION = "1"
ANSWER = "2"
DUPLICATE_LINK = "3"
MAX_TITLE = Topic._meta.get_field("title").max_length
MAX_TAG = Tag._meta.get_field("name").max_length
MAX_PROBLEMS_KEPT = 200
_TAGS_ANGLE = re.compile(r"<([^<>]+)>")


class DumpError(Exception):
    """The folder is not a Stack Exchange dump we can read (e.g. no Posts.xml)."""


class MalformedRow(Exception):
    """One row cannot be imported; the message says why."""


@dataclass
class ImportStats:
    site: str = ""
    rows_read: int = 0
    users_created: int = 0
    tags_created: int = 0
    topics_created: int = 0
    replies_created: int = 0
    accepted_set: int = 0
    duplicates_set: int = 0
    links_unresolved: int = 0
    already_imported: int = 0
    ignored_post_types: int = 0
    malformed: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def created(self) -> int:
        return self.topics_created + self.replies_created

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0


def parse_date(value: str | None) -> dt.datetime:
    """Stack Exchange dates are ISO 8601 in UTC without a zone ("2014-01-21T20:26:05.383")."""
    if not value:
        raise MalformedRow("missing CreationDate")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedRow(f"bad date {value[:40]!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_int(value: str | None, name: str, *, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            raise MalformedRow(f"missing {name}")
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise MalformedRow(f"{name} is not a number ({value[:20]!r})") from exc


def parse_tags(value: str | None) -> list[str]:
    """``<a><b>`` (classic dumps) or ``|a|b|`` (dumps since 2023) to tag names."""
    if not value:
        return []
    names = _TAGS_ANGLE.findall(value) if "<" in value else value.split("|")
    seen: dict[str, None] = {}
    for name in names:
        name = name.strip()[:MAX_TAG]
        if name:
            seen.setdefault(name, None)
    return list(seen)


def iter_rows(path: Path, on_error: Callable[[str], None]) -> Iterator[dict[str, str]]:
    """Yield each ``<row>``'s attributes, clearing parsed elements so memory stays flat."""
    try:
        context = ET.iterparse(path, events=("start", "end"))  # noqa: S314
        root = None
        for event, elem in context:
            if event == "start":
                if root is None:
                    root = elem
                continue
            if elem.tag == "row":
                yield dict(elem.attrib)
                root.clear()
    except ET.ParseError as exc:
        on_error(f"{path.name}: XML error ({exc}); the rest of this file was not read")


def site_label(site: str) -> str:
    """``beer.stackexchange.com`` -> ``beer``; ``beer.meta.stackexchange.com`` -> ``beer-meta``."""
    short = re.sub(r"\.(stackexchange\.com|com|net|org)$", "", site.lower())
    return slugify(short.replace(".", "-")) or "site"


class StackExchangeImporter:
    """Imports one site folder. ``run()`` returns the figures; ``log`` receives progress lines."""

    def __init__(
        self,
        folder: Path | str,
        *,
        site: str | None = None,
        category_name: str | None = None,
        batch_size: int = 500,
        log: Callable[[str], None] = print,
        progress_every: float = 2.0,
    ) -> None:
        self.folder = Path(folder)
        if not (self.folder / "Posts.xml").is_file():
            raise DumpError(f"{self.folder} has no Posts.xml: not a Stack Exchange dump folder")
        if batch_size < 1:
            raise DumpError("batch size must be at least 1")
        self.site = (site or self.folder.resolve().name).strip()
        if not self.site or len(self.site) > 40:
            raise DumpError("the site name must be 1 to 40 characters (it prefixes every external id)")
        self.label = site_label(self.site)
        self.category_name = (category_name or self.label.replace("-", " ").title())[:80]
        self.batch_size = batch_size
        self.log = log
        self.progress_every = progress_every
        self.stats = ImportStats(site=self.site)
        self._user_pks: dict[int, int | None] = {}
        self._tag_pks: dict[str, int] = {}
        self._display_names: dict[int, str] = {}
        self._accepted: dict[int, int] = {}  # answer Id -> question Id
        self._started = 0.0
        self._last_progress = 0.0

    # --- public ----------------------------------------------------------------------------

    def run(self) -> ImportStats:
        self._started = time.perf_counter()
        self._last_progress = self._started
        self.category = self._ensure_category()
        if (self.folder / "Tags.xml").is_file():
            self._import_tags()
        if (self.folder / "Users.xml").is_file():
            self._import_users()
        self._import_posts(QUESTION)
        self._import_posts(ANSWER)
        if (self.folder / "PostLinks.xml").is_file():
            self._import_duplicates()
        self._update_counters()
        self.stats.seconds = time.perf_counter() - self._started
        return self.stats

    def external_id(self, row_id: int) -> str:
        return f"{self.site}:{row_id}"

    # --- helpers ---------------------------------------------------------------------------

    def _problem(self, message: str) -> None:
        self.stats.malformed += 1
        if len(self.stats.problems) < MAX_PROBLEMS_KEPT:
            self.stats.problems.append(message)
        self.log(f"  skipped: {message}")

    def _progress(self, what: str, done: int, *, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_progress < self.progress_every:
            return
        self._last_progress = now
        elapsed = now - self._started
        rate = self.stats.rows_read / elapsed if elapsed else 0.0
        self.log(
            f"  {what}: {done:,} rows, {self.stats.topics_created:,} topics and "
            f"{self.stats.replies_created:,} replies created, {rate:,.0f} rows/s"
        )

    def _batches(self, filename: str, what: str) -> Iterator[list[dict[str, str]]]:
        batch: list[dict[str, str]] = []
        done = 0
        for row in iter_rows(self.folder / filename, self._problem):
            batch.append(row)
            done += 1
            if filename == "Posts.xml" and what == "questions":
                self.stats.rows_read += 1
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
                self._progress(what, done)
        if batch:
            yield batch
        self._progress(what, done, force=True)

    def _ensure_category(self) -> Category:
        slug = slugify(self.category_name)[:80] or self.label
        category = (
            Category.objects.filter(slug=slug).first()
            or Category.objects.filter(name=self.category_name).first()
        )
        if category is None:
            category = Category.objects.create(
                name=self.category_name,
                slug=slug,
                description=(
                    f"Questions and answers imported from {self.site} (https://{self.site}/), "
                    "user content licensed CC BY-SA."
                )[:1000],
                order=Category.objects.count() + 1,
            )
        return category

    def _username(self, user_id: int) -> str:
        return f"se-{self.label}-{user_id}"[:150]

    def _display_name(self, user_id: int) -> str:
        return self._display_names.get(user_id) or f"{self.category_name} user {user_id}"[:80]

    def _ensure_users(self, ids: set[int], joined: dict[int, dt.datetime] | None = None) -> None:
        """Make sure a placeholder exists for each Stack Exchange user id; fill ``_user_pks``."""
        missing_ids = {i for i in ids if i not in self._user_pks}
        if not missing_ids:
            return
        if len(self._user_pks) > 100_000:  # keep memory flat on huge sites
            self._user_pks.clear()
        by_name = {self._username(i): i for i in missing_ids}
        found = dict(
            User.objects.filter(username__in=by_name, is_placeholder=True).values_list("username", "pk")
        )
        taken = set(
            User.objects.filter(username__in=[n for n in by_name if n not in found]).values_list(
                "username", flat=True
            )
        )
        new = [
            User(
                username=name,
                display_name=self._display_name(user_id),
                email="",
                password=make_password(None),
                is_placeholder=True,
                date_joined=(joined or {}).get(user_id) or dt.datetime.now(dt.UTC),
            )
            for name, user_id in by_name.items()
            if name not in found and name not in taken
        ]
        if new:
            User.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
            found.update(
                User.objects.filter(username__in=[u.username for u in new], is_placeholder=True).values_list(
                    "username", "pk"
                )
            )
            self.stats.users_created += len(new)
        for name, user_id in by_name.items():
            self._user_pks[user_id] = found.get(name)

    def _ensure_tags(self, names: set[str]) -> None:
        missing = {n for n in names if n not in self._tag_pks}
        if not missing:
            return
        self._tag_pks.update(Tag.objects.filter(name__in=missing).values_list("name", "pk"))
        for name in sorted(n for n in missing if n not in self._tag_pks):
            base = slugify(name)[:90] or "tag"
            slug, n = base, 1
            while Tag.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            self._tag_pks[name] = Tag.objects.create(name=name, slug=slug).pk
            self.stats.tags_created += 1

    # --- stages ----------------------------------------------------------------------------

    def _import_tags(self) -> None:
        for batch in self._batches("Tags.xml", "tags"):
            names = {row["TagName"].strip()[:MAX_TAG] for row in batch if (row.get("TagName") or "").strip()}
            with transaction.atomic():
                self._ensure_tags(names)

    def _import_users(self) -> None:
        for batch in self._batches("Users.xml", "users"):
            ids: set[int] = set()
            joined: dict[int, dt.datetime] = {}
            for row in batch:
                try:
                    user_id = parse_int(row.get("Id"), "Id")
                    joined[user_id] = parse_date(row.get("CreationDate"))
                except MalformedRow as exc:
                    self._problem(f"Users.xml row Id={row.get('Id')!r}: {exc}")
                    continue
                name = (row.get("DisplayName") or "").strip()
                if name:
                    self._display_names[user_id] = name[:80]
                ids.add(user_id)
            with transaction.atomic():
                self._ensure_users(ids, joined)
            self._display_names.clear()

    def _parse_post(self, row: dict[str, str]) -> dict:
        post_id = parse_int(row.get("Id"), "Id")
        kind = row.get("PostTypeId")
        parsed = {
            "id": post_id,
            "created": parse_date(row.get("CreationDate")),
            "score": parse_int(row.get("Score"), "Score", required=False) or 0,
            "owner": parse_int(row.get("OwnerUserId"), "OwnerUserId", required=False),
            "body": row.get("Body"),
            "edited": parse_date(row["LastEditDate"]) if row.get("LastEditDate") else None,
        }
        if parsed["body"] is None:
            raise MalformedRow("missing Body")
        if kind == QUESTION:
            title = " ".join((row.get("Title") or "").split())
            if not title:
                raise MalformedRow("question without a Title")
            parsed.update(
                title=title[:MAX_TITLE],
                tags=parse_tags(row.get("Tags")),
                views=max(parse_int(row.get("ViewCount"), "ViewCount", required=False) or 0, 0),
                accepted=parse_int(row.get("AcceptedAnswerId"), "AcceptedAnswerId", required=False),
                closed=bool(row.get("ClosedDate")),
                activity=(
                    parse_date(row["LastActivityDate"]) if row.get("LastActivityDate") else parsed["created"]
                ),
            )
        else:
            parsed["parent"] = parse_int(row.get("ParentId"), "ParentId")
        return parsed

    def _parse_batch(self, batch: list[dict[str, str]], kind: str) -> list[dict]:
        rows = []
        for row in batch:
            row_kind = row.get("PostTypeId")
            if row_kind != kind:
                if kind == QUESTION and row_kind not in (QUESTION, ANSWER):
                    self.stats.ignored_post_types += 1
                continue
            try:
                rows.append(self._parse_post(row))
            except MalformedRow as exc:
                self._problem(f"Posts.xml row Id={row.get('Id')!r}: {exc}")
        return rows

    def _existing(self, model: type[Topic] | type[Post], rows: list[dict]) -> set[str]:
        ids = [self.external_id(r["id"]) for r in rows]
        return set(model.objects.filter(external_id__in=ids).values_list("external_id", flat=True))

    def _import_posts(self, kind: str) -> None:
        what = "questions" if kind == QUESTION else "answers"
        for batch in self._batches("Posts.xml", what):
            rows = self._parse_batch(batch, kind)
            if kind == QUESTION:
                for row in rows:
                    if row["accepted"]:
                        self._accepted[row["accepted"]] = row["id"]
            if not rows:
                continue
            with transaction.atomic():
                if kind == QUESTION:
                    self._create_topics(rows)
                else:
                    self._create_replies(rows)

    def _render(self, body: str) -> markup.Rendered:
        return markup.render_html(body)

    def _create_topics(self, rows: list[dict]) -> None:
        existing = self._existing(Topic, rows)
        self.stats.already_imported += len(existing)
        rows = [r for r in rows if self.external_id(r["id"]) not in existing]
        if not rows:
            return
        self._ensure_users({r["owner"] for r in rows if r["owner"] is not None})
        self._ensure_tags({name for r in rows for name in r["tags"]})
        topics = [
            Topic(
                kind=Topic.Kind.QUESTION,
                title=r["title"],
                slug=slugify(r["title"])[:80].strip("-") or "topic",
                author_id=self._user_pks.get(r["owner"]),
                category_id=self.category.pk,
                status=Topic.Status.CLOSED if r["closed"] else Topic.Status.OPEN,
                view_count=r["views"],
                created_at=r["created"],
                last_activity_at=max(r["activity"], r["created"]),
                external_id=self.external_id(r["id"]),
            )
            for r in rows
        ]
        Topic.objects.bulk_create(topics)
        posts = []
        for topic, r in zip(topics, rows, strict=True):
            rendered = self._render(r["body"])
            posts.append(
                Post(
                    topic_id=topic.pk,
                    author_id=topic.author_id,
                    source=rendered.html,
                    html=rendered.html,
                    text=rendered.text,
                    vote_count=r["score"],
                    created_at=r["created"],
                    edited_at=r["edited"],
                    external_id=self.external_id(r["id"]),
                )
            )
        Post.objects.bulk_create(posts)
        for topic, post in zip(topics, posts, strict=True):
            topic.first_post_id = post.pk
        Topic.objects.bulk_update(topics, ["first_post"])
        TaggedTopic.objects.bulk_create(
            [
                TaggedTopic(content_object_id=topic.pk, tag_id=self._tag_pks[name])
                for topic, r in zip(topics, rows, strict=True)
                for name in r["tags"]
            ]
        )
        self.stats.topics_created += len(topics)

    def _create_replies(self, rows: list[dict]) -> None:
        existing = self._existing(Post, rows)
        self.stats.already_imported += len(existing)
        rows = [r for r in rows if self.external_id(r["id"]) not in existing]
        if not rows:
            return
        parents = dict(
            Topic.objects.filter(external_id__in={self.external_id(r["parent"]) for r in rows}).values_list(
                "external_id", "pk"
            )
        )
        kept = []
        for r in rows:
            topic_pk = parents.get(self.external_id(r["parent"]))
            if topic_pk is None:
                self._problem(f"Posts.xml row Id='{r['id']}': its question {r['parent']} is not in the dump")
            else:
                r["topic_pk"] = topic_pk
                kept.append(r)
        if not kept:
            return
        self._ensure_users({r["owner"] for r in kept if r["owner"] is not None})
        posts = []
        for r in kept:
            rendered = self._render(r["body"])
            posts.append(
                Post(
                    topic_id=r["topic_pk"],
                    author_id=self._user_pks.get(r["owner"]),
                    source=rendered.html,
                    html=rendered.html,
                    text=rendered.text,
                    vote_count=r["score"],
                    created_at=r["created"],
                    edited_at=r["edited"],
                    external_id=self.external_id(r["id"]),
                )
            )
        Post.objects.bulk_create(posts)
        self.stats.replies_created += len(posts)
        accepted = []
        for r, post in zip(kept, posts, strict=True):
            question_id = self._accepted.pop(r["id"], None)
            if question_id is not None and self.external_id(question_id) in parents:
                accepted.append(
                    Topic(
                        pk=r["topic_pk"],
                        accepted_answer_id=post.pk,
                        answered_at=post.created_at,
                        status=Topic.Status.ANSWERED,
                    )
                )
        if accepted:
            Topic.objects.bulk_update(accepted, ["accepted_answer", "answered_at", "status"])
            self.stats.accepted_set += len(accepted)

    def _import_duplicates(self) -> None:
        for batch in self._batches("PostLinks.xml", "links"):
            pairs = []
            for row in batch:
                if row.get("LinkTypeId") != DUPLICATE_LINK:
                    continue
                try:
                    pairs.append(
                        (
                            parse_int(row.get("PostId"), "PostId"),
                            parse_int(row.get("RelatedPostId"), "RelatedPostId"),
                        )
                    )
                except MalformedRow as exc:
                    self._problem(f"PostLinks.xml row Id={row.get('Id')!r}: {exc}")
            if not pairs:
                continue
            ids = {self.external_id(i) for pair in pairs for i in pair}
            topics = {
                t.external_id: t
                for t in Topic.objects.filter(external_id__in=ids).only(
                    "pk", "external_id", "status", "duplicate_of_id"
                )
            }
            changed = []
            for dup_id, original_id in pairs:
                dup = topics.get(self.external_id(dup_id))
                original = topics.get(self.external_id(original_id))
                if dup is None or original is None or dup.pk == original.pk:
                    self.stats.links_unresolved += 1
                    continue
                if dup.duplicate_of_id == original.pk and dup.status == Topic.Status.DUPLICATE:
                    continue
                dup.duplicate_of_id = original.pk
                dup.status = Topic.Status.DUPLICATE
                changed.append(dup)
            if changed:
                with transaction.atomic():
                    Topic.objects.bulk_update(changed, ["duplicate_of", "status"])
                self.stats.duplicates_set += len(changed)

    def _update_counters(self) -> None:
        """Replies, last reply, topic votes and the category's topic count, one UPDATE each."""
        replies = Post.objects.visible().filter(topic=OuterRef("pk")).exclude(pk=OuterRef("first_post_id"))
        with transaction.atomic():
            topics = Topic.objects.filter(category=self.category)
            topics.update(
                reply_count=Coalesce(
                    Subquery(replies.order_by().values("topic").annotate(n=Count("pk")).values("n")[:1]), 0
                ),
                vote_count=Coalesce(
                    Subquery(
                        replies.order_by().values("topic").annotate(s=Sum("vote_count")).values("s")[:1]
                    ),
                    0,
                ),
                last_reply_at=Subquery(replies.order_by("-created_at").values("created_at")[:1]),
            )
            topics.filter(last_reply_at__gt=F("last_activity_at")).update(last_activity_at=F("last_reply_at"))
            Category.objects.filter(pk=self.category.pk).update(
                topic_count=Topic.objects.visible().filter(category=self.category).count()
            )
