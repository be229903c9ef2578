"""A synthetic community of any size, the same for the same seed, for benchmarks and load tests.

What it makes (``generate_community --topics N``):

* ``users`` members (default N/10, at least 50, at most 5,000) with unusable passwords
  (``is_placeholder=True``: they exist to author posts and cannot sign in), and 10 categories.
* N topics. Replies per topic follow an exponential distribution with mean 8 (capped at 60);
  about one topic in 2,500 (at least one) is a long thread of 200 to 400 replies, and one of them
  has exactly 200, which the benchmarks use. Kinds, statuses, staff replies (official, about a
  quarter of topics), accepted answers, tags, views and votes vary like a real support forum's.
  Votes and views are counters only (no Vote rows), as after an import.
* Text is English from a product-support vocabulary: titles from question and problem
  templates ("How do I export reports to CSV?", "Sync fails after the update"), bodies from
  Zipf-weighted domain words and function words plus a long tail of 20,000 made-up words, so
  that common words hit thousands of topics and rare ones a handful. Fixed planted words make
  search benchmarks comparable between runs and with the peer harness: ``error`` is common,
  ``database`` mid-frequency and ``kerfuffle`` appears in exactly five topics.
* Bodies are Markdown made of paragraphs drawn from a pool (about one prose paragraph per
  topic, at most 40,000), each rendered once through ``forum.markup.render_markdown`` (the
  real write path); a body's HTML is exactly what that function makes of the whole source
  (see ``Bodies``).
* Dates: topics 10 minutes apart ending at a fixed date, replies following within hours.
* Bulk inserts in batches, one transaction each, with primary keys given up front so that
  topics point at their posts without a second pass; counters set as rows are built; no
  signals, so the caller rebuilds the search index once at the end. Every generated row has
  ``external_id = "gen:<n>"`` and the generator refuses a database that already has generated
  topics.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils.text import slugify

from taggit.models import Tag

from accounts.models import User
from forum import markup
from forum.models import Category, Post, TaggedTopic, Topic

SEED = 20240601
END_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
RARE_WORD = "kerfuffle"
RARE_TOPICS = 5
LONG_THREAD = 200
EXTERNAL_PREFIX = "gen:"
PARAGRAPH_POOL_MAX = 40_000
INSERT_BATCH = 5000  # rows per INSERT statement where the database allows as many


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


CATEGORIES = [
    ("Getting started", "Setting up your account, first steps and the basics."),
    ("Billing and plans", "Invoices, payment methods, upgrades and refunds."),
    ("Sync and backup", "Keeping your data in sync across devices, backups and restores."),
    ("Mobile apps", "The iOS and Android apps."),
    ("Integrations", "Connecting other tools: calendars, storage, chat, the API and webhooks."),
    ("Reports and export", "Dashboards, reports, CSV and PDF export."),
    ("Accounts and security", "Passwords, two-factor authentication, single sign-on, permissions."),
    ("Performance", "Slow pages, timeouts, large data sets."),
    ("Ideas", "Feature requests and suggestions."),
    ("Announcements", "News, releases and maintenance windows."),
]
TAGS = _words(
    "sync backup restore export import csv pdf api webhooks calendar email notifications ios android "
    "desktop browser login password 2fa sso permissions billing invoice refund upgrade plan reports "
    "dashboard search performance timeout offline attachments sharing team admin database error "
    "install update migration integration slack zapier storage dropbox onedrive printing language "
    "timezone dark-mode accessibility keyboard shortcuts templates tasks projects comments mobile"
)
FIRST_NAMES = _words(
    "Ada Alan Grace Linus Margaret Ken Barbara Dennis Frances Tim Radia John Mary Edsger Donald "
    "Hedy Katherine Guido Anita Niklaus Sophie Jean Lars Ingrid Ravi Priya Chen Mei Yusuf Amara "
    "Kofi Nia Mateo Lucia Sven Olga Diego Aiko Hiro Fatima Omar Leila Pablo Ines Tomas Eva Noah Zoe"
)
LAST_NAMES = _words(
    "Lovelace Turing Hopper Torvalds Hamilton Thompson Liskov Ritchie Allen Berners Perlman Backus "
    "Shaw Dijkstra Knuth Lamarr Johnson Rossum Borg Wirth Wilson Sammet Nielsen Berg Patel Sharma "
    "Wang Li Hassan Okafor Mensah Diallo Garcia Rossi Larsen Petrova Fernandez Sato Tanaka Haddad "
    "Khan Nasser Ruiz Costa Novak Horvat Fischer Dubois"
)

FUNCTION_WORDS = _words(
    "the of and to a in is it that for you i was on with as this be have are not but at by from or "
    "if can my we they an one so all would there what which when do about out up more will just "
    "then like some how no them other into could than only its also any after because these our "
    "most over where way even new want first well should very been has had still now again"
)
DOMAIN_WORDS = _words(
    "account app settings sync update version page report export file data user team project "
    "workspace dashboard button menu screen window phone tablet browser desktop login password "
    "email notification calendar invoice payment plan subscription trial upgrade refund backup "
    "restore import upload download attachment folder document template task comment message "
    "share link permission role admin owner member invite integration api token key webhook "
    "request response server connection network proxy firewall timeout delay crash freeze "
    "problem issue bug fix workaround support ticket feature option setting default filter sort "
    "search result list table column row field value format date time zone language currency "
    "chart graph pdf csv spreadsheet print preview reminder schedule recurring event meeting "
    "offline online cache storage space limit quota size large small slow fast blank empty "
    "missing duplicate wrong broken working installed enabled disabled visible hidden archived "
    "deleted restored synced shared expired locked verified encrypted android ios windows mac "
    "linux chrome firefox safari edge mobile web device profile avatar signature theme dark "
    "light mode shortcut keyboard mouse scroll click tap drag drop refresh reload restart "
    "reinstall log session cookie certificate domain sso saml ldap directory group audit history"
)
VERBS = _words(
    "export import sync share delete restore change reset connect disconnect upgrade cancel "
    "download upload print archive merge rename move copy invite remove enable disable schedule "
    "filter sort search find recover transfer"
)
OBJECTS = _words(
    "my reports|a shared folder|the calendar|old invoices|my account|team members|two-factor "
    "authentication|the mobile app|attachments|a project template|archived tasks|my workspace|"
    "notifications|the API token|recurring events|the dashboard|custom fields|a webhook|"
    "comments|my subscription|deleted files|the desktop app|single sign-on|user roles|"
    "the activity log|saved searches|email reminders|time zones|the offline copy|PDF exports",
    "|",
)
CONTEXTS = _words(
    "|| on Android| on iOS| in the browser| on Windows| on a Mac| after the update| for the "
    "whole team| without losing data| in bulk| automatically| from the API| to CSV| to PDF| "
    "with a free plan| behind a proxy| on a shared computer",
    "|",
)
SYMPTOMS = _words(
    "fails|stopped working|is very slow|shows an error|keeps crashing|is missing|shows the "
    "wrong date|does not load|times out|is blank|duplicates entries|logs me out|"
    "shows an old version|cannot be opened|is stuck at 99%",
    "|",
)
ERRORS = _words(
    "error 500|error 403|sync error 17|connection reset|invalid token|quota exceeded|"
    "database error|unexpected error|certificate error|timeout error",
    "|",
)
TITLE_TEMPLATES = [
    "How do I {verb} {object}{context}?",
    "How can I {verb} {object}{context}?",
    "Is it possible to {verb} {object}{context}?",
    "Can't {verb} {object}{context}",
    "{Object} {symptom}{context}",
    "{Object} {symptom} after the latest update",
    '"{error}" when I try to {verb} {object}',
    "Why does {object} show {error}?",
    "Best way to {verb} {object}{context}?",
    "Feature request: {verb} {object}{context}",
    "Please add a way to {verb} {object}",
    "Thank you for making it easy to {verb} {object}",
]
SYLLABLES = _words(
    "ka ri to mo ne sa lu vi de po an el or un ix ta ber gon lan mir sel tor vak dun hel pra sto qua zen lor fit nim"
)


@dataclass
class GenerateStats:
    users: int = 0
    categories: int = 0
    topics: int = 0
    posts: int = 0
    long_threads: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return (self.topics + self.posts) / self.seconds if self.seconds else 0.0


class TextGenerator:
    """Zipf-weighted words, plus templates for titles. Deterministic for a given ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        content = list(dict.fromkeys(w for w in DOMAIN_WORDS if w not in ("error", "database")))
        rng.shuffle(content)
        words = list(dict.fromkeys(FUNCTION_WORDS)) + content
        # Planted query words at fixed ranks: "error" common, "database" mid-frequency.
        words.insert(20, "error")
        words.insert(len(FUNCTION_WORDS) + 60, "database")
        self.words = words
        self.cum = self._cumulative([1.0 / (rank + 2) ** 1.05 for rank in range(len(words))])
        tail: set[str] = set()
        while len(tail) < 20000:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word != RARE_WORD and word not in words:
                tail.add(word)
        self.tail = sorted(tail)
        rng.shuffle(self.tail)
        self.tail_cum = self._cumulative([1.0 / (rank + 10) for rank in range(len(self.tail))])

    @staticmethod
    def _cumulative(weights: list[float]) -> list[float]:
        total, out = 0.0, []
        for weight in weights:
            total += weight
            out.append(total)
        return out

    def word(self) -> str:
        if self.rng.random() < 0.04:
            return self.rng.choices(self.tail, cum_weights=self.tail_cum)[0]
        return self.rng.choices(self.words, cum_weights=self.cum)[0]

    def sentence(self, low: int = 5, high: int = 16) -> str:
        words = [self.word() for _ in range(self.rng.randint(low, high))]
        words[0] = words[0].capitalize()
        if self.rng.random() < 0.08:
            words[self.rng.randrange(len(words))] = f"`{self.word()}`"
        return " ".join(words) + self.rng.choice(".....?!")

    def title(self, kind: str) -> str:
        rng = self.rng
        if kind == Topic.Kind.IDEA:
            template = rng.choice(TITLE_TEMPLATES[9:11])
        elif kind == Topic.Kind.PRAISE:
            template = TITLE_TEMPLATES[11]
        elif kind == Topic.Kind.PROBLEM:
            template = rng.choice(TITLE_TEMPLATES[3:8])
        else:
            template = rng.choice(TITLE_TEMPLATES[:9])
        obj = rng.choice(OBJECTS)
        title = template.format(
            verb=rng.choice(VERBS),
            object=obj,
            Object=obj[:1].upper() + obj[1:],
            context=rng.choice(CONTEXTS),
            symptom=rng.choice(SYMPTOMS),
            error=rng.choice(ERRORS),
        )
        return title[:200]

    def prose(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(1, 4)))

    def bullet_list(self) -> str:
        return "\n".join("* " + self.sentence(3, 8) for _ in range(self.rng.randint(2, 4)))

    def code_block(self) -> str:
        return "```\n" + " ".join(self.word() for _ in range(8)) + "\n```"

    def body(self, extra: str | None = None) -> str:
        """A body written from scratch (the generator itself draws from ``Bodies``)."""
        rng = self.rng
        paragraphs = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if rng.random() < 0.07:
                paragraphs.append(self.bullet_list())
            elif rng.random() < 0.03:
                paragraphs.append(self.code_block())
            else:
                paragraphs.append(self.prose())
        if extra:
            paragraphs.append(rare_paragraph(extra))
        return "\n\n".join(paragraphs)


