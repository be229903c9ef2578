"""p50 of an API topic read (``GET /api/v1/topics/<id>``) at N generated topics, in process and
through gunicorn, and the product-page widget's size gzipped.

    python bench/api_read.py [--topics 5000] [--reads 400] [--var DIR] [--reuse] [--no-gunicorn]

The site is generated once with ``bench/run.py``'s ``prepare_site`` (production settings on a
data folder of its own, SQLite); then a child process with that environment reads random
visible topics through Django's test client, each topic twice: the first read of a topic
("cold": the content cache has not seen it) and the second ("warm"). Then gunicorn (one sync
worker, the same settings and data) is started on a loopback port and other topics are read
the same way over HTTP, one request at a time. Prints the p50 and p90 of each, in
milliseconds, the size of ``/widget.js`` raw and gzipped (level 9, as a server would send it;
the limit is 15 KB), and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def measure(reads: int) -> dict:
    sys.path.insert(0, str(ROOT))
    import random
    import statistics
    import time

    import django

    django.setup()
    from django.test import Client

    from forum.models import Topic

    ids = list(Topic.objects.visible().values_list("pk", flat=True))
    random.Random(17).shuffle(ids)
    ids = ids[:reads]
    client = Client()
    client.get(f"/api/v1/topics/{ids[0]}")  # imports, connections, the schema
    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    for pk in ids:
        for kind in ("cold", "warm"):
            started = time.perf_counter()
            response = client.get(f"/api/v1/topics/{pk}")
            timings[kind].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"topic {pk}: {response.status_code}")

    def cut(values: list[float], q: int) -> float:
        return round(statistics.quantiles(values, n=100)[q - 1], 2)

    return {
        "topics": Topic.objects.count(),
        "reads": len(ids),
        **{f"{kind}_p50_ms": cut(values, 50) for kind, values in timings.items()},
        **{f"{kind}_p90_ms": cut(values, 90) for kind, values in timings.items()},
    }


def measure_http(base: str, ids: list[int]) -> dict:
    """Cold and warm reads of ``ids`` over HTTP, one at a time (a new connection each, as a
    sync gunicorn worker closes them)."""
    import statistics
    import time
    import urllib.request

    def get(path: str) -> None:
        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 - loopback
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: {response.status}")

    get(f"/api/v1/topics/{ids[0]}")
    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    for pk in ids[1:]:
        for kind in ("cold", "warm"):
            started = time.perf_counter()
            get(f"/api/v1/topics/{pk}")
            timings[kind].append((time.perf_counter() - started) * 1000)

    def cut(values: list[float], q: int) -> float:
        return round(statistics.quantiles(values, n=100)[q - 1], 2)

    return {
        "http_reads": len(ids) - 1,
        **{f"http_{kind}_p50_ms": cut(values, 50) for kind, values in timings.items()},
        **{f"http_{kind}_p90_ms": cut(values, 90) for kind, values in timings.items()},
    }


def through_gunicorn(env: dict, var: Path, reads: int) -> dict:
    """Start gunicorn on a free loopback port with the bench site's settings, read topics the
    in-process run did not read, stop it."""
    import random
    import signal
    import time
    import urllib.request

    from bench.run import free_port

    ids_json = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c",
         "import json; from forum.models import Topic; "
         "print(json.dumps(list(Topic.objects.visible().values_list('pk', flat=True))))"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    ids = json.loads(ids_json)
    random.Random(18).shuffle(ids)
    port = free_port(range(8140, 8145))
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--error-logfile", str(var / "gunicorn-api.log")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/categories", timeout=5)  # noqa: S310 - loopback
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit(f"gunicorn did not answer on {base}") from None
                time.sleep(0.5)
        return measure_http(base, ids[: reads + 1])
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def widget_size() -> dict:
    import gzip

    body = (ROOT / "static" / "widget" / "widget.js").read_bytes()
    return {"widget_bytes": len(body), "widget_gzip_bytes": len(gzip.compress(body, compresslevel=9))}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--topics", type=int, default=5000)
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "bench-api")
    parser.add_argument("--reuse", action="store_true", help="reuse a folder generated with as many topics")
    parser.add_argument("--no-gunicorn", action="store_true", help="only the in-process figures")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.reads)))
        return
    sys.path.insert(0, str(ROOT))
    from bench.run import prepare_site, site_env

    prepare_site(args.topics, args.var, args.reuse)
    env = site_env(args.var)
    result = subprocess.run(
        [sys.executable, __file__, "--measure", "--reads", str(args.reads)],
        env={**env, "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit("measuring failed")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(
        f"API topic read at {figures['topics']:,} topics, {figures['reads']} topics read in process: "
        f"first read p50 {figures['cold_p50_ms']} ms (p90 {figures['cold_p90_ms']}), "
        f"second read p50 {figures['warm_p50_ms']} ms (p90 {figures['warm_p90_ms']})"
    )
    if not args.no_gunicorn:
        figures.update(through_gunicorn(env, args.var, args.reads))
        print(
            f"Through gunicorn (1 sync worker, loopback), {figures['http_reads']} topics: "
            f"first read p50 {figures['http_cold_p50_ms']} ms (p90 {figures['http_cold_p90_ms']}), "
            f"second read p50 {figures['http_warm_p50_ms']} ms (p90 {figures['http_warm_p90_ms']})"
        )
    figures.update(widget_size())
    print(
        f"/widget.js: {figures['widget_bytes']:,} bytes, {figures['widget_gzip_bytes']:,} gzipped "
        f"(limit 15,360)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
