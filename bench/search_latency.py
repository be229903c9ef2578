"""Latency of /search/ and /search/similar/ on a generated community, through gunicorn.

For each size (default 10,000 topics, mean 8 replies each, from ``manage.py
generate_community``) in a throwaway folder: migrate, generate, rebuild the index (timed:
the rebuild rate in documents per second), then serve with gunicorn (2 sync workers,
127.0.0.1, production settings) and request every query of each group one after another,
``--rounds`` times, after a warm-up. Prints p50 and p95 per endpoint and group.

Groups: common words (in many topics), rare words (in a handful), misspelled words (which
also exercise "did you mean"). The similar endpoint gets typed titles of each kind; every
round uses a fresh suffix for similar queries so its per-query cache does not hide the work,
and the server runs with the page cache and the search outcome cache off, so every /search/
request does the whole search (``--cached`` measures the cached paths instead).

    python bench/search_latency.py                         # 10k topics, the configured backend
    python bench/search_latency.py --topics 10000 --topics 50000 --backend whoosh
    python bench/search_latency.py --topics 2000 --rounds 3   # a quick end-to-end check
    python bench/search_latency.py --topics 50000 --data bench/results/T50000/var --no-rebuild

Only loopback traffic; the server is stopped at the end (or on Ctrl-C).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

QUERIES = {
    "common": ["error", "login problem", "update settings", "account", "export data"],
    "rare": ["kerfuffle", "database", "webhook signature", "sso saml", "invoice vat"],
    "misspelled": ["databse", "eror message", "pasword reset", "loggin", "notifcations"],
}
TITLES = {
    "common": ["Error when I try to login to my account", "How do I export my data to a file"],
    "rare": ["Kerfuffle with the database after upgrade", "Webhook signature does not validate"],
    "misspelled": ["Pasword reset emial never arrives", "Cant loggin after the updte"],
}


# A fresh key per run, shared by every process the run starts (sessions made in one step are
# read by gunicorn in the next); never a fixed value in the repository.
BENCH_SECRET_KEY = secrets.token_urlsafe(50)


def log(message: str) -> None:
    print(message, flush=True)


def site_env(var: Path, backend: str | None, cached: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=BENCH_SECRET_KEY,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        VAR_DIR=str(var),
        WHOOSH_INDEX_DIR=str(var / "whoosh"),
        STATIC_ROOT=str(var / "static"),
        MEDIA_ROOT=str(var / "media"),
        TASKS_BACKEND="immediate",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # Served over plain http on loopback, mail kept in memory: say so to the deploy checks.
        SITE_URL="http://127.0.0.1",
        DEFAULT_FROM_EMAIL="bench@127.0.0.1",
        DJANGO_SILENCED_SYSTEM_CHECKS="ops.E002,ops.E005",
        LOG_LEVEL="WARNING",
        PYTHONWARNINGS="ignore",
        SEARCH_LOG_BUFFER_SIZE="200",
    )
    if not cached:
        # Every request does the whole search: no page cache, no outcome cache.
        env.update(FORUM_PAGE_CACHE_SECONDS="0", SEARCH_RESULTS_CACHE_SECONDS="0")
    if backend:
        env["SEARCH_BACKEND"] = backend
    return env


def manage(env: dict, *args: str, timeout: float = 7200) -> str:
    result = subprocess.run(
        [PY, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise SystemExit(
            f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    return result.stdout


def indexed_documents(env: dict) -> int:
    code = (
        "from forum.models import Topic, Category; from wagtail.models import Page; "
        "print(Topic.objects.count() + Category.objects.count() + Page.objects.count())"
    )
    return int(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


def timed_get(conn: http.client.HTTPConnection, path: str) -> float:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")
    return elapsed


def measure(port: int, rounds: int, cached: bool) -> dict[str, dict[str, float]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    results: dict[str, dict[str, float]] = {}
    # Warm-up: each worker loads templates, the vocabulary and the index readers (and, with
    # SEARCH_SEMANTIC on, the model and the vectors): drafts never asked before, so no cache
    # answers them.
    for n in range(6):
        for group in QUERIES:
            timed_get(conn, "/search/?" + urlencode({"q": QUERIES[group][0]}))
            timed_get(conn, "/search/similar/?" + urlencode({"q": f"{TITLES[group][0]} warm{n}"}))
    for group, words in QUERIES.items():
        samples = [timed_get(conn, "/search/?" + urlencode({"q": q})) for _ in range(rounds) for q in words]
        results[f"/search/ {group}"] = summary(samples)
    for group, titles in TITLES.items():
        samples = []
        for n in range(rounds):
            for title in titles:
                q = title if cached else f"{title} {'x' * (n % 7 + 1)}{n}"
                samples.append(timed_get(conn, "/search/similar/?" + urlencode({"q": q})))
        results[f"/search/similar/ {group}"] = summary(samples)
    conn.close()
    return results


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": 1000 * percentile(samples, 0.5),
        "p95_ms": 1000 * percentile(samples, 0.95),
    }


def free_port() -> int:
    import socket

    for port in [8104, *range(8121, 8140)]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port")


def bench_size(
    topics: int,
    backend: str | None,
    rounds: int,
    cached: bool,
    keep: bool,
    data: Path | None = None,
    rebuild: bool = True,
) -> dict:
    """One size: a fresh generated community, or the prepared data folder ``data`` (kept)."""
    var = data.resolve() if data else Path(tempfile.mkdtemp(prefix=f"search-latency-{topics}-"))
    keep = keep or data is not None
    env = site_env(var, backend, cached)
    server = None
    try:
        semantic = os.environ.get("SEARCH_SEMANTIC", "") not in ("", "0", "false", "no", "off")
        log(f"== {topics} topics in {var}{' (SEARCH_SEMANTIC on)' if semantic else ''}")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        if data is None:
            started = time.perf_counter()
            manage(env, "generate_community", "--topics", str(topics), "--no-index")
            log(f"   generated in {time.perf_counter() - started:.0f} s")
        docs, seconds = indexed_documents(env), 0.0
        if rebuild or data is None:
            started = time.perf_counter()
            manage(env, "update_index")
            seconds = time.perf_counter() - started
        rate = docs / seconds if seconds else 0.0
        log(
            f"   index rebuilt: {docs} documents in {seconds:.1f} s ({rate:.0f} docs/s)"
            if seconds
            else "   index reused"
        )
        port = free_port()
        server = subprocess.Popen(
            [PY, "-m", "gunicorn", "config.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
            + ["--log-level", "warning", "--timeout", "120", "--error-logfile", str(var / "gunicorn.log")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(240):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/search/", headers={"Host": "127.0.0.1"})
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("gunicorn did not start; see " + str(var / "gunicorn.log"))
        return {
            "topics": topics,
            "rebuild_docs": docs,
            "rebuild_seconds": seconds,
            "rebuild_docs_per_s": rate,
            "latency": measure(port, rounds, cached),
        }
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if keep:
            log(f"   kept {var}")
        else:
            shutil.rmtree(var, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--topics", type=int, action="append", help="community size (repeatable; default 10000)"
    )
    parser.add_argument("--backend", default=None, help="SEARCH_BACKEND (default: the configured one)")
    parser.add_argument("--rounds", type=int, default=10, help="times each query is sent (10)")
    parser.add_argument(
        "--cached",
        action="store_true",
        help="measure with the caches on (page cache, search outcomes, similar questions); "
        "by default every request does the whole search",
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="measure this prepared data folder (VAR_DIR layout, e.g. bench/results/T50000/var) "
        "instead of generating one; give its size with one --topics",
    )
    parser.add_argument("--no-rebuild", action="store_true", help="with --data: keep its index as it is")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway folders")
    parser.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    args = parser.parse_args()

    sizes = args.topics or [10000]
    if args.data and len(sizes) != 1:
        parser.error("--data measures one folder: give its size with exactly one --topics")
    results = [
        bench_size(n, args.backend, args.rounds, args.cached, args.keep, args.data, not args.no_rebuild)
        for n in sizes
    ]
    log("")
    log(f"{'topics':>7}  {'endpoint and queries':32} {'n':>4} {'p50 ms':>8} {'p95 ms':>8}")
    for result in results:
        for name, row in result["latency"].items():
            log(f"{result['topics']:>7}  {name:32} {row['n']:>4} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f}")
        if result["rebuild_seconds"]:
            log(
                f"{result['topics']:>7}  index rebuild: {result['rebuild_docs']} documents, "
                f"{result['rebuild_seconds']:.1f} s, {result['rebuild_docs_per_s']:.0f} docs/s"
            )
    if args.json:
        log("JSON " + json.dumps(results))


if __name__ == "__main__":
    main()
