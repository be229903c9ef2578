"""The reaction and moderation actions over HTTP: the permission matrix, JSON and no-JS answers,
bad input, and the per-user state the topic page reads."""

from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.urls import reverse

import pytest

from forum import selectors
from forum.models import Flag, MeToo, Post, Topic, Vote
from forum.services import follows, moderation, reactions
from tests.factories import PostFactory, TopicFactory, UserFactory, moderator_user, staff_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "customer", "asker", "staff", "moderator", "banned"]
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def world():
    asker = UserFactory(username="asker")
    topic = TopicFactory(author=asker, reply_count=1)
    topic.category.topic_count = 1
    topic.category.save()
    reply = PostFactory(topic=topic, author=UserFactory(username="helper"))
    return {
        "topic": topic,
        "reply": reply,
        "users": {
            "anonymous": None,
            "customer": UserFactory(username="casey"),
            "asker": asker,
            "staff": staff_user(username="sam"),
            "moderator": moderator_user(username="morgan"),
            "banned": UserFactory(username="bert", is_banned=True, banned_reason="Spam"),
        },
        "target": UserFactory(username="target"),
    }


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login") + "?next=")


def assert_ok_redirect(response):
    assert response.status_code == 302, getattr(response, "content", b"")[:300]
    assert not response.url.startswith(reverse("account_login"))


def _expect(response, outcome):
    if outcome == "login":
        assert_login_redirect(response)
    elif outcome == "ok":
        assert_ok_redirect(response)
    else:
        assert response.status_code == 403


# --- the matrix ----------------------------------------------------------------------------

