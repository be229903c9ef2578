"""Running callables at the same moment, each in its own thread (and so its own database
connection), for the tests of races: double submits, counters, locks."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def run_at_once(calls: list[Callable[[], object]]) -> list:
    """Run each callable in its own thread, released together by a barrier; return what each
    returned or the exception it raised, in the order of ``calls``. Each thread closes its
    database connections, so the test's own connection can flush afterwards."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
