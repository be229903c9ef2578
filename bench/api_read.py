"""p50 of an API topic read (``GET /api/v1/topics/<id>``) in process, at N generated topics.

    python bench/api_read.py [--topics 5000] [--reads 400] [--var DIR] [--reuse]

The site is generated once with ``bench/run.py``'s ``prepare_site`` (production settings on a
data folder of its own, SQLite); then a child process with that environment reads random
visible topics through Django's test client, each topic twice: the first read of a topic
("cold": the content cache has not seen it) and the second ("warm"). Prints the p50 and p90 of
each, in milliseconds, and one JSON line.
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--topics", type=int, default=5000)
    parser.add_argument("--reads", type=int, default=400)
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "bench-api")
    parser.add_argument("--reuse", action="store_true", help="reuse a folder generated with as many topics")
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
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
