"""Moderation services: flags, auto-hiding, hiding and unhiding, resolving flags, bans."""

from django.core.exceptions import PermissionDenied, ValidationError

import pytest

from forum import permissions
from forum.models import Category, Flag, Post, Topic, TopicEvent
from forum.services import moderation
from tests.factories import CategoryFactory, PostFactory, TopicFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return CategoryFactory(topic_count=1)


@pytest.fixture
def topic(category):
    return TopicFactory(author=UserFactory(username="asker"), category=category, reply_count=1)


@pytest.fixture
def reply(topic):
    return PostFactory(topic=topic, author=UserFactory(username="troll"))


def reporters(n):
    return [UserFactory(username=f"reporter{i}") for i in range(n)]


# --- flags ---------------------------------------------------------------------------------


def test_post_flag_creates_open_flag_and_counts_it(customer, reply):
    flag = moderation.post_flag(user=customer, post=reply, reason="spam")
    assert flag.state == Flag.State.OPEN
    assert Post.objects.get(pk=reply.pk).flag_count == 1
    assert Topic.objects.get(pk=reply.topic_id).flag_count == 1
    assert not reply.is_hidden


def test_post_flag_twice_by_same_person_is_refused(customer, reply):
    moderation.post_flag(user=customer, post=reply, reason="spam")
    with pytest.raises(ValidationError, match="already flagged"):
        moderation.post_flag(user=customer, post=reply, reason="abuse")
    assert Flag.objects.count() == 1
    assert Post.objects.get(pk=reply.pk).flag_count == 1


def test_post_flag_other_requires_note(customer, reply):
    with pytest.raises(ValidationError, match="note saying what is wrong is required"):
        moderation.post_flag(user=customer, post=reply, reason="other", note="   ")
    assert not Flag.objects.exists()
    flag = moderation.post_flag(user=customer, post=reply, reason="other", note="  Wrong product  ")
    assert flag.note == "Wrong product"


@pytest.mark.parametrize("reason", ["", "bogus", "SPAM", None])
def test_post_flag_rejects_unknown_reason(customer, reply, reason):
    with pytest.raises(ValidationError, match="Choose why"):
        moderation.post_flag(user=customer, post=reply, reason=reason)
    assert not Flag.objects.exists()


def test_post_flag_rejects_oversized_note(customer, reply):
    with pytest.raises(ValidationError, match="at most 500 characters"):
        moderation.post_flag(user=customer, post=reply, reason="abuse", note="x" * 501)
    assert not Flag.objects.exists()
    assert Post.objects.get(pk=reply.pk).flag_count == 0


def test_post_flag_refuses_own_post_and_banned(reply):
    with pytest.raises(PermissionDenied, match="your own post"):
        moderation.post_flag(user=reply.author, post=reply, reason="spam")
    with pytest.raises(PermissionDenied, match="suspended"):
        moderation.post_flag(user=UserFactory(username="b", is_banned=True), post=reply, reason="spam")
    assert not Flag.objects.exists()


def test_post_flag_threshold_hides_reply_pending_review(settings, reply, topic):
    settings.FORUM_FLAGS_TO_HIDE = 3
    first, second, third = reporters(3)
    moderation.post_flag(user=first, post=reply, reason="spam")
    moderation.post_flag(user=second, post=reply, reason="abuse")
    reply.refresh_from_db()
    assert not reply.is_hidden
    moderation.post_flag(user=third, post=reply, reason="spam")
    reply.refresh_from_db()
    assert reply.is_hidden
    assert reply.hidden_by is None
    assert moderation.is_auto_hidden(reply)
    assert reply.hidden_at is not None
    topic.refresh_from_db()
    assert topic.reply_count == 0
    assert not topic.is_hidden


def test_post_flag_threshold_on_question_hides_topic(settings, topic, category):
    settings.FORUM_FLAGS_TO_HIDE = 2
    for user in reporters(2):
        moderation.post_flag(user=user, post=topic.first_post, reason="spam")
    topic.refresh_from_db()
    assert topic.is_hidden
    assert Category.objects.get(pk=category.pk).topic_count == 0
    assert TopicEvent.objects.filter(topic=topic, kind=TopicEvent.Kind.HIDDEN, actor=None).exists()


