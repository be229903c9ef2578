"""Ask by email: a mail to a support address becomes a question."""

from __future__ import annotations

import re

from django.core import mail

import pytest

from forum.models import Post, Topic
from forum.services import moderation
from forum.services.posts import post_create, post_mark_official
from inbound.models import InboundMessage
from inbound.pipeline import receive
from tests.factories import TopicFactory, UserFactory
from tests.inbound.conftest import build_mail

pytestmark = pytest.mark.django_db

QUESTION = {
    "to": "Acme Support <support@community.test>",
    "subject": "How do I export my invoices as CSV?",
    "body": "I need all 2026 invoices in one spreadsheet for my accountant.\n\n-- \nPat",
}


def stranger_mail(**extra):
    return build_mail(**{**QUESTION, "sender": "Pat Outsider <pat@elsewhere.example>", **extra}).replace(
        b"example.org", b"elsewhere.example"
    )


def test_member_asks_by_email(ann, help_category, django_capture_on_commit_callbacks):
    TopicFactory(title="Export invoices to a spreadsheet", category=help_category)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(build_mail(**QUESTION), source="test")
    assert outcome.status == "taken", outcome.reason
    topic = outcome.message.topic
    assert topic.author == ann and topic.category == help_category and not topic.is_hidden
    assert topic.title == "How do I export my invoices as CSV?"
    assert topic.first_post.source == "I need all 2026 invoices in one spreadsheet for my accountant."
    assert topic.first_post.via == Post.Via.EMAIL
    assert outcome.message.kind == "question"
    sent = [m for m in mail.outbox if m.to == ["ann@example.org"]]
    assert len(sent) == 1
    assert "It is published" in sent[0].body
    assert "do any of these answer it?" in sent[0].body
    assert "Export invoices to a spreadsheet" in sent[0].body


def test_second_support_address_goes_to_its_category(ann, help_category):
    from tests.factories import CategoryFactory

    billing = CategoryFactory(name="Billing", slug="billing")
    outcome = receive(build_mail(**{**QUESTION, "to": "billing@community.test"}), source="test")
    assert outcome.message.topic.category == billing


def test_stranger_waits_for_staff_by_default(help_category, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(
            stranger_mail(auth="mx.test; dmarc=pass header.from=elsewhere.example"), source="test"
        )
    assert outcome.status == "taken", outcome.reason
    topic = outcome.message.topic
    author = topic.author
    assert author.is_placeholder and author.email == "pat@elsewhere.example"
    assert not author.has_usable_password()
    assert topic.is_hidden
    assert "waiting for staff" in outcome.reason
    assert "reviews questions" in mail.outbox[-1].body
    moderation.topic_unhide(user=staff, topic=topic)  # staff publish it from the moderation tools
    topic.refresh_from_db()
    assert not topic.is_hidden


def test_stranger_confirms_by_the_signed_link(
    client, help_category, settings, django_capture_on_commit_callbacks
):
    settings.INBOUND_STRANGER_POLICY = "confirm"
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(
            stranger_mail(auth="mx.test; dmarc=pass header.from=elsewhere.example"), source="test"
        )
    topic = outcome.message.topic
    assert topic.is_hidden and "confirm" in outcome.reason
    link = re.search(r"https?://\S+/mail/confirm/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("://", 1)[1].partition("/")[2]
    assert client.get("/" + path).status_code == 200
    topic.refresh_from_db()
    assert topic.is_hidden  # a GET (a link scanner) changes nothing
    response = client.post("/" + path)
    assert response.status_code == 200 and "published" in response.content.decode()
    topic.refresh_from_db()
    assert not topic.is_hidden
    assert client.post("/mail/confirm/forged-token/").status_code == 400


def test_confirm_link_does_not_publish_a_topic_a_moderator_hid(help_category, settings, moderator):
    from inbound import services, tokens

    settings.INBOUND_STRANGER_POLICY = "confirm"
    outcome = receive(stranger_mail(auth="mx.test; dmarc=pass header.from=elsewhere.example"), source="test")
    topic = outcome.message.topic
    moderation.topic_unhide(user=moderator, topic=topic)
    moderation.topic_hide(user=moderator, topic=topic, reason="spam")
    token = tokens.make_confirm_token(user_id=topic.author_id, topic_id=topic.pk)
    assert services.question_confirm(token=token).is_hidden


def test_unconfirmed_member_address_is_refused(help_category):
    from allauth.account.models import EmailAddress

    user = UserFactory(username="dana", email="ann@example.org")
    EmailAddress.objects.filter(user=user).update(verified=False)
    outcome = receive(build_mail(**QUESTION), source="test")
    assert outcome.status == "refused" and "unconfirmed" in outcome.reason
    assert not Topic.objects.filter(title=QUESTION["subject"]).exists()


def test_short_subject_is_refused_and_nothing_is_left_behind(help_category):
    from django.contrib.auth import get_user_model

    outcome = receive(
        stranger_mail(subject="Help", auth="mx.test; dmarc=pass header.from=elsewhere.example"), source="test"
    )
    assert outcome.status == "refused" and "subject becomes the title" in outcome.reason
    assert not get_user_model().objects.filter(is_placeholder=True).exists()
    assert outcome.message.topic is None and outcome.message.user is None


def test_banned_placeholder_is_refused(help_category):
    first = receive(stranger_mail(auth="mx.test; dmarc=pass header.from=elsewhere.example"), source="test")
    placeholder = first.message.topic.author
    placeholder.is_banned = True
    placeholder.save()
    again = receive(
        stranger_mail(
            subject="Another question about exports", auth="mx.test; dmarc=pass header.from=elsewhere.example"
        ),
        source="test",
    )
    assert again.status == "refused" and "suspended" in again.reason


def test_official_answer_goes_back_by_mail_to_a_stranger(
    help_category, staff, django_capture_on_commit_callbacks
):
    outcome = receive(stranger_mail(auth="mx.test; dmarc=pass header.from=elsewhere.example"), source="test")
    topic = outcome.message.topic
    moderation.topic_unhide(user=staff, topic=topic)
    topic.refresh_from_db()
    answer = post_create(author=staff, topic=topic, source="Open Billing, then Export, then CSV.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_mark_official(actor=staff, post=answer)
    sent = [m for m in mail.outbox if m.to == ["pat@elsewhere.example"]]
    assert len(sent) == 1
    assert "Open Billing, then Export, then CSV." in sent[0].body
    assert sent[0].extra_headers["Auto-Submitted"] == "auto-replied"


def test_official_answer_is_not_mailed_for_web_questions(
    help_category, staff, customer, django_capture_on_commit_callbacks
):
    from inbound.services import official_answer_mail

    topic = TopicFactory(author=customer, category=help_category)
    answer = post_create(author=staff, topic=topic, source="An answer.")
    assert official_answer_mail(topic=topic, post=answer) is False


def test_log_records_each_message(ann, help_category):
    receive(build_mail(**QUESTION), source="test")
    row = InboundMessage.objects.get()
    assert row.status == "taken" and row.sender == "ann@example.org"
    assert row.recipient == "support@community.test" and row.subject == QUESTION["subject"]
    assert "dmarc=pass" in row.auth_results
