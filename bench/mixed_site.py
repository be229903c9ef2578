"""In-process half of ``bench/mixed.py`` for this site (Django set up from the environment that
``bench/mixed.py`` passes: the production settings on a prepared data folder).

    python bench/mixed_site.py addresses          # JSON: topic, list, category, FAQ addresses
    python bench/mixed_site.py write --rate 5 --duration 25 --seed 1   # members writing

``write`` is the writers' process: members (``bench-writer-NN``, verified, created by
``addresses``) reply, say "me too", vote and edit, each through the site's services
(``forum.services.posts.post_create`` and ``post_edit``, ``forum.services.reactions``), at a
steady rate, on topics drawn from the same Zipf popularity as the readers' addresses. It prints
one JSON line with what it did: writes per kind, errors, the rate reached and write latency.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django  # noqa: E402

django.setup()

from accounts.models import User  # noqa: E402
from forum.models import Category, Post, Topic  # noqa: E402

WRITERS = 20
# What the writers do, by share of writes (the same shares for the peer).
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


def generated_topics():
    return Topic.objects.filter(external_id__startswith="gen:", is_hidden=False).order_by("pk")


def writers() -> list[User]:
    """The writing members, created on first use (verified email: they may reply and vote)."""
    from allauth.account.models import EmailAddress

    members = []
    for n in range(1, WRITERS + 1):
        user, created = User.objects.get_or_create(
            username=f"bench-writer-{n:02d}",
            defaults={"email": f"bench-writer-{n:02d}@example.com", "display_name": f"Bench Writer {n}"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        members.append(user)
    return members


def addresses() -> dict:
    writers()
    topics = [t.get_absolute_url() for t in generated_topics().only("pk", "slug")]
    categories = [c.get_absolute_url() for c in Category.objects.order_by("order", "name")]
    faq = []
    try:
        from wagtail.models import Page

        from kb.models import FaqArticlePage

        faq = [p.url for p in Page.objects.live().type(FaqArticlePage).order_by("pk")]
    except ImportError:  # pragma: no cover - without the FAQ app
        pass
    return {"topics": topics, "list": "/community/", "categories": categories, "faq": faq}


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


class Writer:
    def __init__(self, seed: int, zipf: float):
        self.rng = random.Random(seed)
        self.members = writers()
        self.topic_ids = list(generated_topics().values_list("pk", flat=True))
        ranks = list(range(len(self.topic_ids)))
        random.Random(20240601).shuffle(ranks)  # the readers' popularity order (bench/mixed.py)
        self.by_rank = [self.topic_ids[i] for i in ranks]
        self.cum = []
        total = 0.0
        for rank in range(len(self.by_rank)):
            total += 1.0 / (rank + 1) ** zipf
            self.cum.append(total)
        self.own_posts: dict[int, list[int]] = {}
        self.counts = {kind: 0 for kind, _ in MIX}
        self.errors: dict[str, int] = {}
        self.latencies: list[float] = []

    def pick_topic(self) -> Topic:
        pk = self.rng.choices(self.by_rank, cum_weights=self.cum)[0]
        return Topic.objects.select_related("first_post").get(pk=pk)

    def one(self) -> None:
        from forum.services import posts as post_services
        from forum.services import reactions

        kind = self.rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
        member = self.rng.choice(self.members)
        if kind == "edit" and not self.own_posts.get(member.pk):
            kind = "reply"
        started = time.perf_counter()
        try:
            if kind == "reply":
                topic = self.pick_topic()
                post = post_services.post_create(
                    author=member, topic=topic, source=_sentence(self.rng, self.rng.randint(8, 30))
                )
                self.own_posts.setdefault(member.pk, []).append(post.pk)
            elif kind == "edit":
                post = Post.objects.select_related("topic").get(pk=self.rng.choice(self.own_posts[member.pk]))
                post_services.post_edit(
                    actor=member, post=post, source=post.source + " " + _sentence(self.rng, 6)
                )
            elif kind == "metoo":
                topic = self.pick_topic()
                reactions.topic_toggle_metoo(user=member, topic=topic)
            else:
                topic = self.pick_topic()
                replies = list(
                    Post.objects.filter(topic=topic, is_hidden=False)
                    .exclude(pk=topic.first_post_id)
                    .exclude(author=member)
                    .order_by("pk")
                    .only("pk", "topic_id", "author_id", "is_hidden")[:30]
                )
                if not replies:
                    reactions.topic_toggle_metoo(user=member, topic=topic)
                    kind = "metoo"
                else:
                    post = self.rng.choice(replies)
                    post.topic = topic
                    reactions.post_toggle_vote(user=member, post=post)
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            name = f"{kind}: {type(exc).__name__}"
            self.errors[name] = self.errors.get(name, 0) + 1
            return
        finally:
            self.latencies.append((time.perf_counter() - started) * 1000)
        self.counts[kind] += 1


def write(rate: float, duration: float, seed: int, zipf: float) -> dict:
    from django.db import close_old_connections

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
    main()
