"""The search backend on its own, in process: rebuild rate and query latency.

In a throwaway folder (SQLite database and index), bulk-creates N topics with the forum's
models (a question each, an official answer for about half), rebuilds the index through the
backend (timed: documents per second, one process and then ``--procs``), and times queries
through ``Topic.objects.visible().search(q)`` as a search page runs them: the
count plus the first 10 results (loaded from the database), plus autocomplete and a facet.
Prints p50 and p95 per query.

    python bench/search_backend.py                    # 5,000 topics, whoosh
    python bench/search_backend.py --topics 10000 --procs 2
    python bench/search_backend.py --backend database # the same queries on Wagtail's database backend
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = [
    "account",
    "login",
    "password",
    "reset",
    "email",
    "invoice",
    "billing",
    "plan",
    "upgrade",
    "export",
    "import",
    "data",
    "file",
    "folder",
    "sync",
    "conflict",
    "offline",
    "android",
    "iphone",
    "desktop",
    "app",
    "crash",
    "error",
    "update",
    "settings",
    "notification",
    "webhook",
    "api",
    "token",
    "integration",
    "calendar",
    "contact",
    "share",
    "permission",
    "team",
    "admin",
    "report",
    "dashboard",
    "chart",
    "filter",
    "search",
    "upload",
    "download",
    "backup",
    "restore",
    "storage",
    "quota",
    "limit",
    "slow",
    "fast",
    "timeout",
    "server",
    "network",
    "proxy",
    "certificate",
    "domain",
    "sso",
    "saml",
    "oauth",
    "two",
    "factor",
    "code",
    "device",
    "browser",
    "cache",
    "cookie",
    "session",
    "language",
    "timezone",
    "currency",
    "tax",
    "receipt",
    "refund",
    "payment",
    "card",
    "subscription",
    "trial",
    "cancel",
    "renew",
    "license",
    "seat",
]
QUERIES = {
    "common word": "error",
    "two common words": "login problem",
    "rare word": "kerfuffle",
    "three words": "export invoice pdf",
    "misspelled": "pasword",
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def setup_django(var: Path, backend: str) -> None:
    os.environ["VAR_DIR"] = str(var)
    os.environ["SEARCH_BACKEND"] = backend
    os.environ["TASKS_BACKEND"] = "immediate"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log growing in memory


def generate(n: int, seed: int) -> None:
    """Topics, questions and answers with bulk inserts (no signals, no indexing)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from forum.models import Category, Post, Topic

    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"bench{i}", email=f"bench{i}@example.com", display_name=f"Bench {i}")
                for i in range(50)
            ]
        )
        categories = Category.objects.bulk_create(
            [Category(name=f"Area {i}", slug=f"area-{i}", description=sentence(rng, 5, 12)) for i in range(8)]
        )
        batch = 1000
        for start in range(0, n, batch):
            size = min(batch, n - start)
            topics = []
            for i in range(start, start + size):
                title = sentence(rng, 4, 9).capitalize()
                if i % 97 == 0:
                    title += " kerfuffle"
                topics.append(
                    Topic(
                        title=title,
                        slug=f"topic-{i}",
                        author=rng.choice(users),
                        category=rng.choice(categories),
                        status=rng.choice(["open", "answered", "solved"]),
                        created_at=now,
                        last_activity_at=now,
                    )
                )
            topics = Topic.objects.bulk_create(topics)
            questions = [
                Post(topic=t, author=t.author, source=(text := sentence(rng, 30, 120)), html=text, text=text)
                for t in topics
            ]
            questions = Post.objects.bulk_create(questions)
            answers = []
            for t in topics:
                if rng.random() < 0.5:
                    text = sentence(rng, 20, 80)
                    answers.append(Post(topic=t, author=rng.choice(users), source=text, html=text, text=text))
            answers = Post.objects.bulk_create(answers)
            by_topic = {p.topic_id: p for p in answers}
            for t, q in zip(topics, questions, strict=True):
                t.first_post = q
                t.official_answer = by_topic.get(t.pk)
                t.reply_count = 1 if t.official_answer else 0
            Topic.objects.bulk_update(topics, ["first_post", "official_answer", "reply_count"])


def time_rebuild(procs: int | None) -> tuple[int, float]:
    from wagtail.search.backends import get_search_backend

    backend = get_search_backend()
    started = time.perf_counter()
    if hasattr(backend, "rebuild"):
        count = backend.rebuild(procs=procs)
    else:
        from io import StringIO

        from django.core.management import call_command

        call_command("update_index", stdout=StringIO())
        from modelsearch.index import get_indexed_models

        count = sum(m.get_indexed_objects().count() for m in get_indexed_models())
    return count, time.perf_counter() - started


def time_queries(rounds: int) -> list[tuple[str, float, float]]:
    from forum.models import Topic

    def page(query: str) -> None:
        results = Topic.objects.visible().search(query)
        results.count()
        list(results[:10])

    def autocomplete(query: str) -> None:
        list(Topic.objects.visible().autocomplete(query)[:5])

    def facet(query: str) -> None:
        Topic.objects.visible().search(query).facet("status")

    cases = [(f"search: {name} ({q!r})", page, q) for name, q in QUERIES.items()]
    cases.append(("autocomplete: 'expo'", autocomplete, "expo"))
    cases.append(("facet status: 'error'", facet, "error"))
    rows = []
    for label, fn, query in cases:
        fn(query)  # warm-up: opens the searcher, fills the filter cache
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            fn(query)
            timings.append((time.perf_counter() - started) * 1000)
        rows.append((label, statistics.median(timings), percentile(timings, 0.95)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--topics", type=int, default=5000, help="topics to generate (default 5000)")
    parser.add_argument("--procs", type=int, default=2, help="processes for the second, parallel rebuild")
    parser.add_argument("--rounds", type=int, default=30, help="timed runs per query")
    parser.add_argument("--backend", default="whoosh", choices=["whoosh", "database"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway folder")
    args = parser.parse_args()
    if args.topics < 1 or args.rounds < 1 or args.procs < 1:
        parser.error("--topics, --rounds and --procs must be positive")

    var = Path(tempfile.mkdtemp(prefix="bench-search-backend-"))
    try:
        setup_django(var, args.backend)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        generate(args.topics, args.seed)
        print(
            f"generated {args.topics} topics in {time.perf_counter() - started:.1f}s ({args.backend} backend)"
        )

        procs_runs = [1] if args.backend != "whoosh" or args.procs == 1 else [1, args.procs]
        print(f"\n{'rebuild':<24}{'documents':>10}{'seconds':>10}{'docs/s':>10}")
        for procs in procs_runs:
            count, seconds = time_rebuild(procs)
            label = f"{procs} process" + ("es" if procs > 1 else "")
            print(f"{label:<24}{count:>10}{seconds:>10.1f}{count / seconds:>10.0f}")

        print(f"\n{'query (' + str(args.rounds) + ' runs each)':<46}{'p50 ms':>9}{'p95 ms':>9}")
        for label, p50, p95 in time_queries(args.rounds):
            print(f"{label:<46}{p50:>9.1f}{p95:>9.1f}")
    finally:
        if args.keep:
            print(f"\nkept {var}")
        else:
            shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