def rare_paragraph(word: str) -> str:
    return f"What a {word} that was."


@dataclass(frozen=True)
class Body:
    source: str
    html: str
    text: str


class Bodies:
    """Post bodies composed of paragraphs from a fixed pool, each rendered once.

    Markdown paragraphs separated by a blank line render to the concatenation of their own
    renders (checked by the tests, and here on a sample of the bodies as they are made), so a
    body's HTML is exactly what ``forum.markup.render_markdown`` makes of its source while
    bleach runs once per pool paragraph instead of once per post. Two bullet lists are never
    adjacent: a blank line between them would make one loose list.
    """

    CHECK_EVERY = 997  # bodies between two full renders that must match the composed HTML

    def __init__(self, text: TextGenerator, size: int) -> None:
        self.rng = text.rng
        self.prose = [self._render(text.prose()) for _ in range(size)]
        self.lists = [self._render(text.bullet_list()) for _ in range(max(1, size // 12))]
        self.code = [self._render(text.code_block()) for _ in range(max(1, size // 30))]
        self.cache: dict[str, tuple[str, str]] = {}
        self.made = 0

    @staticmethod
    def _render(source: str) -> tuple[str, str]:
        return source, markup.render_markdown(source).html

    def body(self, extra: str | None = None) -> Body:
        rng = self.rng
        parts: list[tuple[str, str]] = []
        previous = None
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if rng.random() < 0.07 and previous is not self.lists:
                pool = self.lists
            elif rng.random() < 0.03:
                pool = self.code
            else:
                pool = self.prose
            parts.append(pool[rng.randrange(len(pool))])
            previous = pool
        if extra:
            source = rare_paragraph(extra)
            if source not in self.cache:
                self.cache[source] = self._render(source)
            parts.append(self.cache[source])
        source = "\n\n".join(p[0] for p in parts)
        html = "".join(p[1] for p in parts)
        self.made += 1
        if self.made % self.CHECK_EVERY == 1 and markup.render_markdown(source).html != html:
            raise RuntimeError(f"composed HTML differs from forum.markup's for {source!r}")
        return Body(source=source, html=html, text=markup.html_to_text(html))


def paragraph_pool_size(topics: int) -> int:
    """Distinct prose paragraphs for N topics: about one per topic, 400 to 40,000."""
    return max(400, min(topics, PARAGRAPH_POOL_MAX))


def replies_for(rng: random.Random) -> int:
    """Replies in an ordinary thread: exponential with mean 8, capped at 60."""
    return min(int(rng.expovariate(1 / 8.5)), 60)


class CommunityGenerator:
    def __init__(
        self,
        *,
        topics: int,
        users: int | None = None,
        seed: int = SEED,
        batch_size: int = 5000,
        log: Callable[[str], None] = print,
    ) -> None:
        if topics < 1:
            raise ValueError("--topics must be at least 1")
        self.topics = topics
        self.users = users or max(50, min(topics // 10, 5000))
        self.seed = seed
        self.batch_size = batch_size
        self.log = log
        self.stats = GenerateStats()

    def run(self) -> GenerateStats:
        if Topic.objects.filter(external_id__startswith=EXTERNAL_PREFIX).exists():
            raise ValueError("this database already has a generated community: use a fresh database")
        started = time.perf_counter()
        rng = random.Random(self.seed)
        text = TextGenerator(rng)
        with transaction.atomic():
            user_ids, staff_ids = self._make_users(rng)
            category_ids = self._make_categories()
            tag_ids = self._make_tags()
        plan = self._plan(rng)
        bodies = Bodies(text, paragraph_pool_size(self.topics))
        # Primary keys are given here, so that topics point at their posts as they are
        # inserted (no second pass to update them): both tables continue from their highest id.
        self.next_topic_id = (Topic.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.next_post_id = (Post.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        pending: list[tuple[Topic, list[Post], list[int]]] = []
        pending_posts = 0
        last_log = time.perf_counter()
        for index, (replies, rare) in enumerate(plan):
            item = self._topic(
                rng, text, bodies, index, replies, rare, user_ids, staff_ids, category_ids, tag_ids
            )
            pending.append(item)
            pending_posts += len(item[1])
            if pending_posts >= self.batch_size:
                self._flush(pending)
                pending, pending_posts = [], 0
                now = time.perf_counter()
                if now - last_log > 2:
                    last_log = now
                    rate = (self.stats.topics + self.stats.posts) / (now - started)
                    self.log(
                        f"  {self.stats.topics:,}/{self.topics:,} topics, {self.stats.posts:,} posts, "
                        f"{rate:,.0f} rows/s"
                    )
        if pending:
            self._flush(pending)
        with transaction.atomic():
            # Sequences (PostgreSQL) move past the ids given above; SQLite needs nothing.
            statements = connection.ops.sequence_reset_sql(no_style(), [Topic, Post])
            if statements:
                with connection.cursor() as cursor:
                    for sql in statements:
                        cursor.execute(sql)
            for category_id in category_ids:
                Category.objects.filter(pk=category_id).update(
                    topic_count=Topic.objects.visible().filter(category_id=category_id).count()
                )
        self.stats.seconds = time.perf_counter() - started
        return self.stats

    # --- parts -----------------------------------------------------------------------------

    def _make_users(self, rng: random.Random) -> tuple[list[int], list[int]]:
        password = make_password(None)
        users = []
        for n in range(1, self.users + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            users.append(
                User(
                    username=f"gen-member-{n:05d}",
                    display_name=f"{first} {last}",
                    email="",
                    password=password,
                    is_placeholder=True,
                    date_joined=END_DATE - dt.timedelta(days=800),
                )
            )
        User.objects.bulk_create(users, batch_size=1000, ignore_conflicts=True)
        ids = list(
            User.objects.filter(username__in=[u.username for u in users])
            .order_by("username")
            .values_list("pk", flat=True)
        )
        self.stats.users = len(ids)
        # The first few act as staff: their replies are official. (No group membership: they
        # cannot sign in anyway.)
        return ids, ids[: max(2, len(ids) // 100)]

    def _make_categories(self) -> list[int]:
        slugs = {
            slugify(name): (name, description, order)
            for order, (name, description) in enumerate(CATEGORIES, 1)
        }
        existing = dict(Category.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        new = [
            Category(name=name, slug=slug, description=description, order=order)
            for slug, (name, description, order) in slugs.items()
            if slug not in existing
        ]
        Category.objects.bulk_create(new)
        self.stats.categories = len(new)
        existing.update(Category.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        return [existing[slug] for slug in slugs]

    def _make_tags(self) -> list[int]:
        existing = dict(Tag.objects.filter(name__in=TAGS).values_list("name", "pk"))
        new = [Tag(name=name, slug=slugify(name)) for name in TAGS if name not in existing]
        Tag.objects.bulk_create(new, ignore_conflicts=True)
        existing.update(Tag.objects.filter(name__in=TAGS).values_list("name", "pk"))
        return [existing[name] for name in TAGS if name in existing]

    def _plan(self, rng: random.Random) -> list[tuple[int, bool]]:
        counts = [replies_for(rng) for _ in range(self.topics)]
        long_count = max(1, self.topics // 2500)
        long_at = rng.sample(range(self.topics), long_count)
        for n, i in enumerate(long_at):
            counts[i] = LONG_THREAD if n == 0 else rng.randint(LONG_THREAD, 2 * LONG_THREAD)
        self.stats.long_threads = long_count
        long_set = set(long_at)
        candidates = [i for i in range(self.topics) if i not in long_set]
        rare = set(rng.sample(candidates, min(RARE_TOPICS, len(candidates))))
        return [(counts[i], i in rare) for i in range(self.topics)]

    def _topic(self, rng, text, bodies, index, replies, rare, user_ids, staff_ids, category_ids, tag_ids):
        kind = rng.choices(
            [Topic.Kind.QUESTION, Topic.Kind.PROBLEM, Topic.Kind.IDEA, Topic.Kind.PRAISE], [70, 20, 7, 3]
        )[0]
        title = text.title(kind)
        start = END_DATE - dt.timedelta(minutes=10 * (self.topics - index))
        author = rng.choice(user_ids)
        rare_at = rng.randrange(replies + 1) if rare else -1
        topic_id = self.next_topic_id
        self.next_topic_id += 1
        post_id = self.next_post_id
        self.next_post_id += replies + 1
        posts, when = [], start
        staff_reply_at = None
        for n in range(replies + 1):
            is_staff = n > 0 and rng.random() < 0.06
            post_author = rng.choice(staff_ids) if is_staff else (author if n == 0 else rng.choice(user_ids))
            body = bodies.body(extra=RARE_WORD if n == rare_at else None)
            posts.append(
                Post(
                    pk=post_id + n,
                    topic_id=topic_id,
                    author_id=post_author,
                    source=body.source,
                    html=body.html,
                    text=body.text,
                    is_official=is_staff,
                    vote_count=0 if n == 0 else max(0, int(rng.expovariate(0.7))),
                    created_at=when,
                    external_id=f"{EXTERNAL_PREFIX}{index}.{n}",
                )
            )
            if is_staff and staff_reply_at is None:
                staff_reply_at = when
            when = when + dt.timedelta(minutes=rng.randint(1, 600))
        replies_only = posts[1:]
        status = Topic.Status.OPEN
        if kind == Topic.Kind.IDEA:
            status = rng.choice([Topic.Status.OPEN, Topic.Status.IN_PROGRESS, Topic.Status.NOT_PLANNED])
        topic = Topic(
            pk=topic_id,
            kind=kind,
            title=title,
            slug=slugify(title)[:80].strip("-") or "topic",
            author_id=author,
            category_id=rng.choice(category_ids),
            status=status,
            reply_count=len(replies_only),
            view_count=int(rng.expovariate(1 / 300)) + len(replies_only) * 5,
            vote_count=sum(p.vote_count for p in replies_only),
            metoo_count=int(rng.expovariate(1 / 2)) if kind == Topic.Kind.PROBLEM else 0,
            has_staff_reply=staff_reply_at is not None,
            first_staff_reply_at=staff_reply_at,
            created_at=start,
            last_activity_at=posts[-1].created_at,
            last_reply_at=replies_only[-1].created_at if replies_only else None,
            external_id=f"{EXTERNAL_PREFIX}{index}",
            first_post_id=posts[0].pk,
        )
        tags = rng.sample(tag_ids, rng.choice((0, 1, 1, 2, 2, 3)))
        # Official and accepted answers, as staff and askers mark them.
        official = next((p for p in replies_only if p.is_official), None)
        accepted = None
        if replies_only and kind in (Topic.Kind.QUESTION, Topic.Kind.PROBLEM) and rng.random() < 0.45:
            accepted = max(replies_only[:10], key=lambda p: p.vote_count)
        if official is not None and rng.random() < 0.7:
            topic.official_answer_id = official.pk
        else:
            official = None
        if accepted is not None:
            topic.accepted_answer_id = accepted.pk
        marked = [p for p in (official, accepted) if p is not None]
        if marked:
            topic.answered_at = min(p.created_at for p in marked)
            if topic.status == Topic.Status.OPEN:
                topic.status = Topic.Status.ANSWERED
        return topic, posts, tags

    def _flush(self, pending) -> None:
        """One transaction per batch: the topics (already pointing at their first post and
        answers; the constraints are checked at commit), their posts, their tags."""
        with transaction.atomic():
            Topic.objects.bulk_create([t for t, _, _ in pending], batch_size=INSERT_BATCH)
            Post.objects.bulk_create([p for _, posts, _ in pending for p in posts], batch_size=INSERT_BATCH)
            TaggedTopic.objects.bulk_create(
                [TaggedTopic(content_object_id=t.pk, tag_id=tag) for t, _, tags in pending for tag in tags],
                batch_size=INSERT_BATCH,
            )
        self.stats.topics += len(pending)
        self.stats.posts += sum(len(p) for _, p, _ in pending)
