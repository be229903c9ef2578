"""API writes: bearer tokens, scopes, and every forum permission through the API, both ways."""

from __future__ import annotations

import pytest

from api.services import token_create, token_revoke
from forum.models import Follow, MeToo, Post, Topic, Vote
from forum.services import topics as topic_services
from tests.api.conftest import bearer, problem
from tests.factories import CategoryFactory, PostFactory, TopicFactory, UserFactory

API = "/api/v1"


@pytest.fixture
def category(db):
    return CategoryFactory(name="Billing", slug="billing")


@pytest.fixture
def thread(category, customer):
    topic = TopicFactory(author=customer, category=category, title="Where is my invoice?")
    reply = PostFactory(topic=topic, author=UserFactory(username="helper"), source="Under Billing.")
    return topic, reply


def ask_data(**changes):
    data = {
        "title": "How do I export invoices?",
        "body": "All of them, as PDF.",
        "category": "billing",
        "tags": ["export"],
    }
    data.update(changes)
    return data


def post_json(client, url, data, headers, method="post"):
    return getattr(client, method)(url, data=data, content_type="application/json", **headers)


# --- authentication -------------------------------------------------------------------------


def test_writes_need_a_valid_unrevoked_token(client, category, customer):
    problem(post_json(client, f"{API}/topics", ask_data(), {}), 401)
    problem(
        post_json(client, f"{API}/topics", ask_data(), {"HTTP_AUTHORIZATION": "Bearer wagtail_nope"}), 401
    )
    client.force_login(customer)  # a session is not a token
    response = post_json(client, f"{API}/topics", ask_data(), {})
    assert problem(response, 401) and response["WWW-Authenticate"].startswith("Bearer")
    token, plaintext = token_create(user=customer, name="tool", scopes=["post"])
    token_revoke(user=customer, token_id=token.pk)
    problem(
        post_json(client, f"{API}/topics", ask_data(), {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}), 401
    )
    assert not Topic.objects.filter(title="How do I export invoices?").exists()


def test_a_token_of_an_inactive_member_authenticates_nothing(client, category, customer):
    headers = bearer(customer)
    type(customer).objects.filter(pk=customer.pk).update(is_active=False)
    problem(post_json(client, f"{API}/topics", ask_data(), headers), 401)


# --- asking and replying ----------------------------------------------------------------------


def test_ask_with_the_post_scope_creates_the_topic_through_the_service(client, category, customer):
    response = post_json(client, f"{API}/topics", ask_data(), bearer(customer, ["post"]))
    assert response.status_code == 201, response.content
    data = response.json()
    topic = Topic.objects.get(pk=data["id"])
    assert topic.author == customer and topic.category == category and data["tags"] == ["export"]
    assert data["question"]["text"] == "All of them, as PDF." and data["url"].endswith(
        topic.get_absolute_url()
    )


def test_ask_without_the_post_scope_is_refused(client, category, customer):
    body = problem(post_json(client, f"{API}/topics", ask_data(), bearer(customer, ["react"])), 403)
    assert "post" in body["detail"]
    assert not Topic.objects.exists()


@pytest.mark.parametrize("who", ["unverified", "banned"])
def test_ask_follows_the_sites_rules_for_who_may_post(client, category, who):
    user = UserFactory(username=who, verified=who != "unverified")
    headers = bearer(user)
    if who == "banned":
        type(user).objects.filter(pk=user.pk).update(is_banned=True)
    problem(post_json(client, f"{API}/topics", ask_data(), headers), 403)
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"body": "   "}, "source"),
        ({"body": "a\x00b" * 10}, "body"),
        ({"title": "Nul\x00 title here"}, "title"),
        ({"category": "nowhere"}, "category"),
        ({"kind": "rant"}, "kind"),
        ({"title": "x" * 5000}, "title"),
        ({"tags": "not-a-list"}, "tags"),
    ],
)
def test_ask_bad_input_is_a_4xx_problem_and_nothing_is_saved(client, category, customer, changes, field):
    response = post_json(client, f"{API}/topics", ask_data(**changes), bearer(customer))
    assert 400 <= response.status_code < 500, response.content
    body = response.json()
    assert field in (body.get("errors") or {}), body
    assert not Topic.objects.exists()


def test_malformed_json_is_a_problem(client, category, customer):
    response = client.post(
        f"{API}/topics", data="{not json", content_type="application/json", **bearer(customer)
    )
    assert 400 <= response.status_code < 500 and response["Content-Type"] == "application/problem+json"


def test_reply_and_locked_topics_staff_may_still_reply(client, thread, staff):
    topic, _ = thread
    member = UserFactory(username="member")
    response = post_json(client, f"{API}/topics/{topic.pk}/replies", {"body": "Me as well."}, bearer(member))
    assert (
        response.status_code == 201 and Post.objects.filter(pk=response.json()["id"], author=member).exists()
    )
    topic_services.topic_lock(actor=staff, topic=topic)
    body = problem(
        post_json(client, f"{API}/topics/{topic.pk}/replies", {"body": "Again."}, bearer(member)), 403
    )
    assert "locked" in body["detail"]
    response = post_json(
        client, f"{API}/topics/{topic.pk}/replies", {"body": "Official word."}, bearer(staff)
    )
    assert response.status_code == 201 and response.json()["is_official"]


def test_reply_to_a_hidden_or_missing_topic_is_a_404(client, thread, moderator):
    topic, _ = thread
    Topic.objects.filter(pk=topic.pk).update(is_hidden=True)
    problem(post_json(client, f"{API}/topics/{topic.pk}/replies", {"body": "Hi"}, bearer(moderator)), 404)
    problem(post_json(client, f"{API}/topics/999999/replies", {"body": "Hi"}, bearer(moderator)), 404)