def test_post_flag_threshold_is_a_setting(settings, reply):
    settings.FORUM_FLAGS_TO_HIDE = 1
    moderation.post_flag(user=reporters(1)[0], post=reply, reason="spam")
    reply.refresh_from_db()
    assert reply.is_hidden


# --- resolving flags -----------------------------------------------------------------------


def _auto_hide(settings, post):
    settings.FORUM_FLAGS_TO_HIDE = 3
    for user in reporters(3):
        moderation.post_flag(user=user, post=post, reason="spam")
    post.refresh_from_db()
    assert post.is_hidden


def test_post_resolve_flags_dismiss_unhides_auto_hidden(settings, moderator, reply, topic):
    _auto_hide(settings, reply)
    closed = moderation.post_resolve_flags(user=moderator, post=reply, uphold=False)
    assert closed == 3
    assert not reply.is_hidden
    assert reply.flag_count == 0
    assert set(Flag.objects.values_list("state", flat=True)) == {Flag.State.DISMISSED}
    assert Flag.objects.filter(resolved_by=moderator, resolved_at__isnull=False).count() == 3
    topic.refresh_from_db()
    assert topic.reply_count == 1
    assert topic.flag_count == 0


def test_post_resolve_flags_uphold_keeps_hidden(settings, moderator, reply):
    _auto_hide(settings, reply)
    moderation.post_resolve_flags(user=moderator, post=reply, uphold=True)
    assert reply.is_hidden
    assert set(Flag.objects.values_list("state", flat=True)) == {Flag.State.UPHELD}
    assert reply.flag_count == 0


def test_post_resolve_flags_uphold_hides_visible_post(moderator, customer, reply, topic):
    moderation.post_flag(user=customer, post=reply, reason="abuse")
    moderation.post_resolve_flags(user=moderator, post=reply, uphold=True)
    assert reply.is_hidden
    assert reply.hidden_by == moderator
    assert Topic.objects.get(pk=topic.pk).reply_count == 0


def test_post_resolve_flags_dismiss_keeps_moderator_hiding(moderator, customer, reply):
    moderation.post_flag(user=customer, post=reply, reason="abuse")
    moderation.post_hide(user=moderator, post=reply, reason="Personal data")
    moderation.post_resolve_flags(user=moderator, post=reply, uphold=False)
    assert reply.is_hidden
    assert reply.hidden_reason == "Personal data"


def test_post_resolve_flags_requires_moderator(customer, staff, reply):
    moderation.post_flag(user=UserFactory(username="r1"), post=reply, reason="spam")
    with pytest.raises(PermissionDenied, match="moderators"):
        moderation.post_resolve_flags(user=customer, post=reply, uphold=True)
    assert Flag.objects.get().state == Flag.State.OPEN
    assert moderation.post_resolve_flags(user=staff, post=reply, uphold=False) == 1


def test_flag_resolve_closes_one_flag(moderator, reply):
    a, b = reporters(2)
    flag = moderation.post_flag(user=a, post=reply, reason="spam")
    moderation.post_flag(user=b, post=reply, reason="spam")
    moderation.flag_resolve(user=moderator, flag=flag, uphold=False)
    assert flag.state == Flag.State.DISMISSED
    assert Post.objects.get(pk=reply.pk).flag_count == 1
    moderation.flag_resolve(user=moderator, flag=flag, uphold=False)  # twice: counted once
    assert Post.objects.get(pk=reply.pk).flag_count == 1


# --- hiding --------------------------------------------------------------------------------


def test_post_hide_and_unhide_move_reply_count_once(moderator, reply, topic):
    assert moderation.post_hide(user=moderator, post=reply, reason="Spam link") is True
    assert moderation.post_hide(user=moderator, post=reply) is False
    reply.refresh_from_db()
    assert (reply.is_hidden, reply.hidden_by, reply.hidden_reason) == (True, moderator, "Spam link")
    assert Topic.objects.get(pk=topic.pk).reply_count == 0
    assert moderation.post_unhide(user=moderator, post=reply) is True
    assert moderation.post_unhide(user=moderator, post=reply) is False
    reply.refresh_from_db()
    assert (reply.is_hidden, reply.hidden_by, reply.hidden_reason, reply.hidden_at) == (False, None, "", None)
    assert Topic.objects.get(pk=topic.pk).reply_count == 1


