"""The peer's half of ``bench/mixed.py``: run with the Spirit harness's own Python, inside a
seeded copy of the harness (``bench/mixed.py`` sets ``PYTHONPATH``, ``DJANGO_SETTINGS_MODULE``
and ``SPIRIT_BENCH_DATA``, and copies this file and ``mixed_writers.py`` there). Nothing of
Spirit is copied here: it only calls Spirit's models and its comment path.

    python mixed_spirit.py addresses     # JSON: topic, list, category addresses, a session
    python mixed_spirit.py write --rate 5 --duration 25 --seed 1

``write`` does what our writers do, through Spirit's own write path: a reply is a ``Comment``
rendered by Spirit's Markdown and followed by ``comment_posted`` (notifications, unread marks,
the topic's comment count and last activity); a vote is a ``CommentLike`` with the comment's like
count; "me too" (Spirit has none) is a topic favourite; an edit goes through
``pre_comment_update`` / ``post_comment_update`` (history, modified count). Same shares, same
rate, same Zipf popularity of topics as ours: the mix, the loop and the command line are
``mixed_writers.py``, shared with our half.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

import mixed_writers  # noqa: E402
from mixed_writers import WRITERS, sentence  # noqa: E402
from spirit.category.models import Category  # noqa: E402
from spirit.comment.like.models import CommentLike  # noqa: E402
from spirit.comment.models import Comment  # noqa: E402
from spirit.comment.utils import comment_posted, post_comment_update, pre_comment_update  # noqa: E402
from spirit.core.utils.markdown import Markdown  # noqa: E402
from spirit.topic.favorite.models import TopicFavorite  # noqa: E402
from spirit.topic.models import Topic  # noqa: E402


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


class Writer(mixed_writers.Writer):
    def __init__(self, seed: int, zipf: float):
        users = get_user_model().objects.filter(username__startswith="user").order_by("username")
        super().__init__(seed, zipf, list(users[:WRITERS]), list(topics().values_list("pk", flat=True)))
        self.md = Markdown()

    def pick_topic(self) -> Topic:
        return Topic.objects.get(pk=self.pick_topic_id())

    def write(self, kind: str, member) -> str:
        if kind == "reply":
            topic = self.pick_topic()
            raw = sentence(self.rng, self.rng.randint(8, 30))
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
            comment.comment = comment.comment + " " + sentence(self.rng, 6)
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
        return kind


if __name__ == "__main__":
    sys.exit(mixed_writers.main(addresses, Writer))
