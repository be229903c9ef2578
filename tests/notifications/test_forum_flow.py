"""End to end with the forum's own services: the events they send after commit become the
right notifications, once each."""

import pytest

from forum.services import follows, posts, topics
from notifications.models import Notification
from tests.factories import CategoryFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run its after-commit callbacks, as a real request would."""

    def _run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return _run


def kinds(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_question_reply_official_answer_flow(run):
    category = CategoryFactory()
    asker, watcher, helper, staff = UserFactory(), UserFactory(), UserFactory(username="helper"), staff_user()
    run(follows.category_follow, user=watcher, category=category)
    topic = run(
        topics.topic_create,
        author=asker,
        category=category,
        title="Export to CSV fails",
        source="It says error 42.",
    )
    assert kinds(watcher) == [Kind.NEW_TOPIC]

    run(posts.post_create, author=helper, topic=topic, source="Which version are you on?")
    assert kinds(asker) == [Kind.ANSWER]
    assert kinds(watcher) == [Kind.NEW_TOPIC, Kind.REPLY]

    answer = run(posts.post_create, author=staff, topic=topic, source="Fixed in 2.1, thanks @helper!")
    assert kinds(helper) == [Kind.MENTION]  # helper follows the topic (they replied) and was mentioned: one

    run(posts.post_mark_official, actor=staff, post=answer)
    # The asker hears of the official answer once, not again as a status change.
    assert kinds(asker) == [Kind.ANSWER, Kind.ANSWER, Kind.OFFICIAL]
    # A follower learns of it from the status change.
    assert Kind.STATUS in kinds(helper)
    assert kinds(staff) == []  # never notified of their own actions


def test_status_set_by_staff_reaches_asker_and_followers(run):
    asker, fan, staff = UserFactory(), UserFactory(), staff_user()
    topic = run(
        topics.topic_create,
        author=asker,
        category=CategoryFactory(),
        title="Dark mode please",
        source="Idea.",
    )
    run(follows.topic_follow, user=fan, topic=topic)
    run(topics.topic_set_status, actor=staff, topic=topic, status="in_progress")
    assert kinds(asker) == [Kind.STATUS] and kinds(fan) == [Kind.STATUS]
    assert Notification.objects.filter(recipient=fan).get().detail == "In progress"
