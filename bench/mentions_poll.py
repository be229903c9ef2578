"""Polling cost: N feeds of M entries each, served over real HTTP from loopback.

    .venv/bin/python bench/mentions_poll.py [--feeds 50] [--entries 100] [--keep-db]

Builds a throwaway database (the test settings, SQLite unless DATABASE_URL is set), serves the
generated feeds from a local HTTP server, and runs one full poll of every source as
``manage.py poll_mentions`` would. Prints the wall time, the time per entry and the SQL queries
per entry; then polls again (every entry already known) and prints the same for that.
About a tenth of the entries are reposts of another entry's text, and a tenth match no keyword.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

WORDS = [
    "sync",
    "upload",
    "folder",
    "share",
    "invoice",
    "plan",
    "team",
    "mobile",
    "app",
    "desktop",
    "login",
    "password",
    "backup",
    "restore",
    "photo",
    "file",
    "link",
    "client",
    "storage",
    "slow",
    "fast",
    "great",
    "broken",
    "error",
    "update",
    "version",
    "android",
    "iphone",
    "offline",
    "search",
    "export",
    "admin",
    "audit",
    "security",
    "billing",
    "refund",
    "support",
    "help",
    "today",
    "again",
    "why",
    "how",
]


def make_feed(n: int, entries: int, rng: random.Random, pool: list[str]) -> bytes:
    items = []
    for i in range(entries):
        if rng.random() < 0.1 and pool:
            text = rng.choice(pool)  # a repost of an earlier text
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 60)))
            if rng.random() < 0.9:
                text = f"Acme Cloud {text}"
            pool.append(text)
        items.append(
            f"<item><title>Post {n}-{i}</title><link>https://site{n}.example/p/{i}</link>"
            f"<author>a{i}@site{n}.example (Author {i})</author>"
            f"<pubDate>Mon, 30 Nov 2026 08:{i % 60:02d}:00 GMT</pubDate>"
            f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
        )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--entries", type=int, default=100)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    settings.MENTIONS_ALLOW_PRIVATE_ADDRESSES = True
    rng = random.Random(7)
    pool: list[str] = []
    bodies = {f"/feed{n}.xml": make_feed(n, args.entries, rng, pool) for n in range(args.feeds)}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            body = bodies.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from mentions import services
        from mentions.models import Mention, Source

        for n in range(args.feeds):
            Source.objects.create(
                name=f"Feed {n}",
                feed_url=f"http://127.0.0.1:{httpd.server_address[1]}/feed{n}.xml",
                keywords="Acme Cloud",
            )
        total_entries = args.feeds * args.entries
        print(f"{args.feeds} feeds x {args.entries} entries = {total_entries} entries ({connection.vendor})")
        print("| poll | wall s | CPU s | CPU ms per entry | queries | queries per entry | new | reposts |")
        print("|---|---|---|---|---|---|---|---|")
        for label in ("first", "again"):
            Source.objects.update(next_poll_at=None, etag="", last_modified="")
            before = Mention.objects.count()
            queries = []

            def count(execute, sql, params, many, context, queries=queries):
                queries.append(1)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                start, cpu_start = time.perf_counter(), time.process_time()
                results = services.poll_due()
                wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            errors = [r.error for r in results if r.error]
            if errors:
                print("errors:", errors[:3])
            made = Mention.objects.count() - before
            reposts = sum(r.reposts for r in results)
            print(
                f"| {label} | {wall:.2f} | {cpu:.2f} | {cpu * 1000 / total_entries:.2f} | {len(queries)} | "
                f"{len(queries) / total_entries:.2f} | {made - reposts} | {reposts} |"
            )
    finally:
        teardown_databases(old, verbosity=0)
        httpd.shutdown()


if __name__ == "__main__":
    main()
