"""Soak: the mixed workload for minutes on end with the production settings, to see what drifts.

    python bench/soak.py                       # 10 minutes, 2,000 topics, 5 writes/s
    python bench/soak.py --minutes 3 --topics 1000 --rate 5 --conns 4

The same traffic as ``bench/mixed.py`` (its address sequence: a Zipf mix of topic pages, the topic
list's pages and the categories, ``--with-search`` adds searches and FAQ articles; members
writing through ``bench/mixed_site.py write``: replies, "me too", votes, edits), against
gunicorn (``--workers`` sync workers, production settings) with the task worker running, on a
PostgreSQL cluster and a Redis of its own (``deploy/smoke/throwaway.py``: nothing shared with the
machine's servers, everything removed at the end). The readers are ``--conns`` threads here
(no wrk needed), each request timed and its status kept.

Every ``--sample`` seconds it prints one line: requests so far, 5xx so far, the resident memory
(RSS, from /proc) of each gunicorn worker and the number of connections PostgreSQL has open to
the site's database (``pg_stat_activity``). At the end: total requests and req/s, the 5xx count
(must be 0), p50/p95/p99, each worker's RSS at the first sample (after ``--warmup``) and at the
end, the open connections then and at the end, and what the writers did. A JSON copy goes to
``bench/results/soak-<time>.json``. Exits 1 when any request answered 5xx.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "deploy" / "smoke"))

import mixed  # noqa: E402  (bench/mixed.py: the site's data, address mix, writers, processes)
import run  # noqa: E402
from throwaway import Postgres, Redis, free_port  # noqa: E402

log = run.log


class SoakSite(mixed.Ours):
    """``bench/mixed.py``'s production configuration, on this run's own PostgreSQL and Redis."""

    def __init__(self, args, workdir: Path, postgres: Postgres, redis_server: Redis):
        self.postgres = postgres
        self.redis_server = redis_server
        mixed.POSTGRES = f"postgres://postgres@127.0.0.1:{postgres.port}"  # what mixed._pg connects to
        super().__init__("production", args, workdir)

    def settings_for(self, var: Path, database: str) -> dict[str, str]:
        return {
            "DATABASE_URL": self.postgres.database_url(database),
            "REDIS_URL": self.redis_server.url,
            "TASKS_BACKEND": "database",
            "WHOOSH_INDEX_DIR": str(var / "whoosh"),
            "WEB_CONCURRENCY": str(self.args.workers),
        }

    def reset(self) -> None:
        """The run's database copied from the template; the cache starts empty."""
        if self.var.exists():
            shutil.rmtree(self.var)
        shutil.copytree(self.template_var, self.var, symlinks=True)
        mixed._pg(f'DROP DATABASE IF EXISTS "{self.run_db}"')
        mixed._pg(f'CREATE DATABASE "{self.run_db}" TEMPLATE "{self.template_db}"')
        import redis

        redis.Redis.from_url(self.redis_server.url).flushdb()


# --- readers ---------------------------------------------------------------------------------------


class Readers:
    """``conns`` threads walking the address sequence; every request's latency and status."""

    def __init__(self, base: str, paths: list[str], conns: int):
        self.base = base
        self.paths = paths
        self.conns = conns
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0  # no answer at all (refused, reset, timeout)
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(conns)]
        self.measuring = False

    def run(self, offset: int) -> None:
        position = offset * (len(self.paths) // max(self.conns, 1))
        while not self.stop_event.is_set():
            path = self.paths[position % len(self.paths)].split("\t")[0]
            position += 1
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.base + path, timeout=30) as response:  # noqa: S310 - loopback
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            elapsed = time.perf_counter() - started
            if not self.measuring:
                continue
            with self.lock:
                if status == 0:
                    self.errors += 1
                else:
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    self.latencies.append(elapsed)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def totals(self) -> tuple[int, int]:
        with self.lock:
            return sum(self.statuses.values()) + self.errors, sum(
                n for status, n in self.statuses.items() if status >= 500
            )


# --- what is sampled -------------------------------------------------------------------------------


def gunicorn_workers(master: int) -> list[int]:
    """The master's children (its workers), from /proc."""
    return run.children(master)


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def open_connections(postgres: Postgres, database: str) -> int:
    import psycopg

    with psycopg.connect(postgres.url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
        ).fetchone()
    return int(row[0])


def sample(site: SoakSite, readers: Readers) -> dict:
    master = site.processes[0].pid
    requests, errors_5xx = readers.totals()
    return {
        "at": time.monotonic(),
        "requests": requests,
        "5xx": errors_5xx,
        "rss_kib": {pid: rss_kib(pid) for pid in gunicorn_workers(master)},
        "connections": open_connections(site.postgres, site.run_db),
    }


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def mib(kib: int | None) -> str:
    return "–" if kib is None else f"{kib / 1024:.0f}"


# --- the run ---------------------------------------------------------------------------------------


