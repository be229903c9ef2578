"""Who may do what, through the real pages: anonymous, customer, the asker, staff, moderator and
banned member × every action of the topic pages. "ok" is allowed, "login" a redirect to the
login page, 403 the site's 403 page with the rule's message."""

from django.test import Client
from django.urls import reverse

import pytest

from forum import permissions
from forum.models import Follow, Post, Topic
from tests.factories import (
    CategoryFactory,
    PostFactory,
    TopicFactory,
    UserFactory,
    moderator_user,
    staff_user,
)

ROLES = ["anonymous", "customer", "asker", "staff", "moderator", "banned", "unverified"]


@pytest.fixture
def world(db):
    asker = UserFactory(username="asker")
    topic = TopicFactory(author=asker, title="How do I export my contacts?")
    reply = PostFactory(topic=topic, source="Settings, then Export.")
    other = TopicFactory(title="The original export question")
    category = CategoryFactory(name="Integrations", slug="integrations")
    users = {
        "anonymous": None,
        "customer": UserFactory(username="cust"),
        "asker": asker,
        "staff": staff_user(username="staffer"),
        "moderator": moderator_user(username="mod"),
        "banned": UserFactory(username="banned", is_banned=True),
        "unverified": UserFactory(username="unverified", verified=False),
    }
    return {"topic": topic, "reply": reply, "other": other, "category": category, "users": users}


def _client(world, role):
    client = Client()
    if world["users"][role] is not None:
        client.force_login(world["users"][role])
    return client


def _outcome(response) -> str:
    if response.status_code == 302 and response["Location"].startswith(reverse("account_login")):
        return "login"
    if response.status_code == 403:
        return "403"
    assert response.status_code in (200, 302), response.status_code
    return "ok"


# action: (method, url(world), data(world), expected by role)
ALL_PARTICIPANTS = {
    "anonymous": "login",
    "customer": "ok",
    "asker": "ok",
    "staff": "ok",
    "moderator": "ok",
    "banned": "403",
    "unverified": "403",
}
STAFF_ONLY = {
    "anonymous": "login",
    "customer": "403",
    "asker": "403",
    "staff": "ok",
    "moderator": "403",
    "banned": "403",
    "unverified": "403",
}
ASKER_OR_STAFF = {**STAFF_ONLY, "asker": "ok"}
SIGNED_IN = {role: ("login" if role == "anonymous" else "ok") for role in ROLES}
EVERYONE = dict.fromkeys(ROLES, "ok")

ACTIONS = {
    "ask_page": ("get", lambda w: reverse("forum:ask"), None, ALL_PARTICIPANTS),
    "ask": (
        "post",
        lambda w: reverse("forum:ask"),
        lambda w: {
            "title": "A brand new question title",
            "source": "Details",
            "kind": "question",
            "category": w["category"].pk,
        },
        ALL_PARTICIPANTS,
    ),
    "reply_page": ("get", lambda w: reverse("forum:reply", args=[w["topic"].pk]), None, ALL_PARTICIPANTS),
    "reply": (
        "post",
        lambda w: reverse("forum:reply", args=[w["topic"].pk]),
        lambda w: {"source": "A helpful reply"},
        ALL_PARTICIPANTS,
    ),
    "edit_question": (
        "get",
        lambda w: reverse("forum:post_edit", args=[w["topic"].first_post_id]),
        None,
        ASKER_OR_STAFF,
    ),
    "save_question": (
        "post",
        lambda w: reverse("forum:post_edit", args=[w["topic"].first_post_id]),
        lambda w: {"title": "An edited question title", "source": "Edited"},
        ASKER_OR_STAFF,
    ),
    "revisions": (
        "get",
        lambda w: reverse("forum:post_revisions", args=[w["topic"].first_post_id]),
        None,
        EVERYONE,
    ),
    "topic_page": ("get", lambda w: w["topic"].get_absolute_url(), None, EVERYONE),
    "list_page": ("get", lambda w: reverse("forum:index"), None, EVERYONE),
    "mark_official": (
        "post",
        lambda w: reverse("forum:post_official", args=[w["reply"].pk]),
        None,
        STAFF_ONLY,
    ),
    "unmark_official": (
        "post",
        lambda w: reverse("forum:post_unofficial", args=[w["reply"].pk]),
        None,
        STAFF_ONLY,
    ),
    "accept": ("post", lambda w: reverse("forum:post_accept", args=[w["reply"].pk]), None, ASKER_OR_STAFF),
    "unaccept": (
        "post",
        lambda w: reverse("forum:post_unaccept", args=[w["reply"].pk]),
        None,
        ASKER_OR_STAFF,
    ),
    "set_status": (
        "post",
        lambda w: reverse("forum:topic_status", args=[w["topic"].pk]),
        lambda w: {"status": "in_progress"},
        STAFF_ONLY,
    ),
    "mark_duplicate": (
        "post",
        lambda w: reverse("forum:topic_duplicate", args=[w["topic"].pk]),
        lambda w: {"original": str(w["other"].pk)},
        STAFF_ONLY,
    ),
    "unmark_duplicate": (
        "post",
        lambda w: reverse("forum:topic_unduplicate", args=[w["topic"].pk]),
        None,
        STAFF_ONLY,
    ),
    "lock": ("post", lambda w: reverse("forum:topic_lock", args=[w["topic"].pk]), None, STAFF_ONLY),
    "unlock": ("post", lambda w: reverse("forum:topic_unlock", args=[w["topic"].pk]), None, STAFF_ONLY),
    "move": (
        "post",
        lambda w: reverse("forum:topic_move", args=[w["topic"].pk]),
        lambda w: {"category": w["category"].pk},
        STAFF_ONLY,
    ),
    "follow_topic": ("post", lambda w: reverse("forum:topic_follow", args=[w["topic"].pk]), None, SIGNED_IN),
    "unfollow_topic": (
        "post",
        lambda w: reverse("forum:topic_unfollow", args=[w["topic"].pk]),
        None,
        SIGNED_IN,
    ),
    "follow_category": (
        "post",
        lambda w: reverse("forum:category_follow", args=[w["category"].slug]),
        None,
        SIGNED_IN,
    ),
    "unfollow_category": (
        "post",
        lambda w: reverse("forum:category_unfollow", args=[w["category"].slug]),
        None,
        SIGNED_IN,
    ),
}