def test_post_hide_rejects_oversized_reason(moderator, reply):
    with pytest.raises(ValidationError, match="at most 200"):
        moderation.post_hide(user=moderator, post=reply, reason="x" * 201)
    assert not Post.objects.get(pk=reply.pk).is_hidden


def test_post_hide_question_hides_topic(moderator, topic, category):
    moderation.post_hide(user=moderator, post=topic.first_post)
    topic.refresh_from_db()
    assert topic.is_hidden
    assert Category.objects.get(pk=category.pk).topic_count == 0
    moderation.post_unhide(user=moderator, post=topic.first_post)
    topic.refresh_from_db()
    assert not topic.is_hidden
    assert Category.objects.get(pk=category.pk).topic_count == 1


def test_topic_hide_records_event_and_moves_category_count(moderator, topic, category):
    assert moderation.topic_hide(user=moderator, topic=topic, reason="Off-topic advertising") is True
    assert moderation.topic_hide(user=moderator, topic=topic) is False
    assert topic.is_hidden
    event = TopicEvent.objects.get(topic=topic, kind=TopicEvent.Kind.HIDDEN)
    assert event.actor == moderator
    assert event.to_value == "Off-topic advertising"
    assert Category.objects.get(pk=category.pk).topic_count == 0
    assert moderation.topic_unhide(user=moderator, topic=topic) is True
    assert TopicEvent.objects.filter(topic=topic, kind=TopicEvent.Kind.UNHIDDEN, actor=moderator).exists()
    assert Category.objects.get(pk=category.pk).topic_count == 1


@pytest.mark.parametrize("action", ["post_hide", "post_unhide"])
def test_post_hide_requires_moderator(customer, reply, action):
    with pytest.raises(PermissionDenied, match="Only moderators and staff"):
        getattr(moderation, action)(user=customer, post=reply)


def test_topic_hide_requires_moderator(customer, topic):
    with pytest.raises(PermissionDenied):
        moderation.topic_hide(user=customer, topic=topic)
    assert not Topic.objects.get(pk=topic.pk).is_hidden


def test_hidden_post_visible_only_to_author_and_moderators(moderator, customer, reply):
    moderation.post_hide(user=moderator, post=reply)
    assert permissions.allowed(permissions.check_view_post, reply.author, reply)
    assert permissions.allowed(permissions.check_view_post, moderator, reply)
    assert not permissions.allowed(permissions.check_view_post, customer, reply)


# --- bans ----------------------------------------------------------------------------------


def test_user_ban_blocks_posting_and_unban_restores(moderator, customer, topic):
    moderation.user_ban(user=moderator, target=customer, reason="Repeated spam")
    customer.refresh_from_db()
    assert customer.is_banned and customer.banned_reason == "Repeated spam"
    for check, args in [
        (permissions.check_ask, ()),
        (permissions.check_reply, (topic,)),
        (permissions.check_metoo, (topic,)),
        (permissions.check_flag, (topic.first_post,)),
    ]:
        with pytest.raises(PermissionDenied, match="suspended"):
            check(customer, *args)
    moderation.user_unban(user=moderator, target=customer)
    customer.refresh_from_db()
    assert not customer.is_banned and customer.banned_reason == ""
    permissions.check_reply(customer, topic)


def test_user_ban_requires_reason(moderator, customer):
    with pytest.raises(ValidationError, match="reason for the ban is required"):
        moderation.user_ban(user=moderator, target=customer, reason="  ")
    customer.refresh_from_db()
    assert not customer.is_banned


def test_user_ban_refuses_self_staff_and_non_moderators(moderator, customer):
    with pytest.raises(PermissionDenied, match="yourself"):
        moderation.user_ban(user=moderator, target=moderator, reason="x")
    with pytest.raises(PermissionDenied, match="Staff and moderators cannot be banned"):
        moderation.user_ban(user=moderator, target=staff_user(username="sue"), reason="x")
    with pytest.raises(PermissionDenied, match="Only moderators"):
        moderation.user_ban(user=customer, target=UserFactory(username="victim"), reason="x")
