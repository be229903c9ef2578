"""Fallback load generator when wrk is not installed: N threads, each with its own connection
to a loopback server, for a fixed time. Prints the same ``WRKJSON {...}`` line as wrk_json.lua.

    python bench/load.py http://127.0.0.1:8107/community/ --connections 2 --duration 10 [--cookie k=v]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlsplit


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def run(url: str, connections: int, duration: float, cookie: str | None) -> dict:
    parts = urlsplit(url)
    if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("load.py only targets a loopback server")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Cookie": cookie} if cookie else {}
    latencies: list[float] = []
    errors = {"err_connect": 0, "err_read": 0, "err_write": 0, "err_status": 0, "err_timeout": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def worker() -> None:
        local, local_errors = [], dict.fromkeys(errors, 0)
        while time.perf_counter() < deadline:
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    local_errors["err_status"] += 1
            except TimeoutError:
                local_errors["err_timeout"] += 1
                continue
            except OSError:
                local_errors["err_read"] += 1
                continue
            finally:
                conn.close()
            local.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(local)
            for key, value in local_errors.items():
                errors[key] += value

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    values = sorted(latencies)
    return {
        "requests": len(values),
        "seconds": round(seconds, 3),
        "rps": len(values) / seconds if seconds else 0.0,
        "p50_ms": percentile(values, 0.50),
        "p90_ms": percentile(values, 0.90),
        "p95_ms": percentile(values, 0.95),
        "p99_ms": percentile(values, 0.99),
        "mean_ms": statistics.fmean(values) if values else 0.0,
        **errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--cookie")
    args = parser.parse_args()
    print("WRKJSON " + json.dumps(run(args.url, args.connections, args.duration, args.cookie)))


if __name__ == "__main__":
    main()
