"""Every event reaches the endpoints that want it, signed, with a versioned public payload;
what anonymous visitors cannot see is never sent."""

from __future__ import annotations

import pytest

from forum.models import Topic
from forum.services import moderation
from forum.services import posts as post_services
from forum.services import topics as topic_services
from mentions import services as mention_services
from tests.factories import CategoryFactory, TopicFactory, UserFactory
from tests.kb.conftest import make_article, make_section
from tests.webhooks.conftest import payload_of, verified
from webhooks.models import Delivery, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a write and everything its commit sets off (events, fan-out, the delivery task)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def only(receiver, endpoint, path="/hook"):
    """The single message the endpoint got, verified; and its payload."""
    requests = receiver.to(path)
    assert len(requests) == 1, [payload_of(r)["type"] for r in requests]
    message = verified(endpoint, requests[0])
    assert message == payload_of(requests[0])
    assert message["version"] == 1 and message["timestamp"]
    return message


def assert_public(message: dict, *people) -> None:
    text = str(message)
    for person in people:
        assert person.email not in text
    assert "@example.com" not in text


def test_topic_created_sends_the_public_topic_signed(receiver, make_endpoint, run, customer, settings):
    settings.SITE_URL = "https://community.example"
    endpoint = make_endpoint()
    category = CategoryFactory(name="Billing", slug="billing")
    topic = run(
        topic_services.topic_create,
        author=customer,
        title="How do I change my billing address?",
        source="I moved and the invoice still shows the **old** address.",
        category=category,
        tags="invoices, address",
    )
    message = only(receiver, endpoint)
    assert message["type"] == "topic.created"
    data = message["data"]["topic"]
    assert data["id"] == topic.pk and data["title"] == "How do I change my billing address?"
    assert data["url"] == f"https://community.example{topic.get_absolute_url()}"
    assert data["category"]["slug"] == "billing" and data["tags"] == ["address", "invoices"]
    assert data["author"]["username"] == customer.username
    assert "old address" in data["question_text"]
    assert_public(message, customer)
    headers = {k.lower(): v for k, v in receiver.to("/hook")[0]["headers"].items()}
    delivery = Delivery.objects.get()
    assert headers["webhook-id"] == delivery.msg_id and headers["webhook-signature"].startswith("v1,")
    assert headers["content-type"] == "application/json"
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.response_code == 200
    assert delivery.attempts == 1 and delivery.duration_ms is not None


def test_reply_official_and_accepted_answers_and_status_changes(
    receiver, make_endpoint, run, customer, staff
):
    endpoint = make_endpoint()
    topic = TopicFactory(author=customer, title="Why does sync stop at night?")
    helper = UserFactory(username="helper")

    reply = run(post_services.post_create, author=helper, topic=topic, source="Check the power settings.")
    message = only(receiver, endpoint)
    assert message["type"] == "post.created"
    assert message["data"]["post"]["id"] == reply.pk and message["data"]["topic"]["id"] == topic.pk
    assert message["data"]["post"]["url"].endswith(f"#post-{reply.pk}")
    assert "power settings" in message["data"]["post"]["text"]
    receiver.requests.clear()

    official = run(post_services.post_create, author=staff, topic=topic, source="Turn off battery saver.")
    receiver.requests.clear()
    run(post_services.post_mark_official, actor=staff, post=official)
    types = [payload_of(r)["type"] for r in receiver.to("/hook")]
    assert types == ["answer.official", "topic.status_changed"]
    marked, status = (verified(endpoint, r) for r in receiver.to("/hook"))
    assert marked["data"]["post"]["id"] == official.pk and marked["data"]["post"]["is_official"] is True
    assert status["data"]["new_status"] == Topic.Status.ANSWERED
    assert status["data"]["old_status"] == Topic.Status.OPEN
    receiver.requests.clear()

    topic.refresh_from_db()
    run(post_services.post_accept, actor=customer, post=reply)
    accepted = [verified(endpoint, r) for r in receiver.to("/hook")]
    assert accepted[0]["type"] == "answer.accepted" and accepted[0]["data"]["post"]["id"] == reply.pk
    receiver.requests.clear()

    topic.refresh_from_db()
    run(topic_services.topic_set_status, actor=staff, topic=topic, status=Topic.Status.IN_PROGRESS)
    message = only(receiver, endpoint)
    assert message["type"] == "topic.status_changed"
    assert message["data"]["new_status"] == "in_progress"
    assert_public(message, customer, staff, helper)