MATRIX = [(action, role) for action in ACTIONS for role in ROLES]


@pytest.mark.parametrize(("action", "role"), MATRIX, ids=[f"{a}-{r}" for a, r in MATRIX])
def test_permission_matrix(world, action, role):
    method, url, data, expected = ACTIONS[action]
    client = _client(world, role)
    response = getattr(client, method)(url(world), data(world) if data else {})
    assert _outcome(response) == expected[role], response.content.decode()[:500]
    if expected[role] == "403":
        assert "You can't do that here" in response.content.decode()


@pytest.mark.parametrize("role", ["customer", "moderator", "banned", "anonymous"])
def test_refused_staff_actions_change_nothing(world, role):
    client = _client(world, role)
    topic, reply = world["topic"], world["reply"]
    client.post(reverse("forum:post_official", args=[reply.pk]))
    client.post(reverse("forum:topic_status", args=[topic.pk]), {"status": "closed"})
    client.post(reverse("forum:topic_lock", args=[topic.pk]))
    client.post(reverse("forum:topic_duplicate", args=[topic.pk]), {"original": str(world["other"].pk)})
    topic.refresh_from_db()
    assert topic.official_answer is None and topic.status == "open" and not topic.is_locked
    assert topic.duplicate_of is None and not topic.events.exists()


@pytest.mark.parametrize("role", ["customer", "banned", "anonymous", "unverified"])
def test_refused_writes_save_nothing(world, role):
    client = _client(world, role)
    if role != "customer":  # customers may reply; they may not edit someone else's question
        client.post(reverse("forum:reply", args=[world["topic"].pk]), {"source": "sneaky"})
    client.post(
        reverse("forum:post_edit", args=[world["topic"].first_post_id]),
        {"title": "Vandalised question title", "source": "vandalised"},
    )
    if role != "customer":
        client.post(
            reverse("forum:ask"),
            {
                "title": "Sneaky question title",
                "source": "x",
                "kind": "question",
                "category": world["category"].pk,
            },
        )
    assert not Post.objects.filter(source__in=["sneaky", "vandalised"]).exists()
    assert not Topic.objects.filter(title="Sneaky question title").exists()


def test_anonymous_ask_redirects_to_login_with_next(client, db):
    response = client.get(reverse("forum:ask"))
    assert response["Location"] == f"{reverse('account_login')}?next=/community/ask/"


def test_anonymous_post_action_redirects_to_login_with_the_page_to_return_to(world):
    client = Client()
    topic_url = world["topic"].get_absolute_url()
    response = client.post(reverse("forum:topic_follow", args=[world["topic"].pk]), {"next": topic_url})
    assert (
        response["Location"].startswith(reverse("account_login"))
        and "next=/community/t/" in response["Location"]
    )