# --- reactions --------------------------------------------------------------------------------


def test_metoo_on_someone_elses_topic_and_not_ones_own(client, thread, customer):
    topic, _ = thread
    other = UserFactory(username="other")
    data = client.put(f"{API}/topics/{topic.pk}/metoo", **bearer(other)).json()
    assert data == {"active": True, "count": 1} and MeToo.objects.filter(user=other, topic=topic).exists()
    assert client.delete(f"{API}/topics/{topic.pk}/metoo", **bearer(other)).json() == {
        "active": False,
        "count": 0,
    }
    problem(client.put(f"{API}/topics/{topic.pk}/metoo", **bearer(customer)), 403)
    problem(client.put(f"{API}/topics/{topic.pk}/metoo", **bearer(other, ["post"])), 403)


def test_vote_on_a_reply_but_not_on_ones_own_or_the_question(client, thread):
    topic, reply = thread
    voter = UserFactory(username="voter")
    assert client.put(f"{API}/posts/{reply.pk}/vote", **bearer(voter)).json() == {"active": True, "count": 1}
    assert Vote.objects.filter(user=voter, post=reply).exists()
    problem(client.put(f"{API}/posts/{reply.pk}/vote", **bearer(reply.author)), 403)
    problem(client.put(f"{API}/posts/{topic.first_post_id}/vote", **bearer(voter)), 403)
    problem(client.put(f"{API}/posts/99999999/vote", **bearer(voter)), 404)


def test_follow_and_unfollow(client, thread):
    topic, _ = thread
    member = UserFactory(username="member")
    assert client.put(f"{API}/topics/{topic.pk}/follow", **bearer(member)).json()["active"] is True
    assert Follow.objects.filter(user=member, topic=topic).exists()
    assert client.delete(f"{API}/topics/{topic.pk}/follow", **bearer(member)).json()["active"] is False
    assert not Follow.objects.filter(user=member, topic=topic).exists()
    problem(client.put(f"{API}/topics/{topic.pk}/follow", **bearer(member, ["post"])), 403)


# --- staff and the asker ----------------------------------------------------------------------


def test_only_staff_mark_the_official_answer(client, thread, staff, customer):
    topic, reply = thread
    problem(client.put(f"{API}/posts/{reply.pk}/official", **bearer(customer)), 403)
    assert client.put(f"{API}/posts/{reply.pk}/official", **bearer(staff)).json() == {
        "active": True,
        "count": None,
    }
    topic.refresh_from_db()
    assert topic.official_answer_id == reply.pk and topic.status == "answered"
    problem(client.put(f"{API}/posts/{reply.pk}/official", **bearer(staff, ["post", "react"])), 403)
    assert client.delete(f"{API}/posts/{reply.pk}/official", **bearer(staff)).json()["active"] is False


def test_the_asker_or_staff_accept_others_may_not(client, thread, staff, customer):
    topic, reply = thread
    problem(client.put(f"{API}/posts/{reply.pk}/accepted", **bearer(UserFactory(username="stranger"))), 403)
    assert client.put(f"{API}/posts/{reply.pk}/accepted", **bearer(customer)).json()["active"] is True
    topic.refresh_from_db()
    assert topic.accepted_answer_id == reply.pk
    assert client.delete(f"{API}/posts/{reply.pk}/accepted", **bearer(staff)).json()["active"] is False
    problem(client.put(f"{API}/posts/{topic.first_post_id}/accepted", **bearer(customer)), 403)


def test_only_staff_set_the_status(client, thread, staff, customer):
    topic, _ = thread
    problem(
        post_json(client, f"{API}/topics/{topic.pk}/status", {"status": "solved"}, bearer(customer), "put"),
        403,
    )
    response = post_json(
        client, f"{API}/topics/{topic.pk}/status", {"status": "in_progress"}, bearer(staff), "put"
    )
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    problem(
        post_json(client, f"{API}/topics/{topic.pk}/status", {"status": "nonsense"}, bearer(staff), "put"),
        422,
    )
    body = problem(
        post_json(client, f"{API}/topics/{topic.pk}/status", {"status": "duplicate"}, bearer(staff), "put"),
        400,
    )
    assert "duplicate" in body["detail"]


# --- limits -----------------------------------------------------------------------------------


def test_writes_are_rate_limited_per_token(client, thread, settings):
    settings.API_WRITE_RATE_LIMIT = "2/m"
    topic, _ = thread
    member = UserFactory(username="member")
    first, second = bearer(member), bearer(member)
    for _ in range(2):
        assert client.put(f"{API}/topics/{topic.pk}/follow", **first).status_code == 200
    response = client.put(f"{API}/topics/{topic.pk}/follow", **first)
    problem(response, 429)
    assert int(response["Retry-After"]) >= 1
    assert client.put(f"{API}/topics/{topic.pk}/follow", **second).status_code == 200


def test_posting_keeps_the_sites_own_rate_limit(client, thread, settings):
    settings.FORUM_POST_RATE_LIMIT = "1/m"
    topic, _ = thread
    headers = bearer(UserFactory(username="fast"))
    assert post_json(client, f"{API}/topics/{topic.pk}/replies", {"body": "One."}, headers).status_code == 201
    problem(post_json(client, f"{API}/topics/{topic.pk}/replies", {"body": "Two."}, headers), 429)
    assert Post.objects.filter(topic=topic, source="Two.").count() == 0