def soak(args, workdir: Path) -> dict:
    postgres = Postgres(workdir / "postgres", free_port(args.port_base))
    redis_server = Redis(workdir / "redis", free_port(args.port_base + 1, {postgres.port}))
    (workdir / "postgres").mkdir(parents=True)
    postgres.start()
    redis_server.start()
    site = SoakSite(args, workdir, postgres, redis_server)
    readers = None
    writer = None
    try:
        log(f"== PostgreSQL :{postgres.port}, Redis :{redis_server.port}; preparing {args.topics:,} topics")
        site.prepare()
        paths = mixed.sequence(site.addresses, args)
        site.reset()
        base = site.start()
        seconds = args.minutes * 60
        log(f"== {args.workers} gunicorn workers at {base}, task worker; {args.minutes:g} min of traffic")
        writer = site.writer(args.rate, args.warmup + seconds + 1) if args.rate > 0 else None
        readers = Readers(base, paths, args.conns)
        readers.start()
        time.sleep(args.warmup)
        readers.measuring = True
        started = time.monotonic()
        samples = [sample(site, readers)]
        log(line(samples[-1], started))
        while time.monotonic() - started < seconds:
            time.sleep(min(args.sample, max(0.0, seconds - (time.monotonic() - started))))
            samples.append(sample(site, readers))
            log(line(samples[-1], started))
        readers.measuring = False
        elapsed = time.monotonic() - started
    finally:
        if readers is not None:
            readers.stop()
        written = mixed.writer_result(writer)
        finished = site.finish() if site.processes else {}
        postgres.destroy()
        redis_server.destroy()
    return report(args, readers, samples, elapsed, written, finished)


def line(point: dict, started: float) -> str:
    rss = " ".join(f"{pid}:{mib(kib)}" for pid, kib in sorted(point["rss_kib"].items()))
    return (
        f"   {point['at'] - started:6.0f} s  {point['requests']:>7} requests  {point['5xx']} 5xx  "
        f"RSS MiB {rss}  PostgreSQL connections {point['connections']}"
    )


def report(
    args, readers: Readers, samples: list[dict], elapsed: float, written: dict, finished: dict
) -> dict:
    first, last = samples[0], samples[-1]
    requests, errors_5xx = readers.totals()
    return {
        "minutes": args.minutes,
        "topics": args.topics,
        "workers": args.workers,
        "conns": args.conns,
        "write_rate": args.rate,
        "requests": requests,
        "rps": round(requests / elapsed, 1) if elapsed else 0.0,
        "5xx": errors_5xx,
        "no_answer": readers.errors,
        "statuses": {str(k): v for k, v in sorted(readers.statuses.items())},
        "p50_ms": round(percentile(readers.latencies, 0.50), 1),
        "p95_ms": round(percentile(readers.latencies, 0.95), 1),
        "p99_ms": round(percentile(readers.latencies, 0.99), 1),
        "mean_ms": round(statistics.fmean(readers.latencies) * 1000, 1) if readers.latencies else 0.0,
        "rss_start_kib": first["rss_kib"],
        "rss_end_kib": last["rss_kib"],
        "connections_start": first["connections"],
        "connections_end": last["connections"],
        "connections_max": max(point["connections"] for point in samples),
        "writer": written,
        "server_tracebacks": finished.get("server_tracebacks"),
        "samples": samples,
    }


def summary(result: dict) -> str:
    workers = sorted(set(result["rss_start_kib"]) | set(result["rss_end_kib"]))
    rss = ", ".join(
        f"{pid}: {mib(result['rss_start_kib'].get(pid))} → {mib(result['rss_end_kib'].get(pid))} MiB"
        for pid in workers
    )
    writer = result["writer"]
    return "\n".join(
        [
            f"Soak: {result['minutes']:g} min, {result['topics']:,} topics, {result['workers']} gunicorn workers, "
            f"{result['conns']} reader threads, writers at {result['write_rate']:g}/s",
            f"  requests      {result['requests']:,} ({result['rps']} req/s); statuses {result['statuses']}",
            f"  5xx           {result['5xx']} (no answer: {result['no_answer']}; server tracebacks: "
            f"{result['server_tracebacks']})",
            f"  latency       p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms",
            f"  worker RSS    {rss} (first sample → end)",
            f"  PostgreSQL    {result['connections_start']} → {result['connections_end']} open connections "
            f"(at most {result['connections_max']})",
            f"  writers       {writer.get('writes', 0)} writes ({writer.get('per_s', 0)}/s), "
            f"errors {writer.get('errors') or 0}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--topics", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=5.0, help="writes per second (0: readers only)")
    parser.add_argument("--conns", type=int, default=4, help="reader threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--warmup", type=float, default=20.0, help="seconds of traffic before the first sample"
    )
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--zipf", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--with-search", action="store_true", help="add search and FAQ pages to the mix")
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("SOAK_PORT_BASE", 8190)))
    parser.add_argument("--results", type=Path, default=Path(os.environ.get("BENCH_DIR", HERE / "results")))
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="community-soak-"))
    workdir.chmod(0o755)
    try:
        result = soak(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"soak-{datetime.now(UTC).strftime('%Y%m%d-%H%M')}.json"
    out.write_text(json.dumps(result, indent=1, default=str))
    print()
    print(summary(result))
    print(f"(written to {out})")
    sys.exit(1 if result["5xx"] else 0)


if __name__ == "__main__":
    main()