def test_unverified_and_banned_see_a_clear_403(world):
    html = _client(world, "unverified").get(reverse("forum:ask")).content.decode()
    assert "Confirm your email address before posting." in html and 'class="site-header"' in html
    html = _client(world, "banned").get(reverse("forum:ask")).content.decode()
    assert "suspended" in html


def test_staff_may_reply_on_locked_topics_customers_may_not(world):
    topic = world["topic"]
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    url = reverse("forum:reply", args=[topic.pk])
    assert _outcome(_client(world, "customer").post(url, {"source": "hi"})) == "403"
    assert _outcome(_client(world, "staff").post(url, {"source": "Staff note"})) == "ok"
    assert Post.objects.filter(source="Staff note", is_official=True).exists()


def test_author_may_not_edit_on_locked_topic(world):
    Topic.objects.filter(pk=world["topic"].pk).update(is_locked=True)
    url = reverse("forum:post_edit", args=[world["topic"].first_post_id])
    assert _outcome(_client(world, "asker").get(url)) == "403"
    assert _outcome(_client(world, "staff").get(url)) == "ok"


def test_customer_may_edit_own_reply_only(world):
    own = PostFactory(topic=world["topic"], author=world["users"]["customer"])
    client = _client(world, "customer")
    assert _outcome(client.get(reverse("forum:post_edit", args=[own.pk]))) == "ok"
    assert _outcome(client.get(reverse("forum:post_edit", args=[world["reply"].pk]))) == "403"


def test_nobody_replies_to_a_duplicate(world):
    Topic.objects.filter(pk=world["topic"].pk).update(duplicate_of=world["other"], status="duplicate")
    for role in ("customer", "staff", "asker"):
        response = _client(world, role).post(
            reverse("forum:reply", args=[world["topic"].pk]), {"source": "x y"}
        )
        assert _outcome(response) == "403"


ACTION_URLS = [
    ("forum:topic_status", "pk"),
    ("forum:topic_duplicate", "pk"),
    ("forum:topic_unduplicate", "pk"),
    ("forum:topic_lock", "pk"),
    ("forum:topic_unlock", "pk"),
    ("forum:topic_move", "pk"),
    ("forum:topic_follow", "pk"),
    ("forum:topic_unfollow", "pk"),
    ("forum:post_official", "post"),
    ("forum:post_unofficial", "post"),
    ("forum:post_accept", "post"),
    ("forum:post_unaccept", "post"),
    ("forum:category_follow", "slug"),
    ("forum:category_unfollow", "slug"),
    ("forum:preview", None),
]


@pytest.mark.parametrize(("name", "arg"), ACTION_URLS)
def test_get_on_an_action_is_405(world, name, arg):
    args = {
        "pk": [world["topic"].pk],
        "post": [world["reply"].pk],
        "slug": [world["category"].slug],
        None: [],
    }[arg]
    response = _client(world, "staff").get(reverse(name, args=args))
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("name", "arg", "data"),
    [
        ("forum:topic_lock", "pk", {}),
        ("forum:topic_follow", "pk", {}),
        ("forum:post_official", "post", {}),
        ("forum:reply", "pk", {"source": "csrf-less reply"}),
        ("forum:ask", None, {"title": "No token question title", "source": "x", "kind": "question"}),
    ],
)
def test_actions_need_a_csrf_token(world, name, arg, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["staff"])
    args = {"pk": [world["topic"].pk], "post": [world["reply"].pk], None: []}[arg]
    response = client.post(reverse(name, args=args), data)
    assert response.status_code == 403
    topic = Topic.objects.get(pk=world["topic"].pk)
    assert not topic.is_locked and topic.official_answer_id is None
    assert not Follow.objects.filter(user=world["users"]["staff"]).exists()
    assert not Post.objects.filter(source="csrf-less reply").exists()


def test_template_tag_matches_the_rules(world):
    from django.template import Context, Template

    template = Template('{% load forum_perms %}{% can "mark_official" post as ok %}{{ ok }}')
    for role, expected in (("staff", "True"), ("customer", "False"), ("moderator", "False")):
        user = world["users"][role]
        assert template.render(Context({"user": user, "post": world["reply"]})) == expected
        assert permissions.allowed(permissions.check_mark_official, user, world["reply"]) is (
            expected == "True"
        )
