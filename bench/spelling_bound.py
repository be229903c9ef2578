"""Spelling correction on a large vocabulary: the review's worst case, timed in-process.

One query of 16 unknown 11-letter words against a synthetic 50,000-word vocabulary (finding 17
of the 2026-12 security review measured 0.85 s for it). Prints the time per query and how
many edit-distance computations it took.

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python bench/spelling_bound.py
"""

from __future__ import annotations

import os
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from search import spelling  # noqa: E402


def main() -> None:
    rng = random.Random(17)
    vocab = {
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 14))): rng.randint(1, 50)
        for _ in range(50_000)
    }
    query = " ".join("".join(rng.choices(string.ascii_lowercase, k=11)) for _ in range(16))
    spelling.vocabulary = lambda: vocab  # the synthetic vocabulary instead of the database's
    calls = {"n": 0}
    distance = spelling._distance

    def counted(a, b, limit):
        calls["n"] += 1
        return distance(a, b, limit)

    spelling._distance = counted
    spelling.suggest(query)  # builds the per-vocabulary indexes once, as a warm process has them
    calls["n"] = 0
    runs = 5
    started = time.perf_counter()
    for _ in range(runs):
        spelling.suggest(query)
    elapsed = (time.perf_counter() - started) / runs
    print(f"vocabulary {len(vocab):,} words, query of 16 unknown 11-letter words")
    print(f"suggest(): {elapsed * 1000:.1f} ms per query, {calls['n'] // runs:,} edit distances per query")


if __name__ == "__main__":
    main()
