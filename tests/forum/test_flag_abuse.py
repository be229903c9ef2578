"""Flag abuse (security review, finding 4): sockpuppets cannot hide content, flags are
rate-limited, and a post the flags hid stays in the moderation queue whatever happens to the
accounts that flagged it."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from accounts.services import account_delete
from forum import permissions, selectors
from forum.models import Flag, Post, Topic
from forum.services import moderation
from forum.services import posts as post_services
from tests.factories import PostFactory, TopicFactory, UserFactory, moderator_user, staff_user

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def fresh(name: str):
    """A verified account created just now, with no posts: a sockpuppet."""
    return UserFactory(username=name, date_joined=timezone.now())


def established(n: int, prefix: str = "regular"):
    return [UserFactory(username=f"{prefix}{i}") for i in range(n)]


@pytest.fixture
def topic():
    topic = TopicFactory(author=UserFactory(username="asker"), reply_count=1)
    topic.category.topic_count = 1
    topic.category.save()
    return topic


@pytest.fixture
def reply(topic):
    return PostFactory(topic=topic, author=UserFactory(username="troll"))


@pytest.fixture
def official_answer(topic, settings):
    staff = staff_user(username="sam")
    answer = post_services.post_create(author=staff, topic=topic, source="The official fix: update the app.")
    post_services.post_mark_official(actor=staff, post=answer)
    return Post.objects.get(pk=answer.pk)


# --- the trust threshold -----------------------------------------------------------------


def test_fresh_accounts_flags_reach_the_queue_but_do_not_hide(reply):
    for name in ("sock1", "sock2", "sock3"):
        moderation.post_flag(user=fresh(name), post=reply, reason="abuse")
    reply.refresh_from_db()
    assert not reply.is_hidden
    assert reply.flag_count == 3
    assert list(selectors.moderation_queue()) == [reply]


def test_established_members_flags_still_hide_at_the_threshold(reply, topic):
    for user in established(3):
        moderation.post_flag(user=user, post=reply, reason="spam")
    reply.refresh_from_db()
    assert reply.is_hidden and moderation.is_auto_hidden(reply)


def test_untrusted_flags_do_not_make_up_the_count(reply):
    for user in [*established(2), fresh("sock1"), fresh("sock2")]:
        moderation.post_flag(user=user, post=reply, reason="spam")
    reply.refresh_from_db()
    assert not reply.is_hidden
    moderation.post_flag(user=established(1, prefix="third")[0], post=reply, reason="spam")
    reply.refresh_from_db()
    assert reply.is_hidden


def test_trusted_flagger_by_account_age(settings):
    settings.FORUM_FLAG_TRUST_ACCOUNT_DAYS = 7
    assert not permissions.is_trusted_flagger(UserFactory(username="new", date_joined=timezone.now()))
    eight_days = timezone.now() - timedelta(days=8)
    assert permissions.is_trusted_flagger(UserFactory(username="old", date_joined=eight_days))
    assert not permissions.is_trusted_flagger(None)


def test_trusted_flagger_by_posts_that_stayed_up(settings, topic):
    settings.FORUM_FLAG_TRUST_POSTS = 3
    user = fresh("newcomer")
    two_days_ago = timezone.now() - timedelta(days=2)
    PostFactory(topic=topic, author=user, created_at=two_days_ago)
    PostFactory(topic=topic, author=user, created_at=two_days_ago)
    PostFactory(topic=topic, author=user, created_at=two_days_ago, is_hidden=True)  # removed: no credit
    PostFactory(topic=topic, author=user)  # too recent to have "stayed up"
    assert not permissions.is_trusted_flagger(user)
    PostFactory(topic=topic, author=user, created_at=two_days_ago)
    assert permissions.is_trusted_flagger(user)


def test_moderators_and_staff_are_trusted_whatever_their_age():
    assert permissions.is_trusted_flagger(moderator_user(username="mo", date_joined=timezone.now()))
    assert permissions.is_trusted_flagger(staff_user(username="st", date_joined=timezone.now()))


# --- protected posts ---------------------------------------------------------------------


def test_flags_never_hide_an_official_answer(official_answer):
    for user in established(4):
        moderation.post_flag(user=user, post=official_answer, reason="abuse")
    official_answer.refresh_from_db()
    assert not official_answer.is_hidden
    assert official_answer.flag_count == 4
    assert official_answer in selectors.moderation_queue()


def test_flags_never_hide_a_staff_question_or_its_topic():
    staff = staff_user(username="sam")
    topic = TopicFactory(author=staff, is_locked=True)
    for user in established(3):
        moderation.post_flag(user=user, post=topic.first_post, reason="abuse")
    topic.refresh_from_db()
    assert not topic.is_hidden
    assert not Post.objects.get(pk=topic.first_post_id).is_hidden


def test_flags_never_hide_a_moderators_reply(topic):
    reply = PostFactory(topic=topic, author=moderator_user(username="mo"))
    for user in established(3):
        moderation.post_flag(user=user, post=reply, reason="abuse")
    reply.refresh_from_db()
    assert not reply.is_hidden


def test_protection_is_by_rule_not_by_who_posts(topic, reply):
    assert not permissions.is_protected_from_auto_hide(reply)
    Topic.objects.filter(pk=topic.pk).update(official_answer=reply)
    assert permissions.is_protected_from_auto_hide(Post.objects.select_related("topic").get(pk=reply.pk))


def test_the_reviews_sockpuppet_attack_over_http(official_answer, topic):
    """Three fresh accounts flag staff's official answer: it stays up, nothing says it hid."""
    for name in ("sock1", "sock2", "sock3"):
        client = Client()
        client.force_login(fresh(name))
        response = client.post(reverse("forum:flag", args=[official_answer.pk]), {"reason": "abuse"}, **JSON)
        assert response.status_code == 200
        assert response.json()["hidden"] is False
        assert "hidden" not in response.json()["message"]
    official_answer.refresh_from_db()
    assert not official_answer.is_hidden
    anonymous = Client().get(topic.get_absolute_url())
    assert "The official fix" in anonymous.content.decode()


