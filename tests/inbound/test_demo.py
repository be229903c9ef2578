"""The demo seeder's email round trip: a question asked by email and a reply made by email,
each marked on the topic page; seeding again adds nothing."""

from __future__ import annotations

import pytest

from demo import accounts
from demo import inbound as demo_inbound
from forum.models import Post
from inbound.models import InboundMessage
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_demo_has_a_question_and_a_reply_by_email(client):
    accounts.seed(log=lambda *_: None)
    CategoryFactory(name="Billing & plans", slug="billing")
    demo_inbound.seed(log=lambda *_: None)
    demo_inbound.seed(log=lambda *_: None)
    assert InboundMessage.objects.filter(status="taken").count() == 2
    topic = InboundMessage.objects.get(message_id=demo_inbound.QUESTION_ID).topic
    posts = list(Post.objects.filter(topic=topic).order_by("created_at", "pk"))
    assert [p.via for p in posts] == ["email", "web", "email"]
    assert posts[-1].source == "That works, thank you! Accounts got this month's invoice already."
    page = client.get(topic.get_absolute_url())
    assert page.content.decode().count('class="via-marker"') == 2
