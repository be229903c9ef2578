"""What a page costs to render from scratch, in-process: no server, no page cache to hide it.

    python bench/render_cost.py                        # bench/results/T5000/var, 30 renders a page
    python bench/render_cost.py --data DIR --rounds 50 # another prepared data folder
    python bench/render_cost.py --profile topic        # where one page's renders spend their time
    python bench/render_cost.py --signed-in            # also as a signed-in member

The data folder is one that ``bench/run.py`` prepares (``--prepare-only``): the demo content plus
``generate_community``; it is prepared here when missing (``--topics``, 5,000 by default). Django
runs with the production settings (DEBUG off, cached template loader) and the per-process cache.

Pages: a topic with 8 replies, the 200-reply topic (its first page), the topic list and an FAQ
article, requested anonymously through Django's test client (the whole middleware stack). Before
every measured render the cache is emptied, so each one is a page-cache miss that also misses
every shared fragment and cached object: what a page of the long tail costs. Printed per page:
the median and 90th percentile of the wall time (ms), the median CPU time of this process, SQL
queries (counted on one more render, as counting adds a little time to each query) and the size.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a prepared data folder (default bench/results/T<n>/var)")
    parser.add_argument("--topics", type=int, default=5000, help="size of the data folder to use or prepare")
    parser.add_argument("--rounds", type=int, default=30, help="measured renders per page")
    parser.add_argument("--warmup", type=int, default=3, help="renders per page before measuring")
    parser.add_argument(
        "--only", nargs="*", help="only these pages (topic long_topic topic_list faq_article)"
    )
    parser.add_argument("--profile", metavar="PAGE", help="profile this page's renders with cProfile")
    parser.add_argument("--profile-lines", type=int, default=45)
    parser.add_argument(
        "--profile-all", action="store_true", help="pyinstrument: also show library frames it hides"
    )
    parser.add_argument(
        "--profiler",
        choices=["pyinstrument", "cprofile"],
        default="pyinstrument",
        help="pyinstrument (requirements-bench.txt): a call tree of wall time; cprofile: flat "
        "tables of CPU time (better on a busy machine)",
    )
    parser.add_argument("--signed-in", action="store_true", help="also render as a signed-in member")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args()


def setup(args: argparse.Namespace) -> Path:
    import run  # bench/run.py: the data folder and the environment the benchmark uses

    var = (args.data or ROOT / "bench" / "results" / f"T{args.topics}" / "var").resolve()
    if not (var / "db.sqlite3").exists():
        run.prepare_site(args.topics, var, reuse=True)
    os.environ.update(run.site_env(var))
    import django

    django.setup()
    return var


def targets() -> list[dict]:
    from pages import _faq_pages  # bench/pages.py

    from forum.models import Topic

    generated = Topic.objects.visible().filter(external_id__startswith="gen:").order_by("pk")
    pages = [{"name": "topic_list", "path": "/community/"}]
    normal = generated.filter(reply_count=8).first()
    if normal:
        pages.append({"name": "topic", "path": normal.get_absolute_url()})
    long = generated.filter(reply_count=200).first()
    if long:
        pages.append({"name": "long_topic", "path": long.get_absolute_url()})
    notes: list[str] = []
    pages += [p for p in _faq_pages(notes) if p["name"] == "faq_article"]
    for note in notes:
        print(f"note: {note}")
    return pages


def render_once(client, path: str) -> tuple[float, float, int, int]:
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()
    cpu = time.process_time()
    wall = time.perf_counter()
    response = client.get(path)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    return wall * 1000, cpu * 1000, response.status_code, len(response.content)


def count_queries(client, path: str) -> int:
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for cache in caches.all(initialized_only=True):
        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return len(ctx.captured_queries)


def measure(client, page: dict, args: argparse.Namespace, login: str) -> dict:
    for _ in range(args.warmup):
        render_once(client, page["path"])
    walls, cpus = [], []
    status = size = 0
    for _ in range(args.rounds):
        wall, cpu, status, size = render_once(client, page["path"])
        walls.append(wall)
        cpus.append(cpu)
    walls.sort()
    return {
        "name": page["name"],
        "login": login,
        "path": page["path"],
        "status": status,
        "ms_median": round(statistics.median(walls), 2),
        "ms_p90": round(walls[min(len(walls) - 1, int(0.9 * len(walls)))], 2),
        "cpu_ms_median": round(statistics.median(cpus), 2),
        "queries": count_queries(client, page["path"]),
        "kib": round(size / 1024, 1),
    }


def profile(client, page: dict, args: argparse.Namespace) -> None:
    for _ in range(args.warmup):
        render_once(client, page["path"])
    if args.profiler == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.rounds):
            render_once(client, page["path"])
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=args.profile_all, timeline=False))
        return
    # CPU time, not wall time: on a shared machine the wall clock also counts other processes.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(args.rounds):
        render_once(client, page["path"])
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(args.profile_lines)
        print(f"== {page['name']} ({args.rounds} renders), by {order}")
        print(out.getvalue())


def main() -> None:
    args = parse_args()
    var = setup(args)
    from django.test import Client

    from pages import bench_session

    pages = targets()
    if args.only:
        pages = [p for p in pages if p["name"] in args.only]
    anonymous = Client()
    if args.profile:
        page = next((p for p in pages if p["name"] == args.profile), None)
        if page is None:
            raise SystemExit(f"no page named {args.profile}: {[p['name'] for p in pages]}")
        profile(anonymous, page, args)
        return
    clients = [("out", anonymous)]
    if args.signed_in:
        from django.conf import settings

        member = Client()
        member.cookies[settings.SESSION_COOKIE_NAME] = bench_session()
        clients.append(("in", member))
    rows = [measure(client, page, args, login) for login, client in clients for page in pages]
    print(f"Render cost from scratch, {args.rounds} renders per page after {args.warmup} warm-up ({var})")
    print()
    print("| page | login | ms median | ms p90 | CPU ms median | SQL queries | KiB | status |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['name']} | {r['login']} | {r['ms_median']:.1f} | {r['ms_p90']:.1f} | "
            f"{r['cpu_ms_median']:.1f} | {r['queries']} | {r['kib']} | {r['status']} |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
