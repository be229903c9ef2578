"""One email round trip, end to end: staff answer on the site, the member gets the notification
mail, answers it from their mail program, the mail server pipes the answer to ``manage.py
receive_mail``, it is posted as them, and they get the confirmation.

Every mail of the trip is also written to the test's folder (``round-trip-N.eml``), so the trip
can be read as the mails were sent and received: ``pytest tests/inbound/test_round_trip.py
--basetemp=DIR``."""

from __future__ import annotations

import email
import email.policy

from django.core import mail

import pytest

from forum.models import Post
from forum.services.posts import post_create
from tests.factories import staff_user
from tests.inbound.conftest import AUTH_PASS, fixture_mail
from tests.inbound.test_command import run

pytestmark = pytest.mark.django_db


def test_a_notification_answered_by_mail_is_posted_and_confirmed(
    ann, topic, tmp_path, django_capture_on_commit_callbacks
):
    topic.author = ann
    topic.save(update_fields=["author"])
    topic.first_post.author = ann
    topic.first_post.save(update_fields=["author"])
    sam = staff_user(username="sam", email="sam@community.test")
    trip: list[bytes] = []

    # 1. Staff answer on the site; the notification mail to the asker carries a reply address.
    with django_capture_on_commit_callbacks(execute=True):
        post_create(author=sam, topic=topic, source="Check the spam folder, then ask for a new link.")
    [notification] = [m for m in mail.outbox if m.to == ["ann@example.org"]]
    trip.append(notification.message().as_bytes())
    reply_to = notification.reply_to[0] if notification.reply_to else notification.extra_headers["Reply-To"]
    assert reply_to.startswith("reply+") and reply_to.endswith("@in.community.test")
    assert (
        "reply to this mail" in notification.body.lower()
        or "reply to this email" in notification.body.lower()
    )

    # 2. Ann answers from Thunderbird (quoting the notification and signing off); the receiving
    #    server adds Authentication-Results and pipes the message to receive_mail.
    answer = fixture_mail("thunderbird.eml", reply_to)
    if b"Authentication-Results" not in answer:
        answer = f"Authentication-Results: {AUTH_PASS}\r\n".encode() + answer
    trip.append(answer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        code, out, err = run(answer)
    assert (code, err) == (0, ""), err

    # 3. Posted once, as Ann, by email, without the quote or the signature.
    posted = Post.objects.filter(topic=topic, author=ann).exclude(pk=topic.first_post_id).get()
    assert posted.via == Post.Via.EMAIL
    assert posted.source.startswith("Thanks, the reset link arrived after I checked the spam folder.")
    assert "wrote:" not in posted.source

    # 4. Ann gets a short confirmation, marked automatic and threaded on her mail.
    [confirmation] = [m for m in mail.outbox if m.to == ["ann@example.org"]]
    trip.append(confirmation.message().as_bytes())
    assert confirmation.extra_headers["Auto-Submitted"] == "auto-replied"
    parsed = email.message_from_bytes(answer, policy=email.policy.default)
    assert confirmation.extra_headers["In-Reply-To"] == parsed["Message-ID"]
    assert topic.get_absolute_url() in confirmation.body or str(posted.pk) in confirmation.body

    for number, raw in enumerate(trip, start=1):
        (tmp_path / f"round-trip-{number}.eml").write_bytes(raw)
