"""Topic view counting: once per visitor per window, buffered in the cache, flushed with F()."""

from io import StringIO

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory

import pytest

from forum.models import Topic
from forum.services import views as view_counting
from tests.factories import TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    return TopicFactory()


@pytest.fixture(autouse=True)
def _high_threshold(settings):
    settings.FORUM_VIEW_FLUSH_THRESHOLD = 1000


def make_request(user=None, *, ip="203.0.113.9", agent="Mozilla/5.0 Firefox", session_key=None, method="get"):
    request = getattr(RequestFactory(), method)("/community/t/1/x/", REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    request.user = user or AnonymousUser()
    request.session = SessionStore(session_key=session_key)
    return request


def db_views(topic) -> int:
    return Topic.objects.values_list("view_count", flat=True).get(pk=topic.pk)


def test_topic_record_view_counts_once_per_user_per_window(topic, django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(0):  # no database write on a view
        assert view_counting.topic_record_view(request=make_request(user), topic=topic) is True
        assert view_counting.topic_record_view(request=make_request(user), topic=topic) is False
        assert (
            view_counting.topic_record_view(request=make_request(user, ip="198.51.100.1"), topic=topic)
            is False
        )
    assert view_counting.pending_view_count(topic.pk) == 1
    assert db_views(topic) == 0
    assert view_counting.flush_view_counts() == 1
    assert db_views(topic) == 1
    assert view_counting.pending_view_count(topic.pk) == 0


def test_topic_record_view_counts_each_visitor(topic):
    view_counting.topic_record_view(request=make_request(UserFactory(username="a")), topic=topic)
    view_counting.topic_record_view(request=make_request(UserFactory(username="b")), topic=topic)
    view_counting.topic_record_view(request=make_request(ip="198.51.100.7"), topic=topic)
    view_counting.topic_record_view(request=make_request(ip="198.51.100.8"), topic=topic)
    view_counting.topic_record_view(request=make_request(ip="198.51.100.8", agent="Safari"), topic=topic)
    view_counting.flush_view_counts()
    assert db_views(topic) == 4  # another browser on the same address is the same visitor


def test_rotating_user_agents_and_session_cookies_does_not_inflate_views(topic):
    """The review's attack (finding 15): 110 views with a new User-Agent each added 100."""
    before = db_views(topic)
    counted = []
    for n in range(110):
        session = SessionStore()
        if n % 2:
            session.create()  # a real anonymous session, new every time
        request = make_request(
            ip="203.0.113.50", agent=f"Mozilla/5.0 inflate-{n}", session_key=session.session_key
        )
        counted.append(view_counting.topic_record_view(request=request, topic=topic))
    view_counting.flush_view_counts()
    assert counted.count(True) == 1
    assert db_views(topic) == before + 1


def test_ipv6_addresses_of_one_network_count_once(topic):
    assert view_counting.topic_record_view(request=make_request(ip="2001:db8:1:2::1"), topic=topic) is True
    assert (
        view_counting.topic_record_view(request=make_request(ip="2001:db8:1:2::ffff"), topic=topic) is False
    )
    assert view_counting.topic_record_view(request=make_request(ip="2001:db8:1:3::1"), topic=topic) is True


def test_address_group():
    assert view_counting.address_group("198.51.100.7") == "198.51.100.7"
    assert view_counting.address_group("::ffff:198.51.100.7") == "198.51.100.7"
    assert view_counting.address_group("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert view_counting.address_group("not an address") == "not an address"


def test_topic_record_view_counts_again_after_window(topic):
    user = UserFactory()
    view_counting.topic_record_view(request=make_request(user), topic=topic)
    # the window passing is the visitor's "seen" key expiring
    request = make_request(user)
    cache.delete(f"{view_counting.PREFIX}:seen:topic:{topic.pk}:{view_counting.visitor_key(request)}")
    assert view_counting.topic_record_view(request=make_request(user), topic=topic) is True
    view_counting.flush_view_counts()
    assert db_views(topic) == 2


def test_topic_record_view_stores_no_personal_data(topic):
    view_counting.topic_record_view(
        request=make_request(ip="192.0.2.44", agent="SecretBrowser/1.0"), topic=topic
    )
    keys = " ".join(str(key) for key in cache._cache)
    assert "192.0.2.44" not in keys and "SecretBrowser" not in keys


@pytest.mark.parametrize("agent", ["Googlebot/2.1", "Mozilla/5.0 (compatible; bingbot/2.0)", "AhrefsSpider"])
def test_topic_record_view_ignores_robots(topic, agent):
    assert view_counting.topic_record_view(request=make_request(agent=agent), topic=topic) is False
    assert view_counting.pending_view_count(topic.pk) == 0


def test_topic_record_view_ignores_non_get(topic):
    assert view_counting.topic_record_view(request=make_request(method="head"), topic=topic) is False


def test_flush_view_counts_handles_many_topics(topic):
    other = TopicFactory()
    for n in range(3):
        view_counting.topic_record_view(request=make_request(ip=f"198.51.100.{n}"), topic=topic)
    view_counting.topic_record_view(request=make_request(ip="198.51.100.50"), topic=other)
    assert view_counting.flush_view_counts() == 4
    assert (db_views(topic), db_views(other)) == (3, 1)
    assert view_counting.flush_view_counts() == 0  # nothing left: written exactly once
    assert (db_views(topic), db_views(other)) == (3, 1)


def test_flush_view_counts_keeps_views_that_arrive_later(topic):
    view_counting.topic_record_view(request=make_request(ip="198.51.100.1"), topic=topic)
    view_counting.flush_view_counts()
    view_counting.topic_record_view(request=make_request(ip="198.51.100.2"), topic=topic)
    view_counting.topic_record_view(request=make_request(ip="198.51.100.3"), topic=topic)
    view_counting.flush_view_counts()
    assert db_views(topic) == 3


def test_flush_view_counts_adds_to_existing_count(topic):
    Topic.objects.filter(pk=topic.pk).update(view_count=40)
    view_counting.topic_record_view(request=make_request(), topic=topic)
    view_counting.flush_view_counts()
    assert db_views(topic) == 41


def test_topic_record_view_flushes_inline_at_threshold(topic, settings):
    settings.FORUM_VIEW_FLUSH_THRESHOLD = 3
    for n in range(2):
        view_counting.topic_record_view(request=make_request(ip=f"198.51.100.{n}"), topic=topic)
    assert db_views(topic) == 0
    view_counting.topic_record_view(request=make_request(ip="198.51.100.9"), topic=topic)
    # the in-process task backend (no worker) runs the flush task at once
    assert db_views(topic) == 3
    assert view_counting.pending_view_count(topic.pk) == 0


def test_topic_record_view_without_cache_writes_through(topic, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert view_counting.topic_record_view(request=make_request(), topic=topic) is True
    assert db_views(topic) == 1


def test_flush_view_counts_command(topic):
    view_counting.topic_record_view(request=make_request(), topic=topic)
    out = StringIO()
    call_command("flush_view_counts", stdout=out)
    assert "Flushed 1 buffered view." in out.getvalue()
    assert db_views(topic) == 1


def test_flush_view_counts_task(topic):
    view_counting.topic_record_view(request=make_request(), topic=topic)
    result = view_counting.flush_view_counts_task.enqueue()
    assert result.return_value == 1
    assert db_views(topic) == 1


def test_visitor_key_is_stable_and_opaque():
    user = UserFactory(username="viewer")
    key = view_counting.visitor_key(make_request(user))
    assert key == view_counting.visitor_key(make_request(user, ip="198.51.100.200"))
    assert len(key) == 32 and key != f"u:{user.pk}"
    assert key != view_counting.visitor_key(make_request(UserFactory(username="other")))