CUSTOMER_ACTION = {
    "anonymous": "login",
    "customer": "ok",
    "asker": "ok",
    "staff": "ok",
    "moderator": "ok",
    "banned": 403,
}
MODERATOR_ACTION = {
    "anonymous": "login",
    "customer": 403,
    "asker": 403,
    "staff": "ok",
    "moderator": "ok",
    "banned": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_metoo_view_permission_matrix(world, role):
    expected = {**CUSTOMER_ACTION, "asker": 403}[role]
    response = client_for(world["users"][role]).post(reverse("forum:metoo", args=[world["topic"].pk]))
    _expect(response, expected)
    assert Topic.objects.get(pk=world["topic"].pk).metoo_count == (1 if expected == "ok" else 0)
    assert MeToo.objects.count() == (1 if expected == "ok" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_vote_view_permission_matrix(world, role):
    expected = CUSTOMER_ACTION[role]
    response = client_for(world["users"][role]).post(reverse("forum:vote", args=[world["reply"].pk]))
    _expect(response, expected)
    assert Vote.objects.count() == (1 if expected == "ok" else 0)
    assert Post.objects.get(pk=world["reply"].pk).vote_count == (1 if expected == "ok" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_flag_view_permission_matrix(world, role):
    expected = CUSTOMER_ACTION[role]
    response = client_for(world["users"][role]).post(
        reverse("forum:flag", args=[world["reply"].pk]), {"reason": "spam"}
    )
    _expect(response, expected)
    assert Flag.objects.count() == (1 if expected == "ok" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_hide_post_view_permission_matrix(world, role):
    expected = MODERATOR_ACTION[role]
    response = client_for(world["users"][role]).post(
        reverse("forum:hide_post", args=[world["reply"].pk]), {"reason": "Spam"}
    )
    _expect(response, expected)
    assert Post.objects.get(pk=world["reply"].pk).is_hidden is (expected == "ok")


@pytest.mark.parametrize("role", ROLES)
def test_unhide_post_view_permission_matrix(world, role):
    moderation.post_hide(user=world["users"]["moderator"], post=world["reply"])
    expected = MODERATOR_ACTION[role]
    response = client_for(world["users"][role]).post(reverse("forum:unhide_post", args=[world["reply"].pk]))
    _expect(response, expected)
    assert Post.objects.get(pk=world["reply"].pk).is_hidden is (expected != "ok")


@pytest.mark.parametrize("role", ROLES)
def test_hide_topic_view_permission_matrix(world, role):
    expected = MODERATOR_ACTION[role]
    response = client_for(world["users"][role]).post(reverse("forum:hide_topic", args=[world["topic"].pk]))
    _expect(response, expected)
    assert Topic.objects.get(pk=world["topic"].pk).is_hidden is (expected == "ok")


@pytest.mark.parametrize("role", ROLES)
def test_unhide_topic_view_permission_matrix(world, role):
    moderation.topic_hide(user=world["users"]["moderator"], topic=world["topic"])
    expected = MODERATOR_ACTION[role]
    if role == "asker":
        expected = 403  # the asker still sees the hidden topic, but cannot unhide it
    response = client_for(world["users"][role]).post(reverse("forum:unhide_topic", args=[world["topic"].pk]))
    _expect(response, expected)
    assert Topic.objects.get(pk=world["topic"].pk).is_hidden is (expected != "ok")


@pytest.mark.parametrize("role", ROLES)
def test_ban_view_permission_matrix(world, role):
    expected = MODERATOR_ACTION[role]
    target = world["target"]
    response = client_for(world["users"][role]).post(
        reverse("forum:ban_user", args=[target.username]), {"reason": "Spam links"}
    )
    _expect(response, expected)
    target.refresh_from_db()
    assert target.is_banned is (expected == "ok")


@pytest.mark.parametrize("role", ROLES)
def test_unban_view_permission_matrix(world, role):
    target = world["target"]
    moderation.user_ban(user=world["users"]["moderator"], target=target, reason="Spam")
    expected = MODERATOR_ACTION[role]
    response = client_for(world["users"][role]).post(reverse("forum:unban_user", args=[target.username]))
    _expect(response, expected)
    target.refresh_from_db()
    assert target.is_banned is (expected != "ok")


@pytest.mark.parametrize("role", ROLES)
def test_moderation_queue_view_permission_matrix(world, role):
    moderation.post_flag(user=world["users"]["customer"], post=world["reply"], reason="spam")
    expected = MODERATOR_ACTION[role]
    response = client_for(world["users"][role]).get(reverse("forum:moderation_queue"))
    if expected == "ok":
        assert response.status_code == 200
        assert world["reply"].text[:30] in response.content.decode()
    else:
        _expect(response, expected)


@pytest.mark.parametrize("role", ROLES)
def test_resolve_flags_view_permission_matrix(world, role):
    moderation.post_flag(user=world["users"]["customer"], post=world["reply"], reason="spam")
    expected = MODERATOR_ACTION[role]
    response = client_for(world["users"][role]).post(
        reverse("forum:resolve_flags", args=[world["reply"].pk]), {"decision": "dismiss"}
    )
    _expect(response, expected)
    state = Flag.objects.get().state
    assert state == (Flag.State.DISMISSED if expected == "ok" else Flag.State.OPEN)


# --- denials carry the rule's message -------------------------------------------------------


def test_vote_view_own_post_is_403_with_message(world):
    response = client_for(world["reply"].author).post(reverse("forum:vote", args=[world["reply"].pk]))
    assert response.status_code == 403
    assert "You cannot vote on your own post." in response.content.decode()


def test_vote_view_on_question_is_403(world):
    response = client_for(world["users"]["customer"]).post(
        reverse("forum:vote", args=[world["topic"].first_post_id]), **JSON
    )
    assert response.status_code == 403
    assert "me too" in response.json()["error"]


def test_metoo_view_banned_json_has_message(world):
    response = client_for(world["users"]["banned"]).post(
        reverse("forum:metoo", args=[world["topic"].pk]), **JSON
    )
    assert response.status_code == 403
    assert response.json()["error"].startswith("Your account has been suspended from posting.")


def test_metoo_view_anonymous_json_gives_login_url(world):
    response = Client().post(
        reverse("forum:metoo", args=[world["topic"].pk]),
        {"next": world["topic"].get_absolute_url()},
        **JSON,
    )
    assert response.status_code == 401
    login_url = urlsplit(response.json()["login_url"])
    assert login_url.path == reverse("account_login")
    assert parse_qs(login_url.query)["next"] == [world["topic"].get_absolute_url()]


def test_metoo_view_anonymous_redirect_returns_to_topic(world):
    url = world["topic"].get_absolute_url()
    response = Client().post(reverse("forum:metoo", args=[world["topic"].pk]), {"next": url})
    assert_login_redirect(response)
    assert "/community/t/" in response.url


def test_ban_view_refuses_staff_target(world):
    response = client_for(world["users"]["moderator"]).post(
        reverse("forum:ban_user", args=["sam"]), {"reason": "No"}
    )
    assert response.status_code == 403
    assert "Staff and moderators cannot be banned" in response.content.decode()


# --- no-JS and JSON answers ---------------------------------------------------------------------


def test_metoo_view_without_js_redirects_back_with_message(world):
    client = client_for(world["users"]["customer"])
    url = world["topic"].get_absolute_url() + "#topic-reactions"
    response = client.post(reverse("forum:metoo", args=[world["topic"].pk]), {"state": "on", "next": url})
    assert response.status_code == 302 and response.url == url
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("counted" in m for m in messages)


def test_metoo_view_double_submit_with_state_keeps_one(world):
    client = client_for(world["users"]["customer"])
    url = reverse("forum:metoo", args=[world["topic"].pk])
    client.post(url, {"state": "on"})
    client.post(url, {"state": "on"})
    assert MeToo.objects.count() == 1
    assert Topic.objects.get(pk=world["topic"].pk).metoo_count == 1


def test_metoo_view_json_toggles_and_reports_count(world):
    client = client_for(world["users"]["customer"])
    url = reverse("forum:metoo", args=[world["topic"].pk])
    first = client.post(url, **JSON).json()
    assert (first["active"], first["count"]) == (True, 1)
    second = client.post(url, **JSON).json()
    assert (second["active"], second["count"]) == (False, 0)


def test_vote_view_json_reports_count(world):
    data = (
        client_for(world["users"]["customer"])
        .post(reverse("forum:vote", args=[world["reply"].pk]), {"state": "on"}, **JSON)
        .json()
    )
    assert (data["active"], data["count"]) == (True, 1)


def test_vote_view_rejects_unsafe_next(world):
    response = client_for(world["users"]["customer"]).post(
        reverse("forum:vote", args=[world["reply"].pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response.url == reverse("forum:post", args=[world["reply"].pk])


def test_flag_view_json_reports_hidden_at_threshold(world, settings):
    settings.FORUM_FLAGS_TO_HIDE = 1
    data = (
        client_for(world["users"]["customer"])
        .post(reverse("forum:flag", args=[world["reply"].pk]), {"reason": "abuse"}, **JSON)
        .json()
    )
    assert data["flagged"] is True and data["hidden"] is True
    assert "hidden until" in data["message"]


def test_flag_view_get_shows_form(world):
    response = client_for(world["users"]["customer"]).get(reverse("forum:flag", args=[world["reply"].pk]))
    assert response.status_code == 200
    assert "Send report" in response.content.decode()


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("forum:metoo", {"pk": 999999}),
        ("forum:vote", {"pk": 999999}),
        ("forum:flag", {"pk": 999999}),
        ("forum:hide_post", {"pk": 999999}),
        ("forum:unhide_post", {"pk": 999999}),
        ("forum:hide_topic", {"pk": 999999}),
        ("forum:unhide_topic", {"pk": 999999}),
        ("forum:resolve_flags", {"pk": 999999}),
        ("forum:ban_user", {"username": "nobody-here"}),
        ("forum:unban_user", {"username": "nobody-here"}),
    ],
)
def test_reaction_views_unknown_ids_are_404(world, name, kwargs):
    response = client_for(world["users"]["moderator"]).post(reverse(name, kwargs=kwargs), {"reason": "spam"})
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["forum:metoo", "forum:hide_topic", "forum:unhide_topic"])
def test_reaction_views_get_is_405(world, name):
    response = client_for(world["users"]["moderator"]).get(reverse(name, args=[world["topic"].pk]))
    assert response.status_code == 405


def test_reaction_views_require_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["customer"])
    response = client.post(reverse("forum:metoo", args=[world["topic"].pk]))
    assert response.status_code == 403
    assert not MeToo.objects.exists()


@pytest.mark.parametrize(
    "data,message",
    [
        ({"reason": "bogus"}, "Choose why you are flagging this post."),
        ({}, "Choose why you are flagging this post."),
        ({"reason": "other", "note": "   "}, "Say what is wrong"),
        ({"reason": "abuse", "note": "x" * 501}, "at most 500 characters"),
    ],
)
def test_flag_view_bad_input_is_400_and_saves_nothing(world, data, message):
    client = client_for(world["users"]["customer"])
    url = reverse("forum:flag", args=[world["reply"].pk])
    response = client.post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    json_response = client.post(url, data, **JSON)
    assert json_response.status_code == 400
    assert message in json_response.json()["error"]
    assert not Flag.objects.exists()
    assert Post.objects.get(pk=world["reply"].pk).flag_count == 0


def test_flag_view_second_flag_is_400(world):
    client = client_for(world["users"]["customer"])
    url = reverse("forum:flag", args=[world["reply"].pk])
    client.post(url, {"reason": "spam"})
    response = client.post(url, {"reason": "spam"}, **JSON)
    assert response.status_code == 400
    assert "already flagged" in response.json()["error"]
    assert Flag.objects.count() == 1


def test_hide_post_view_oversized_reason_saves_nothing(world):
    response = client_for(world["users"]["moderator"]).post(
        reverse("forum:hide_post", args=[world["reply"].pk]), {"reason": "x" * 201}, **JSON
    )
    assert response.status_code == 400
    assert "at most 200" in response.json()["error"]
    assert not Post.objects.get(pk=world["reply"].pk).is_hidden


@pytest.mark.parametrize("reason,message", [("", "Give a reason for the ban."), ("x" * 201, "at most 200")])
def test_ban_view_bad_reason_is_400(world, reason, message):
    response = client_for(world["users"]["moderator"]).post(
        reverse("forum:ban_user", args=["target"]), {"reason": reason}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    world["target"].refresh_from_db()
    assert not world["target"].is_banned


def test_resolve_flags_view_bad_decision_is_400(world):
    moderation.post_flag(user=world["users"]["customer"], post=world["reply"], reason="spam")
    response = client_for(world["users"]["moderator"]).post(
        reverse("forum:resolve_flags", args=[world["reply"].pk]), {"decision": "delete"}, **JSON
    )
    assert response.status_code == 400
    assert Flag.objects.get().state == Flag.State.OPEN


def test_vote_view_hidden_topic_is_refused_for_customers(world):
    moderation.topic_hide(user=world["users"]["moderator"], topic=world["topic"])
    response = client_for(world["users"]["customer"]).post(reverse("forum:vote", args=[world["reply"].pk]))
    assert response.status_code == 403
    assert not Vote.objects.exists()


# --- the queue page -----------------------------------------------------------------------------


def test_moderation_queue_lists_oldest_first_with_flags(world, django_assert_max_num_queries):
    customer = world["users"]["customer"]
    older = world["reply"]
    newer = PostFactory(topic=world["topic"])
    moderation.post_flag(user=customer, post=older, reason="spam")
    moderation.post_flag(user=customer, post=newer, reason="other", note="Pasted a licence key")
    moderation.post_flag(user=world["users"]["asker"], post=newer, reason="abuse")
    for n in range(10):
        moderation.post_flag(
            user=UserFactory(username=f"r{n}"), post=PostFactory(topic=world["topic"]), reason="spam"
        )
    client = client_for(world["users"]["moderator"])
    client.get(reverse("forum:moderation_queue"))  # warm the session and group caches
    # session, user, groups, page count, posts, flags + the header's own (notifications, admin link)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("forum:moderation_queue"))
    html = response.content.decode()
    assert html.index(f'id="queue-post-{older.pk}"') < html.index(f'id="queue-post-{newer.pk}"')
    assert "Pasted a licence key" in html
    assert "<strong>12</strong> posts waiting" in html


def test_moderation_queue_empty_state(world):
    response = client_for(world["users"]["moderator"]).get(reverse("forum:moderation_queue"))
    assert "Nothing to review" in response.content.decode()


# --- per-user state for the topic page -------------------------------------------------------


def test_user_reaction_state_fixed_queries(world, django_assert_max_num_queries):
    customer = world["users"]["customer"]
    topic = world["topic"]
    posts = [PostFactory(topic=topic) for _ in range(40)]
    reactions.topic_toggle_metoo(user=customer, topic=topic)
    reactions.post_toggle_vote(user=customer, post=posts[3])
    moderation.post_flag(user=customer, post=posts[5], reason="spam")
    customer = type(customer).objects.get(pk=customer.pk)
    customer._verified_email_cache = True
    follows.topic_follow(user=customer, topic=topic)
    with django_assert_max_num_queries(1):
        state = selectors.user_reaction_state(customer, topic, posts)
    assert state == {
        "metoo": True,
        "following": True,
        "voted_post_ids": {posts[3].pk},
        "flagged_post_ids": {posts[5].pk},
    }


def test_user_reaction_state_only_this_users_marks_on_these_posts(world):
    customer = world["users"]["customer"]
    other = world["users"]["staff"]
    topic = world["topic"]
    posts = [PostFactory(topic=topic) for _ in range(3)]
    elsewhere = PostFactory()
    reactions.post_toggle_vote(user=other, post=posts[0])
    reactions.post_toggle_vote(user=customer, post=elsewhere)
    follows.topic_follow(user=other, topic=topic)
    state = selectors.user_reaction_state(customer, topic, posts)
    assert state == {"metoo": False, "following": False, "voted_post_ids": set(), "flagged_post_ids": set()}
    assert selectors.user_reaction_state(customer, topic, [])["voted_post_ids"] == set()


def test_user_reaction_state_anonymous_costs_nothing(world, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        state = selectors.user_reaction_state(AnonymousUser(), world["topic"], [world["reply"]])
    assert state == {"metoo": False, "following": False, "voted_post_ids": set(), "flagged_post_ids": set()}


def test_reactions_topic_include_renders_without_question_post(world):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    topic = world["topic"]
    Topic.objects.filter(pk=topic.pk).update(first_post=None)
    topic.refresh_from_db()
    request = RequestFactory().get(topic.get_absolute_url())
    request.user = world["users"]["customer"]
    html = render_to_string(
        "forum/includes/reactions_topic.html", {"topic": topic, "user": request.user}, request=request
    )
    assert "Me too" in html and "Report" not in html
