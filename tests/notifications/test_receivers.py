"""Who is notified of what, and who is not."""

import pytest

from forum import events
from forum.models import Post, Topic
from notifications.models import Delivery, EventType, Notification, NotificationPreference
from notifications.services import preferences_set
from tests.factories import CategoryFactory, PostFactory, UserFactory, moderator_user, staff_user
from tests.notifications.helpers import follow, new_topic, reply

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def kinds_for(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_reply_notifies_asker_as_answer(topic, asker):
    replier = UserFactory()
    post = reply(topic, replier)
    n = Notification.objects.get(recipient=asker)
    assert (n.kind, n.topic, n.post, n.actor) == (Kind.ANSWER, topic, post, replier)
    assert n.is_unread


def test_reply_notifies_topic_and_category_followers(topic):
    topic_follower, category_follower, bystander = UserFactory(), UserFactory(), UserFactory()
    follow(topic_follower, topic=topic)
    follow(category_follower, category=topic.category)
    reply(topic, UserFactory())
    assert kinds_for(topic_follower) == [Kind.REPLY]
    assert kinds_for(category_follower) == [Kind.REPLY]
    assert kinds_for(bystander) == []


def test_reply_does_not_notify_the_actor(topic, asker):
    follow(asker, topic=topic)
    reply(topic, asker, "Answering myself, @asker", mentioned={"asker"})
    assert Notification.objects.count() == 0


def test_follower_of_both_topic_and_category_gets_one_notification(topic):
    fan = UserFactory()
    follow(fan, topic=topic)
    follow(fan, category=topic.category)
    reply(topic, UserFactory())
    assert kinds_for(fan) == [Kind.REPLY]


def test_followed_reply_that_mentions_you_is_one_notification(topic):
    fan = UserFactory(username="fan")
    follow(fan, topic=topic)
    reply(topic, UserFactory(), "Thanks @fan", mentioned={"fan"})
    # One row; the more personal kind (a mention) wins over a followed reply.
    assert kinds_for(fan) == [Kind.MENTION]


def test_reply_mentioning_the_asker_stays_an_answer(topic, asker):
    reply(topic, UserFactory(), "@asker try this", mentioned={"asker"})
    assert kinds_for(asker) == [Kind.ANSWER]


def test_mention_is_case_insensitive_and_ignores_unknown_names(topic):
    pat = UserFactory(username="Pat")
    reply(topic, UserFactory(), "@pat and @nobody", mentioned={"pat", "nobody"})
    assert kinds_for(pat) == [Kind.MENTION]
    assert Notification.objects.filter(kind=Kind.MENTION).count() == 1


def test_same_event_twice_is_one_notification(topic, asker):
    post = PostFactory(topic=topic, author=UserFactory())
    for _ in range(2):
        events.reply_created.send(sender=Post, post=post, topic=topic, actor=post.author)
    assert Notification.objects.filter(recipient=asker).count() == 1


def test_hidden_topic_notifies_only_those_who_can_see_it(topic, asker):
    Topic.objects.filter(pk=topic.pk).update(is_hidden=True)
    topic.refresh_from_db()
    customer, moderator = UserFactory(), moderator_user()
    follow(customer, topic=topic)
    follow(moderator, topic=topic)
    reply(topic, staff_user())
    assert kinds_for(customer) == []
    assert kinds_for(moderator) == [Kind.REPLY]
    assert kinds_for(asker) == [Kind.ANSWER]  # the author still sees their hidden topic


def test_hidden_reply_is_not_announced_to_people_who_cannot_see_it(topic, asker):
    follower = UserFactory()
    follow(follower, topic=topic)
    post = PostFactory(topic=topic, author=UserFactory(), is_hidden=True)
    events.reply_created.send(sender=Post, post=post, topic=topic, actor=post.author)
    assert Notification.objects.count() == 0


def test_inactive_and_placeholder_users_are_not_notified(topic):
    inactive = UserFactory(is_active=False)
    placeholder = UserFactory(is_placeholder=True)
    follow(inactive, topic=topic)
    follow(placeholder, topic=topic)
    reply(topic, UserFactory())
    assert Notification.objects.filter(recipient__in=[inactive, placeholder]).count() == 0


def test_banned_user_gets_inbox_notification_but_no_mail(topic):
    banned = UserFactory(is_banned=True)
    follow(banned, topic=topic)
    preferences_set(user=banned, deliveries={EventType.FOLLOWING: Delivery.IMMEDIATELY})
    reply(topic, UserFactory())
    n = Notification.objects.get(recipient=banned)
    assert n.email_state == Notification.EmailState.NONE


def test_new_topic_notifies_category_followers_but_not_the_asker():
    category = CategoryFactory()
    follower, asker = UserFactory(), UserFactory()
    follow(follower, category=category)
    follow(asker, category=category)
    topic = new_topic(category, asker)
    n = Notification.objects.get()
    assert (n.recipient, n.kind, n.post_id) == (follower, Kind.NEW_TOPIC, topic.first_post_id)


def test_official_answer_notifies_asker_and_reply_author(topic, asker):
    helper = UserFactory()
    staff = staff_user()
    post = PostFactory(topic=topic, author=helper)
    events.official_answer_changed.send(sender=Topic, topic=topic, post=post, actor=staff, marked=True)
    assert kinds_for(asker) == [Kind.OFFICIAL]
    assert kinds_for(helper) == [Kind.OFFICIAL]
    assert kinds_for(staff) == []


def test_unmarking_an_answer_notifies_nobody(topic):
    post = PostFactory(topic=topic, author=UserFactory())
    events.official_answer_changed.send(
        sender=Topic, topic=topic, post=post, actor=staff_user(), marked=False
    )
    events.accepted_answer_changed.send(
        sender=Topic, topic=topic, post=post, actor=topic.author, marked=False
    )
    assert Notification.objects.count() == 0


def test_accepted_answer_by_asker_notifies_only_the_reply_author(topic, asker):
    helper = UserFactory()
    post = PostFactory(topic=topic, author=helper)
    events.accepted_answer_changed.send(sender=Topic, topic=topic, post=post, actor=asker, marked=True)
    assert kinds_for(helper) == [Kind.ACCEPTED]
    assert kinds_for(asker) == []


def test_accepted_on_behalf_by_staff_notifies_the_asker(topic, asker):
    post = PostFactory(topic=topic, author=UserFactory())
    events.accepted_answer_changed.send(sender=Topic, topic=topic, post=post, actor=staff_user(), marked=True)
    assert kinds_for(asker) == [Kind.ACCEPTED]


def test_status_change_notifies_asker_and_followers_with_the_new_status(topic, asker):
    follower = UserFactory()
    follow(follower, topic=topic)
    events.status_changed.send(
        sender=Topic, topic=topic, actor=staff_user(), old_status="open", new_status="in_progress"
    )
    assert kinds_for(asker) == [Kind.STATUS] and kinds_for(follower) == [Kind.STATUS]
    assert Notification.objects.filter(recipient=asker).get().detail == "In progress"


def test_topic_promoted_notifies_the_asker_with_the_faq_address(topic, asker):
    class Page:
        url = "/faq/billing/how-to/"
        title = "How to pay"

    events.topic_promoted.send(sender=Topic, topic=topic, actor=staff_user(), page=Page())
    n = Notification.objects.get(recipient=asker)
    assert n.kind == Kind.PROMOTED and n.get_absolute_url() == "/faq/billing/how-to/"


def test_opted_out_user_still_gets_inbox_but_no_mail(topic, asker):
    NotificationPreference.objects.create(user=asker, event_type=EventType.ANSWERS, delivery=Delivery.NEVER)
    reply(topic, UserFactory())
    assert Notification.objects.get(recipient=asker).email_state == Notification.EmailState.NONE


def test_delivery_defaults_answers_immediately_the_rest_in_the_digest(topic, asker):
    follower = UserFactory()
    follow(follower, topic=topic)
    reply(topic, UserFactory())
    assert Notification.objects.get(recipient=asker).email_state == Notification.EmailState.PENDING
    assert Notification.objects.get(recipient=follower).email_state == Notification.EmailState.DIGEST


def test_receiver_failure_never_breaks_the_sender(topic, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("notifications.receivers.notify", boom)
    reply(topic, UserFactory())  # no exception reaches the forum
    assert Notification.objects.count() == 0


def test_many_followers_cost_a_constant_number_of_queries(topic, django_assert_max_num_queries):
    for _ in range(40):
        follow(UserFactory(), category=topic.category)
    post = PostFactory(topic=topic, author=UserFactory())
    # 8 for the notifications, and 1 for the webhooks' look-up of the endpoints that want it.
    with django_assert_max_num_queries(9):
        events.reply_created.send(sender=Post, post=post, topic=topic, actor=post.author)
    assert Notification.objects.filter(post=post).count() == 41  # 40 followers and the asker


def test_insert_skips_someone_the_same_event_reached_a_moment_ago(topic, asker):
    from notifications.services import _insert

    other = UserFactory()
    Notification.objects.create(recipient=asker, kind=Kind.ANSWER, topic=topic, dedupe_key="post:1")
    rows = [
        Notification(recipient=asker, kind=Kind.ANSWER, topic=topic, dedupe_key="post:1"),
        Notification(recipient=other, kind=Kind.REPLY, topic=topic, dedupe_key="post:1"),
    ]
    created = _insert(rows)
    assert [n.recipient for n in created] == [other]
    assert Notification.objects.filter(dedupe_key="post:1").count() == 2