def test_unmarking_an_answer_sends_nothing(receiver, make_endpoint, run, customer, staff):
    topic = TopicFactory(author=customer)
    official = run(post_services.post_create, author=staff, topic=topic, source="The official word.")
    run(post_services.post_mark_official, actor=staff, post=official)
    make_endpoint(events=[Event.ANSWER_OFFICIAL])
    topic.refresh_from_db()
    run(post_services.post_unmark_official, actor=staff, post=official)
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_faq_published_sends_the_article(receiver, make_endpoint, run, faq_index):
    endpoint = make_endpoint(events=[Event.FAQ_PUBLISHED])
    section = make_section(faq_index, title="Billing")
    article = run(make_article, section, title="How do I pay by invoice?", summary="Ask for invoicing.")
    message = only(receiver, endpoint)
    assert message["type"] == "faq.published"
    data = message["data"]["article"]
    assert data["id"] == article.pk and data["title"] == "How do I pay by invoice?"
    assert data["summary"] == "Ask for invoicing." and data["url"].startswith("http")
    assert data["url"].endswith(article.url) and data["section"]["title"] == "Billing"


def test_a_draft_faq_article_sends_nothing(receiver, make_endpoint, run, faq_index):
    make_endpoint(events=[Event.FAQ_PUBLISHED])
    section = make_section(faq_index)
    run(make_article, section, title="A draft, not yet public", publish=False)
    assert receiver.requests == []


def test_mention_created_sends_the_mention_without_its_author(receiver, make_endpoint, run):
    endpoint = make_endpoint(events=[Event.MENTION_CREATED])
    entry = mention_services.Entry(
        url="https://blog.example/acme-review",
        title="Acme Cloud review",
        html="<p>Acme Cloud syncs fast.</p>",
        author_name="lena@example.com (Lena)",
    )
    made = run(mention_services.ingest, [entry], source=None, keywords=["Acme Cloud"], via="api")
    assert len(made) == 1
    message = only(receiver, endpoint)
    assert message["type"] == "mention.created"
    data = message["data"]["mention"]
    assert data["id"] == made[0].pk and data["url"] == "https://blog.example/acme-review"
    assert data["source"] == "api" and "/admin/mentions/" in data["admin_url"]
    assert "lena@example.com" not in str(message)


def test_each_endpoint_gets_only_the_events_it_asked_for(receiver, make_endpoint, run, customer):
    topics_only = make_endpoint("/topics", events=[Event.TOPIC_CREATED])
    replies_only = make_endpoint("/replies", events=[Event.POST_CREATED])
    topic = run(
        topic_services.topic_create,
        author=customer,
        title="Can I export my data as CSV?",
        source="Looking for a CSV export.",
        category=CategoryFactory(),
    )
    run(post_services.post_create, author=UserFactory(), topic=topic, source="Yes, under Settings.")
    assert [payload_of(r)["type"] for r in receiver.to("/topics")] == ["topic.created"]
    assert [payload_of(r)["type"] for r in receiver.to("/replies")] == ["post.created"]
    verified(topics_only, receiver.to("/topics")[0])
    verified(replies_only, receiver.to("/replies")[0])
    # The secrets differ: one endpoint's signature does not verify with the other's secret.
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        verified(replies_only, receiver.to("/topics")[0])


def test_a_disabled_endpoint_gets_nothing(receiver, make_endpoint, run, staff, customer):
    from webhooks import services

    endpoint = make_endpoint()
    services.endpoint_disable(actor=staff, endpoint=endpoint)
    run(post_services.post_create, author=customer, topic=TopicFactory(), source="Hello there, anyone?")
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_a_hidden_topic_sends_nothing(receiver, make_endpoint, run, staff, moderator, customer):
    make_endpoint()
    topic = TopicFactory(author=customer, title="Spam spam spam spam")
    run(moderation.topic_hide, user=moderator, topic=topic, reason="Spam")
    topic.refresh_from_db()
    run(post_services.post_create, author=staff, topic=topic, source="Hidden: this stays internal.")
    run(topic_services.topic_set_status, actor=staff, topic=topic, status=Topic.Status.CLOSED)
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_a_reply_hidden_before_the_message_is_built_is_not_sent(receiver, make_endpoint, run, moderator):
    """The payload is read again through the public rules after commit: a reply hidden in the
    same transaction (as the flag rules can) is never sent."""
    from django.db import transaction

    make_endpoint(events=[Event.POST_CREATED])
    topic = TopicFactory()

    def reply_then_hide():
        with transaction.atomic():
            reply = post_services.post_create(
                author=UserFactory(), topic=topic, source="Buy cheap watches here."
            )
            moderation.post_hide(user=moderator, post=reply, reason="Spam")
        return reply

    run(reply_then_hide)
    assert receiver.requests == [] and not Delivery.objects.exists()
