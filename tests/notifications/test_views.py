"""The inbox, mark read, mark all read, the header count and the settings page."""

from django.urls import reverse

import pytest

from notifications.models import Delivery, EventType, Notification, NotificationPreference
from tests.factories import TopicFactory, UserFactory

pytestmark = pytest.mark.django_db
INBOX = reverse("notifications:inbox")


def make_notifications(user, count, **kwargs):
    topic = TopicFactory()
    return [
        Notification.objects.create(
            recipient=user, actor=topic.author, kind=Notification.Kind.REPLY, topic=topic, **kwargs
        )
        for _ in range(count)
    ]


def signed_in(client, user):
    client.force_login(user)
    return client


def test_inbox_needs_login(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_inbox_lists_only_my_notifications(client, customer):
    mine = make_notifications(customer, 2)
    theirs = make_notifications(UserFactory(), 1)
    response = signed_in(client, customer).get(INBOX)
    ids = [n.pk for n in response.context["notifications"]]
    assert sorted(ids) == sorted(n.pk for n in mine) and theirs[0].pk not in ids
    assert b"2 unread" in response.content


def test_inbox_empty_state(client, customer):
    response = signed_in(client, customer).get(INBOX)
    assert response.status_code == 200 and b"Nothing here yet" in response.content


def test_inbox_paginates_and_survives_bad_page_numbers(client, settings, customer):
    settings.NOTIFICATIONS_PER_PAGE = 5
    make_notifications(customer, 12)
    signed_in(client, customer)
    assert len(client.get(INBOX).context["notifications"]) == 5
    assert len(client.get(INBOX + "?page=3").context["notifications"]) == 2
    assert client.get(INBOX + "?page=abc").status_code == 200
    assert client.get(INBOX + "?page=999").context["page_obj"].number == 3


def test_inbox_unread_filter(client, customer):
    unread, read = make_notifications(customer, 2)
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00Z")
    response = signed_in(client, customer).get(INBOX + "?show=unread")
    assert [n.pk for n in response.context["notifications"]] == [unread.pk]


def test_inbox_query_count_is_flat(client, customer, django_assert_max_num_queries):
    make_notifications(customer, 20)
    signed_in(client, customer)
    with django_assert_max_num_queries(10):
        response = client.get(INBOX)
    assert len(response.context["notifications"]) == 20


def test_header_shows_the_unread_count(client, customer):
    make_notifications(customer, 3)
    response = signed_in(client, customer).get(INBOX)
    assert b'class="notif-count"' in response.content and b"3 unread" in response.content


def test_unread_count_is_one_query_cached_per_request(rf, customer, django_assert_num_queries):
    from accounts import roles
    from notifications.selectors import unread_count

    make_notifications(customer, 2)
    request = rf.get("/")
    request.user = customer
    roles.is_moderator(customer)  # the role lookup is cached on the user and shared by the page
    with django_assert_num_queries(1):
        assert unread_count(request) == 2
    with django_assert_num_queries(0):
        assert unread_count(request) == 2


def test_notifications_about_content_hidden_since_are_left_out(client, customer, moderator):
    from forum.models import Topic

    (mine,) = make_notifications(customer, 1)
    Notification.objects.create(recipient=moderator, kind=Notification.Kind.REPLY, topic=mine.topic)
    Topic.objects.filter(pk=mine.topic_id).update(is_hidden=True)
    response = signed_in(client, customer).get(INBOX)
    assert list(response.context["notifications"]) == [] and response.context["unread_total"] == 0
    response = signed_in(client, moderator).get(INBOX)
    assert len(response.context["notifications"]) == 1  # moderators still see hidden content


def test_mark_read_own_notification(client, customer):
    (n,) = make_notifications(customer, 1)
    response = signed_in(client, customer).post(reverse("notifications:mark_read", args=[n.pk]))
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_read_someone_elses_notification_is_404(client, customer):
    (n,) = make_notifications(UserFactory(), 1)
    response = signed_in(client, customer).post(reverse("notifications:mark_read", args=[n.pk]))
    assert response.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_read_needs_post_and_csrf(customer):
    from django.test import Client

    (n,) = make_notifications(customer, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    url = reverse("notifications:mark_read", args=[n.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_read_by_script_answers_json(client, customer):
    (n,) = make_notifications(customer, 1)
    response = signed_in(client, customer).post(
        reverse("notifications:mark_read", args=[n.pk]), headers={"x-requested-with": "fetch"}
    )
    assert response.json() == {"ok": True, "id": n.pk}


def test_mark_read_ignores_offsite_next(client, customer):
    (n,) = make_notifications(customer, 1)
    response = signed_in(client, customer).post(
        reverse("notifications:mark_read", args=[n.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == INBOX


def test_mark_all_read_touches_only_mine(client, customer):
    make_notifications(customer, 3)
    (other,) = make_notifications(UserFactory(), 1)
    signed_in(client, customer).post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(recipient=customer, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_preferences_page_shows_defaults_and_saves(client, customer):
    url = reverse("notifications:preferences")
    response = signed_in(client, customer).get(url)
    assert response.context["form"][EventType.ANSWERS].value() == Delivery.IMMEDIATELY
    data = dict.fromkeys(EventType.values, Delivery.DIGEST) | {EventType.MENTIONS: Delivery.NEVER}
    assert client.post(url, data).status_code == 302
    assert (
        NotificationPreference.objects.get(user=customer, event_type=EventType.MENTIONS).delivery
        == Delivery.NEVER
    )


def test_preferences_bad_input_is_refused_and_nothing_saved(client, customer):
    url = reverse("notifications:preferences")
    data = dict.fromkeys(EventType.values, Delivery.DIGEST) | {EventType.MENTIONS: "<script>"}
    del data[EventType.FAQ]
    response = signed_in(client, customer).post(url, data)
    assert response.status_code == 400
    assert b"Choose one of the options shown." in response.content
    assert b"Choose how you want to hear about this." in response.content
    assert not NotificationPreference.objects.exists()


def test_preferences_need_login(client):
    assert client.get(reverse("notifications:preferences")).status_code == 302


def test_opening_a_topic_reads_its_notifications_only(client, customer):
    about_this = make_notifications(customer, 2)
    about_other = make_notifications(customer, 1)
    topic = about_this[0].topic
    response = signed_in(client, customer).get(topic.get_absolute_url())
    assert response.status_code == 200
    assert not Notification.objects.filter(pk__in=[n.pk for n in about_this], read_at__isnull=True).exists()
    assert Notification.objects.get(pk=about_other[0].pk).read_at is None
    # The header already shows the count left after reading this topic's notifications.
    assert 'aria-label="Notifications: 1 unread"' in response.content.decode()


def test_opening_a_topic_with_nothing_unread_writes_nothing(client, customer):
    topic = TopicFactory()
    signed_in(client, customer).get(topic.get_absolute_url())  # warm caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(topic.get_absolute_url())
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]
    assert not any("notifications_notification" in sql for sql in writes)


def test_opening_a_topic_with_unread_notifications_elsewhere_writes_nothing(client, customer):
    elsewhere = make_notifications(customer, 2)
    topic = TopicFactory()
    signed_in(client, customer).get(topic.get_absolute_url())  # warm caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(topic.get_absolute_url())
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]
    assert not any("notifications_notification" in sql for sql in writes)
    assert Notification.objects.filter(pk__in=[n.pk for n in elsewhere], read_at__isnull=True).count() == 2
    assert 'aria-label="Notifications: 2 unread"' in response.content.decode()
