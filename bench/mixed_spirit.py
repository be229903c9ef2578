"""The peer's half of ``bench/mixed.py``: run with the Spirit harness's own Python, inside a
seeded copy of the harness (``bench/mixed.py`` sets ``PYTHONPATH``, ``DJANGO_SETTINGS_MODULE``
and ``SPIRIT_BENCH_DATA``). Nothing of Spirit is copied here: it only calls Spirit's models and
its comment path.

    python mixed_spirit.py addresses     # JSON: topic, list, category addresses, a session
    python mixed_spirit.py write --rate 5 --duration 25 --seed 1

``write`` does what our writers do, through Spirit's own write path: a reply is a ``Comment``
rendered by Spirit's Markdown and followed by ``comment_posted`` (notifications, unread marks,
the topic's comment count and last activity); a vote is a ``CommentLike`` with the comment's like
count; "me too" (Spirit has none) is a topic favourite; an edit goes through
``pre_comment_update`` / ``post_comment_update`` (history, modified count). Same shares, same
rate, same Zipf popularity of topics as ours.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import IntegrityError, close_old_connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from spirit.category.models import Category  # noqa: E402
from spirit.comment.like.models import CommentLike  # noqa: E402
from spirit.comment.models import Comment  # noqa: E402
from spirit.comment.utils import comment_posted, post_comment_update, pre_comment_update  # noqa: E402
from spirit.core.utils.markdown import Markdown  # noqa: E402
from spirit.topic.favorite.models import TopicFavorite  # noqa: E402
from spirit.topic.models import Topic  # noqa: E402

WRITERS = 20
MIX = (("reply", 0.40), ("metoo", 0.20), ("vote", 0.25), ("edit", 0.15))
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


def topics():
    return Topic.objects.filter(category__is_private=False).order_by("pk")


def addresses() -> dict:
    client = Client()
    client.force_login(get_user_model().objects.get(username="user0500"))
    return {
        "topics": [f"/topic/{pk}/{slug}/" for pk, slug in topics().values_list("pk", "slug")],
        "list": "/",
        "categories": [
            f"/category/{pk}/{slug}/"
            for pk, slug in Category.objects.filter(is_private=False, topic__isnull=False)
            .distinct()
            .order_by("sort", "pk")
            .values_list("pk", "slug")
        ],
        "faq": [],
        "session": client.cookies["sessionid"].value,
    }


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


class Writer:
    def __init__(self, seed: int, zipf: float):
        self.rng = random.Random(seed)
        users = get_user_model().objects.filter(username__startswith="user").order_by("username")
        self.members = list(users[:WRITERS])
        ids = list(topics().values_list("pk", flat=True))
        ranks = list(range(len(ids)))
        random.Random(20240601).shuffle(ranks)  # the readers' popularity order (bench/mixed.py)
        self.by_rank = [ids[i] for i in ranks]
        self.cum = []
        total = 0.0
        for rank in range(len(self.by_rank)):
            total += 1.0 / (rank + 1) ** zipf
            self.cum.append(total)
        self.md = Markdown()
        self.own: dict[int, list[int]] = {}
        self.counts = {kind: 0 for kind, _ in MIX}
        self.errors: dict[str, int] = {}
        self.latencies: list[float] = []

    def pick_topic(self) -> Topic:
        pk = self.rng.choices(self.by_rank, cum_weights=self.cum)[0]
        return Topic.objects.get(pk=pk)

    def one(self) -> None:
        kind = self.rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
        member = self.rng.choice(self.members)
        if kind == "edit" and not self.own.get(member.pk):
            kind = "reply"
        started = time.perf_counter()
        try:
            if kind == "reply":
                topic = self.pick_topic()
                raw = _sentence(self.rng, self.rng.randint(8, 30))
                comment = Comment.objects.create(
                    user=member,
                    topic=topic,
                    comment=raw,
                    comment_html=self.md.render(raw),
                    ip_address="127.0.0.1",
                )
                comment_posted(comment=comment, mentions=None)
                self.own.setdefault(member.pk, []).append(comment.pk)
            elif kind == "edit":
                comment = Comment.objects.get(pk=self.rng.choice(self.own[member.pk]))
                pre_comment_update(comment=Comment.objects.get(pk=comment.pk))
                comment.comment = comment.comment + " " + _sentence(self.rng, 6)
                comment.comment_html = self.md.render(comment.comment)
                comment.save()
                post_comment_update(comment=comment)
            elif kind == "metoo":
                topic = self.pick_topic()
                deleted, _ = TopicFavorite.objects.filter(user=member, topic=topic).delete()
                if not deleted:
                    with transaction.atomic():
                        TopicFavorite.objects.create(user=member, topic=topic)
            else:
                topic = self.pick_topic()
                comments = list(Comment.objects.filter(topic=topic).exclude(user=member).order_by("pk")[:30])
                if comments:
                    comment = self.rng.choice(comments)
                    deleted, _ = CommentLike.objects.filter(user=member, comment=comment).delete()
                    if deleted:
                        comment.decrease_likes_count()
                    else:
                        with transaction.atomic():
                            CommentLike.objects.create(user=member, comment=comment)
                        comment.increase_likes_count()
        except (IntegrityError, Exception) as exc:  # noqa: BLE001 - counted and reported
            name = f"{kind}: {type(exc).__name__}"
            self.errors[name] = self.errors.get(name, 0) + 1
            return
        finally:
            self.latencies.append((time.perf_counter() - started) * 1000)
        self.counts[kind] += 1


def write(rate: float, duration: float, seed: int, zipf: float) -> dict:
    writer = Writer(seed, zipf)
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


def main() -> None:
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
        print("WRITERJSON " + json.dumps(write(args.rate, args.duration, args.seed, args.zipf)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
