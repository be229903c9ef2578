"""In-process half of ``bench/mixed.py`` for this site (Django set up from the environment that
``bench/mixed.py`` passes: the production settings on a prepared data folder).

    python bench/mixed_site.py addresses          # JSON: topic, list, category, FAQ addresses
    python bench/mixed_site.py write --rate 5 --duration 25 --seed 1   # members writing

``write`` is the writers' process: members (``bench-writer-NN``, verified, created by
``addresses``) reply, say "me too", vote and edit, each through the site's services
(``forum.services.posts.post_create`` and ``post_edit``, ``forum.services.reactions``), at a
steady rate, on topics drawn from the same Zipf popularity as the readers' addresses. It prints
one JSON line with what it did: writes per kind, errors, the rate reached and write latency.
The mix, the loop and the command line are shared with the peer's half (``mixed_writers.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django  # noqa: E402

django.setup()

import mixed_writers  # noqa: E402
from mixed_writers import WRITERS, sentence  # noqa: E402

from accounts.models import User  # noqa: E402
from forum.models import Category, Post, Topic  # noqa: E402


def generated_topics():
    return Topic.objects.visible().filter(external_id__startswith="gen:").order_by("pk")


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


class Writer(mixed_writers.Writer):
    def __init__(self, seed: int, zipf: float):
        topic_ids = list(generated_topics().values_list("pk", flat=True))
        super().__init__(seed, zipf, writers(), topic_ids)

    def pick_topic(self) -> Topic:
        return Topic.objects.select_related("first_post").get(pk=self.pick_topic_id())

    def write(self, kind: str, member) -> str:
        from forum.services import posts as post_services
        from forum.services import reactions

        if kind == "reply":
            topic = self.pick_topic()
            post = post_services.post_create(
                author=member, topic=topic, source=sentence(self.rng, self.rng.randint(8, 30))
            )
            self.own.setdefault(member.pk, []).append(post.pk)
        elif kind == "edit":
            post = Post.objects.select_related("topic").get(pk=self.rng.choice(self.own[member.pk]))
            post_services.post_edit(actor=member, post=post, source=post.source + " " + sentence(self.rng, 6))
        elif kind == "metoo":
            reactions.topic_toggle_metoo(user=member, topic=self.pick_topic())
        else:
            topic = self.pick_topic()
            replies = list(
                Post.objects.visible()
                .filter(topic=topic)
                .exclude(pk=topic.first_post_id)
                .exclude(author=member)
                .order_by("pk")
                .only("pk", "topic_id", "author_id", "is_hidden")[:30]
            )
            if not replies:
                reactions.topic_toggle_metoo(user=member, topic=topic)
                return "metoo"
            post = self.rng.choice(replies)
            post.topic = topic
            reactions.post_toggle_vote(user=member, post=post)
        return kind


if __name__ == "__main__":
    mixed_writers.main(addresses, Writer)
