"""What the two writer halves of ``bench/mixed.py`` share (``mixed_site.py`` for this site,
``mixed_spirit.py`` for the peer): the members' mix of writes, their words, the Zipf popularity
of topics, the steady-rate loop and the command line. Each half only says how one write of a
kind is done on its own site (``Writer.write``), so both sides are measured the same way.

Pure Python with no import of Django at load: ``bench/mixed.py`` copies it beside
``mixed_spirit.py`` into the peer's harness, whose Python runs it there.
"""

from __future__ import annotations

import abc
import argparse
import json
import random
import statistics
import time
from collections.abc import Callable

WRITERS = 20
# What the writers do, by share of writes (the same shares for both sides).
MIX = (("reply", 0.40), ("metoo", 0.20), ("vote", 0.25), ("edit", 0.15))
# The readers' popularity order of topics (bench/mixed.py shuffles with the same seed).
POPULARITY_SEED = 20240601
WORDS = [
    "thanks",
    "this",
    "worked",
    "for",
    "me",
    "after",
    "I",
    "cleared",
    "the",
    "cache",
    "and",
    "restarted",
    "the",
    "sync",
    "same",
    "problem",
    "here",
    "on",
    "the",
    "latest",
    "version",
    "with",
    "two",
    "accounts",
    "and",
    "the",
    "export",
    "to",
    "csv",
    "the",
    "report",
    "still",
    "shows",
    "the",
    "old",
    "numbers",
    "until",
    "I",
    "log",
    "out",
    "and",
    "back",
    "in",
    "again",
    "support",
    "told",
    "me",
    "to",
    "reinstall",
    "the",
    "app",
    "but",
    "that",
    "did",
    "not",
    "help",
    "at",
    "all",
]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


class Writer(abc.ABC):
    """One process's writers: picks a kind by ``MIX``, a member and a topic by popularity, times
    the write and counts it (or its error: the run goes on). Subclasses implement ``write``."""

    def __init__(self, seed: int, zipf: float, members: list, topic_ids: list[int]):
        self.rng = random.Random(seed)
        self.members = members
        ranks = list(range(len(topic_ids)))
        random.Random(POPULARITY_SEED).shuffle(ranks)
        self.by_rank = [topic_ids[i] for i in ranks]
        self.cum = []
        total = 0.0
        for rank in range(len(self.by_rank)):
            total += 1.0 / (rank + 1) ** zipf
            self.cum.append(total)
        self.own: dict[int, list[int]] = {}  # member pk -> the pks of what they wrote (to edit)
        self.counts = {kind: 0 for kind, _ in MIX}
        self.errors: dict[str, int] = {}
        self.latencies: list[float] = []

    def pick_topic_id(self) -> int:
        return self.rng.choices(self.by_rank, cum_weights=self.cum)[0]

    @abc.abstractmethod
    def write(self, kind: str, member) -> str:
        """Do one write of ``kind`` as ``member``; return the kind actually done (the site's and
        Spirit's writers each implement it)."""

    def one(self) -> None:
        kind = self.rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
        member = self.rng.choice(self.members)
        if kind == "edit" and not self.own.get(member.pk):
            kind = "reply"
        started = time.perf_counter()
        try:
            kind = self.write(kind, member)
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            name = f"{kind}: {type(exc).__name__}"
            self.errors[name] = self.errors.get(name, 0) + 1
            return
        finally:
            self.latencies.append((time.perf_counter() - started) * 1000)
        self.counts[kind] += 1


def run(writer: Writer, rate: float, duration: float) -> dict:
    """Write at ``rate`` per second for ``duration`` seconds; what was done, as a dict."""
    from django.db import close_old_connections

    started = time.perf_counter()
    deadline = started + duration
    done = 0
    while True:
        due = started + done / rate
        now = time.perf_counter()
        if due >= deadline:
            break
        if due > now:
            time.sleep(due - now)
        elif now - due > 2.0:
            # Too far behind (the machine is saturated): do not fire a burst to catch up.
            started += now - due - 2.0
        writer.one()
        done += 1
        if done % 50 == 0:
            close_old_connections()
    elapsed = time.perf_counter() - (deadline - duration)
    lat = sorted(writer.latencies)
    return {
        "rate": rate,
        "writes": sum(writer.counts.values()),
        "per_s": round(sum(writer.counts.values()) / elapsed, 2),
        "kinds": writer.counts,
        "errors": writer.errors,
        "write_ms_p50": round(statistics.median(lat), 1) if lat else None,
        "write_ms_p90": round(lat[int(0.9 * (len(lat) - 1))], 1) if lat else None,
    }


def main(addresses: Callable[[], dict], make_writer: Callable[[int, float], Writer]) -> None:
    """``addresses``: print the site's addresses as JSON; ``write``: run the writers and print
    one ``WRITERJSON`` line (``bench/mixed.py`` reads both)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["addresses", "write"])
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--zipf", type=float, default=1.0)
    args = parser.parse_args()
    if args.what == "addresses":
        print(json.dumps(addresses()))
    else:
        result = run(make_writer(args.seed, args.zipf), args.rate, args.duration)
        print("WRITERJSON " + json.dumps(result), flush=True)