# --- the rate limit ----------------------------------------------------------------------


def test_flags_are_rate_limited_per_member(settings, topic):
    settings.FORUM_FLAG_RATE_LIMIT = "2/h"
    user = UserFactory(username="busy")
    posts = [PostFactory(topic=topic, author=UserFactory(username=f"a{i}")) for i in range(3)]
    moderation.post_flag(user=user, post=posts[0], reason="spam")
    moderation.post_flag(user=user, post=posts[1], reason="spam")
    with pytest.raises(post_services.RateLimitExceeded, match="try again later"):
        moderation.post_flag(user=user, post=posts[2], reason="spam")
    assert Flag.objects.filter(reporter=user).count() == 2
    assert Post.objects.get(pk=posts[2].pk).flag_count == 0
    # Someone else is not affected.
    moderation.post_flag(user=UserFactory(username="other"), post=posts[2], reason="spam")


def test_a_repeated_flag_does_not_use_up_the_allowance(settings, reply, topic):
    settings.FORUM_FLAG_RATE_LIMIT = "2/h"
    user = UserFactory(username="busy")
    moderation.post_flag(user=user, post=reply, reason="spam")
    for _ in range(3):
        with pytest.raises(Exception, match="already flagged"):
            moderation.post_flag(user=user, post=reply, reason="spam")
    moderation.post_flag(user=user, post=PostFactory(topic=topic), reason="spam")


def test_moderators_are_not_rate_limited(settings, topic):
    settings.FORUM_FLAG_RATE_LIMIT = "1/h"
    mod = moderator_user(username="mo")
    for _ in range(3):
        moderation.post_flag(user=mod, post=PostFactory(topic=topic), reason="spam")
    assert Flag.objects.filter(reporter=mod).count() == 3


