"""Inbound mail cost: N messages through ``inbound.pipeline.receive``, half replies to
notifications and half new questions to a support address.

    .venv/bin/python bench/email_in.py [--messages 1000] [--members 50] [--topics 100]

Builds a throwaway database (the test settings, SQLite unless DATABASE_URL is set), makes
members with confirmed addresses and topics, then hands each generated message to the pipeline
as the pipe command would (reply text under a quoted notification, some with HTML only, and a
signature). Prints the wall time, the milliseconds per message (mean, p50, p90) and the SQL
queries per message (CaptureQueriesContext), for replies and questions apart; then receives
every message again (each one a duplicate) and prints the same. Outgoing mail is kept in memory.

The background work a post starts (search indexing, notification fan-out and its mail) is
queued, not run, as with a real task worker; ``--inline-tasks`` runs it inside each receive
instead (the test settings' immediate backend), to see the whole cost in one place.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from mentions_poll import WORDS  # noqa: E402  (the same product vocabulary as the mentions bench)

AUTH = "mx.bench; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org; dmarc=pass header.from=example.org"


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def make_mail(*, to: str, sender: str, subject: str, body: str, html: bool, message_id: str) -> bytes:
    msg = EmailMessage()
    msg["Authentication-Results"] = AUTH
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, to, subject, message_id
    if html:
        paragraphs = "".join(f"<p>{line}</p>" for line in body.splitlines() if line.strip())
        msg.set_content(f"<html><body>{paragraphs}</body></html>", subtype="html")
    else:
        msg.set_content(body)
    return msg.as_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--topics", type=int, default=100)
    parser.add_argument(
        "--inline-tasks", action="store_true", help="run background tasks inside each receive"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import (
        CaptureQueriesContext,
        override_settings,
        setup_databases,
        teardown_databases,
    )

    if not args.inline_tasks:
        override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}).enable()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.INBOUND_EMAIL_DOMAIN = "in.bench.example"
    settings.INBOUND_AUTHSERV_ID = "mx.bench"
    settings.INBOUND_SUPPORT_ADDRESSES = "support@bench.example=help"
    settings.INBOUND_SENDER_RATE_LIMIT = ""  # one sender sends many here; the limit is not measured
    settings.FORUM_POST_RATE_LIMIT = ""
    rng = random.Random(19)
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from django.contrib.auth import get_user_model

        from allauth.account.models import EmailAddress

        from forum.models import Category, Post, Topic
        from forum.services.topics import topic_create
        from inbound.pipeline import receive
        from inbound.services import reply_address_for

        User = get_user_model()
        help_category = Category.objects.create(name="Help", slug="help")
        members = []
        for n in range(args.members):
            user = User.objects.create(username=f"member{n}", email=f"member{n}@example.org")
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
            members.append(user)
        topics = [
            topic_create(
                author=rng.choice(members),
                title=f"{sentence(rng, 5)} question {n}",
                source=sentence(rng, 30),
                category=help_category,
            )
            for n in range(args.topics)
        ]
        mails: list[tuple[str, bytes]] = []
        for n in range(args.messages):
            member = rng.choice(members)
            sender = f"Member {member.pk} <{member.email}>"
            text = f"{sentence(rng, 25)}.\n\n{sentence(rng, 15)}."
            html = n % 5 == 0
            if n % 2 == 0:
                topic = rng.choice(topics)
                body = f"{text}\n\nOn Mon, Support wrote:\n> {sentence(rng, 20)}\n> {sentence(rng, 10)}\n\n-- \n{member.username}"
                mails.append(
                    (
                        "reply",
                        make_mail(
                            to=reply_address_for(user=member, topic=topic) or "",
                            sender=sender,
                            subject=f"Re: {topic.title}",
                            body=body,
                            html=html,
                            message_id=f"<bench-{n}@example.org>",
                        ),
                    )
                )
            else:
                mails.append(
                    (
                        "question",
                        make_mail(
                            to="support@bench.example",
                            sender=sender,
                            subject=f"{sentence(rng, 6)} {n}",
                            body=f"{text}\n\n-- \n{member.username}",
                            html=html,
                            message_id=f"<bench-{n}@example.org>",
                        ),
                    )
                )
        posts_before = Post.objects.count()

        def run(label: str) -> None:
            timings: dict[str, list[float]] = {"reply": [], "question": []}
            queries: dict[str, int] = {"reply": 0, "question": 0}
            statuses: dict[str, int] = {}
            started = time.perf_counter()
            for kind, raw in mails:
                connection.queries_log.clear()  # the log keeps 9,000 queries: start each count empty
                t0 = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    outcome = receive(raw, source="test")
                timings[kind].append((time.perf_counter() - t0) * 1000)
                queries[kind] += len(captured.captured_queries)
                statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
            total = time.perf_counter() - started
            every = timings["reply"] + timings["question"]
            print(f"{label}: {len(mails)} messages in {total:.2f} s; {statuses}")
            print(
                f"  all:       {total * 1000 / len(mails):.1f} ms/message "
                f"(p50 {statistics.median(every):.1f}, p90 {statistics.quantiles(every, n=10)[-1]:.1f}); "
                f"{sum(queries.values()) / len(mails):.1f} queries/message"
            )
            for kind, plural in (("reply", "replies"), ("question", "questions")):
                values = timings[kind]
                print(
                    f"  {plural + ':':<11} {statistics.mean(values):.1f} ms/message "
                    f"(p50 {statistics.median(values):.1f}); {queries[kind] / len(values):.1f} queries/message"
                )

        run("first receipt")
        made = Post.objects.count() - posts_before
        print(f"  posts made: {made} ({Topic.objects.count() - args.topics} new topics)")
        run("received again")
        print(f"  posts made by the second pass: {Post.objects.count() - posts_before - made}")
        print(
            f"database: {connection.vendor}; background tasks {'inline' if args.inline_tasks else 'queued'}"
        )
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
