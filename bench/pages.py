"""In-process half of the benchmark: runs inside the project (Django set up from the environment
that ``bench/run.py`` passes) and prints JSON on stdout.

    python bench/pages.py targets       # the pages to measure, plus a signed-in session cookie
    python bench/pages.py queries       # SQL queries (and writes) per page, logged out and in

A page whose feature is not there yet (no FAQ page, no search view) is left out with a note,
so the benchmark runs while the site is being built.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from forum.models import Topic  # noqa: E402

BENCH_USERNAME = "bench-member"
# Query words shared with the peer harness (common, mid-frequency, rare), plus a misspelling.
SEARCH_QUERIES = [
    ("common", "error"),
    ("mid", "database"),
    ("rare", "kerfuffle"),
    ("misspelled", "databse"),
]
# What people type as a new question's title.
SIMILAR_QUERIES = [
    ("common", "How do I export my reports to CSV"),
    ("rare", "kerfuffle with recurring events"),
    ("misspelled", "cant exprot reprots to pdf"),
]


def bench_session() -> str:
    """A signed-in customer (verified email) and its session key, created on first use."""
    from allauth.account.models import EmailAddress

    user, created = User.objects.get_or_create(
        username=BENCH_USERNAME,
        defaults={"email": "bench-member@example.com", "display_name": "Bench Member"},
    )
    if created:
        user.set_password("bench-member-pass")
        user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _faq_pages(notes: list[str]) -> list[dict]:
    try:
        from wagtail.models import Page

        from kb import models as kb_models
    except ImportError as exc:  # pragma: no cover - while the FAQ is being built
        notes.append(f"FAQ skipped: {exc}")
        return []
    index_model = next(
        (
            getattr(kb_models, n)
            for n in ("FaqIndexPage", "KnowledgeBaseIndexPage", "FAQIndexPage")
            if hasattr(kb_models, n)
        ),
        None,
    )
    article_model = next(
        (
            getattr(kb_models, n)
            for n in ("FaqArticlePage", "ArticlePage", "FAQArticlePage")
            if hasattr(kb_models, n)
        ),
        None,
    )
    pages = []
    if index_model is not None:
        index = Page.objects.live().type(index_model).first()
        if index is not None:
            pages.append({"name": "faq_index", "path": index.url, "group": "faq"})
    if article_model is not None:
        article = Page.objects.live().type(article_model).order_by("pk").first()
        if article is not None:
            pages.append({"name": "faq_article", "path": article.url, "group": "faq"})
    if not pages:
        notes.append("FAQ skipped: no live FAQ index or article page in this database")
    return pages


def targets() -> dict:
    notes: list[str] = []
    pages: list[dict] = []
    generated = Topic.objects.visible().filter(external_id__startswith="gen:")
    pages.append({"name": "topic_list", "path": "/community/", "group": "forum", "peer": "home"})
    normal = generated.filter(reply_count=8).order_by("pk").first()
    if normal:
        pages.append({"name": "topic", "path": normal.get_absolute_url(), "group": "forum", "peer": "topic"})
    else:
        notes.append("no generated topic with exactly 8 replies")
    long = generated.filter(reply_count=200).order_by("pk").first()
    if long:
        url = long.get_absolute_url()
        last = max(1, math.ceil((long.reply_count + 1) / settings.FORUM_POSTS_PER_PAGE))
        pages.append({"name": "long_topic", "path": url, "group": "forum", "peer": "long_topic"})
        pages.append(
            {
                "name": "long_topic_last",
                "path": f"{url}?page={last}",
                "group": "forum",
                "peer": "long_topic_last_page",
            }
        )
    else:
        notes.append("no generated topic with exactly 200 replies")
    pages += _faq_pages(notes)
    for label, query in SEARCH_QUERIES:
        page = {"name": f"search_{label}", "path": "/search/?" + urlencode({"q": query}), "group": "search"}
        if label != "misspelled":
            page["peer"] = f"search_{query}"
        pages.append(page)
    for label, query in SIMILAR_QUERIES:
        pages.append(
            {
                "name": f"similar_{label}",
                "path": "/search/similar/?" + urlencode({"q": query}),
                "group": "similar",
            }
        )
    client = Client()
    kept = []
    for page in pages:
        status = client.get(page["path"]).status_code
        if status == 200:
            kept.append(page)
        else:
            notes.append(f"{page['name']} skipped: {page['path']} answers HTTP {status}")
    return {
        "pages": kept,
        "session": bench_session(),
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "topics": Topic.objects.count(),
        "notes": notes,
    }


def count_queries(pages: list[dict], session: str) -> list[dict]:
    rows = []
    for auth in (False, True):
        client = Client()
        if auth:
            client.cookies[settings.SESSION_COOKIE_NAME] = session
        for page in pages:
            client.get(page["path"])  # warm-up: caches, lazy imports, searcher open
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(page["path"])
            sqls = [q["sql"].lstrip().split(None, 1)[0].upper() for q in ctx.captured_queries]
            rows.append(
                {
                    "name": page["name"],
                    "auth": int(auth),
                    "status": response.status_code,
                    "queries": len(sqls),
                    "writes": sum(1 for s in sqls if s in {"INSERT", "UPDATE", "DELETE", "REPLACE"}),
                    "bytes": len(response.content),
                }
            )
    return rows


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "targets"
    if what == "targets":
        print(json.dumps(targets()))
    elif what == "queries":
        spec = json.loads(sys.stdin.read())
        print(json.dumps(count_queries(spec["pages"], spec["session"])))
    else:
        sys.exit("usage: pages.py targets|queries")


if __name__ == "__main__":
    main()