def test_rate_limited_flag_over_http_is_a_429_and_writes_nothing(settings, topic):
    settings.FORUM_FLAG_RATE_LIMIT = "1/h"
    user = UserFactory(username="busy")
    first, second = PostFactory(topic=topic), PostFactory(topic=topic)
    client = Client()
    client.force_login(user)
    assert client.post(reverse("forum:flag", args=[first.pk]), {"reason": "spam"}, **JSON).status_code == 200
    response = client.post(reverse("forum:flag", args=[second.pk]), {"reason": "spam"}, **JSON)
    assert response.status_code == 429
    assert "try again later" in response.json()["error"]
    page = client.post(reverse("forum:flag", args=[second.pk]), {"reason": "spam"})
    assert page.status_code == 429
    assert "try again later" in page.content.decode()
    assert not Flag.objects.filter(post=second).exists()


# --- deleting the flaggers ---------------------------------------------------------------


def hide_by_flags(post):
    reporters = established(3, prefix="flagger")
    for user in reporters:
        moderation.post_flag(user=user, post=post, reason="abuse")
    post.refresh_from_db()
    assert post.is_hidden
    return reporters


def test_hidden_post_stays_in_the_queue_after_its_flaggers_delete_their_accounts(reply, topic):
    for user in hide_by_flags(reply):
        account_delete(user=user, actor=user)
    reply.refresh_from_db()
    topic.refresh_from_db()
    assert reply.is_hidden and reply.flag_count == 0
    assert topic.flag_count == 0  # the topic's counter moves back too
    assert list(selectors.moderation_queue()) == [reply]
    assert selectors.open_flag_total() == 1


def test_deleting_a_flagger_moves_topic_count_back_per_flag(topic):
    user = UserFactory(username="flagger")
    a, b = PostFactory(topic=topic), PostFactory(topic=topic)
    moderation.post_flag(user=user, post=a, reason="spam")
    moderation.post_flag(user=user, post=b, reason="spam")
    moderation.post_flag(user=UserFactory(username="stays"), post=b, reason="spam")
    assert Topic.objects.get(pk=topic.pk).flag_count == 3
    account_delete(user=user, actor=user)
    assert Topic.objects.get(pk=topic.pk).flag_count == 1
    assert Post.objects.get(pk=b.pk).flag_count == 1


def test_moderator_dismisses_an_orphaned_hidden_post(reply):
    for user in hide_by_flags(reply):
        account_delete(user=user, actor=user)
    moderation.post_resolve_flags(user=moderator_user(username="mo"), post=reply, uphold=False)
    reply.refresh_from_db()
    assert not reply.is_hidden
    assert list(selectors.moderation_queue()) == []


def test_moderator_upholds_an_orphaned_hidden_post(reply):
    for user in hide_by_flags(reply):
        account_delete(user=user, actor=user)
    mod = moderator_user(username="mo")
    moderation.post_resolve_flags(user=mod, post=reply, uphold=True)
    reply.refresh_from_db()
    assert reply.is_hidden and reply.hidden_by == mod
    assert list(selectors.moderation_queue()) == []


def test_the_reviews_deletion_attack_over_http(reply):
    """Flag, delete the flagging accounts through the site, and the queue still lists the post."""
    mod = Client()
    mod.force_login(moderator_user(username="mo"))
    resolve = reverse("forum:resolve_flags", args=[reply.pk])
    for user in hide_by_flags(reply):
        client = Client()
        client.force_login(user)
        response = client.post(
            reverse("accounts:account_delete", args=[user.username]),
            {"password": "correct-horse-battery", "confirm": "on"},
        )
        assert response.status_code == 302
    assert not Flag.objects.exists()
    assert resolve in mod.get(reverse("forum:moderation_queue")).content.decode()
    response = mod.post(resolve, {"decision": "dismiss"}, **JSON)
    assert response.json()["message"] == "The post is visible again."
    assert resolve not in mod.get(reverse("forum:moderation_queue")).content.decode()
