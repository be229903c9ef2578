"""Double submits make one topic or reply, even in parallel (security review, finding 10).

The parallel tests need PostgreSQL (a second insert of the same token waits on the unique
index while the first transaction runs); SQLite serialises writers, so they are skipped there
(``tests/conftest.py``). The others run on both databases."""

from django.test import Client

import pytest

from forum.models import FormSubmission, Post, Topic
from forum.services import submissions
from tests.factories import CategoryFactory, TopicFactory, UserFactory
from tests.threads import run_at_once

TOKEN = "e" * 32
PARALLEL = 6


def ask_data(category, **extra):
    return {
        "title": "Why does sync stop on the train?",
        "source": "Every time the train goes into a tunnel sync stops. " * 20,
        "kind": "question",
        "category": category.pk,
        "form_token": TOKEN,
        **extra,
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_submits_of_one_ask_form_make_one_topic():
    user, category = UserFactory(username="mei"), CategoryFactory()
    clients = [signed_in(user) for _ in range(PARALLEL)]
    responses = run_at_once([lambda c=c: c.post("/community/ask/", ask_data(category)) for c in clients])
    assert [getattr(r, "status_code", r) for r in responses] == [302] * PARALLEL
    assert Topic.objects.count() == 1
    topic = Topic.objects.get()
    assert {r.url for r in responses} == {topic.get_absolute_url()}
    assert FormSubmission.objects.get().topic == topic


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_submits_of_one_reply_form_make_one_reply():
    topic = TopicFactory()
    user = UserFactory(username="mei")
    clients = [signed_in(user) for _ in range(PARALLEL)]
    url = f"/community/topics/{topic.pk}/reply/"
    data = {"source": "Have you tried turning sync off and on?", "form_token": TOKEN}
    responses = run_at_once([lambda c=c: c.post(url, data) for c in clients])
    assert [getattr(r, "status_code", r) for r in responses] == [302] * PARALLEL
    replies = Post.objects.filter(topic=topic).exclude(pk=topic.first_post_id)
    assert replies.count() == 1
    assert Topic.objects.get(pk=topic.pk).reply_count == topic.reply_count + 1


@pytest.mark.django_db
def test_a_resubmit_after_the_first_finished_leads_to_the_same_topic():
    user, category = UserFactory(username="mei"), CategoryFactory()
    client = signed_in(user)
    first = client.post("/community/ask/", ask_data(category))
    # Even with other text: the token was used, so it is the same submit.
    second = client.post("/community/ask/", ask_data(category, title="Another title entirely"))
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Topic.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_submit_frees_its_token():
    user, category = UserFactory(username="mei"), CategoryFactory()
    client = signed_in(user)
    refused = client.post("/community/ask/", ask_data(category, title="Hi"))  # title too short
    assert refused.status_code == 400
    assert not FormSubmission.objects.exists()
    assert client.post("/community/ask/", ask_data(category)).status_code == 302
    assert Topic.objects.count() == 1


@pytest.mark.django_db
def test_a_used_token_whose_topic_is_gone_is_a_clear_409():
    user, category = UserFactory(username="mei"), CategoryFactory()
    client = signed_in(user)
    client.post("/community/ask/", ask_data(category))
    Topic.objects.all().delete()
    response = client.post("/community/ask/", ask_data(category))
    assert response.status_code == 409
    assert "already sent" in response.content.decode()
    assert not Topic.objects.exists()


@pytest.mark.django_db
def test_submit_once_keeps_tokens_per_member():
    category = CategoryFactory()
    for name in ("ann", "bob"):
        assert (
            signed_in(UserFactory(username=name)).post("/community/ask/", ask_data(category)).status_code
            == 302
        )
    assert Topic.objects.count() == 2


@pytest.mark.django_db
def test_submit_once_without_a_token_is_unguarded():
    user = UserFactory(username="mei")
    made = []
    for _ in range(2):
        obj, created = submissions.submit_once(
            user=user, token="", create=lambda: made.append(1) or TopicFactory()
        )
        assert created
    assert len(made) == 2
