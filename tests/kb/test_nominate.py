from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

import pytest

from forum.models import Topic, TopicEvent
from tests.factories import TopicFactory


def _render(topic, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template('{% include "kb/includes/topic_nominate.html" %}').render(
        Context({"topic": topic, "request": request, "user": user})
    )


@pytest.mark.django_db
def test_staff_nominate_a_topic_from_the_topic_page(client, staff):
    topic = TopicFactory()
    client.force_login(staff)
    response = client.post(f"/kb/nominate/{topic.pk}/", {"nominate": "1"})
    assert response.status_code == 302 and response["Location"] == topic.get_absolute_url()
    topic.refresh_from_db()
    assert topic.nominated_for_faq and topic.nominated_by == staff
    assert TopicEvent.objects.filter(topic=topic, kind=TopicEvent.Kind.NOMINATED).count() == 1
    client.post(f"/kb/nominate/{topic.pk}/", {"nominate": "0"})
    topic.refresh_from_db()
    assert not topic.nominated_for_faq


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["customer", "moderator", "editor"])
def test_only_staff_nominate(client, request, role):
    topic = TopicFactory()
    client.force_login(request.getfixturevalue(role))
    assert client.post(f"/kb/nominate/{topic.pk}/", {"nominate": "1"}).status_code == 403
    assert not Topic.objects.get(pk=topic.pk).nominated_for_faq


@pytest.mark.django_db
def test_anonymous_nominate_goes_to_login(client):
    topic = TopicFactory()
    response = client.post(f"/kb/nominate/{topic.pk}/", {"nominate": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_nominate_bad_input(client, staff):
    client.force_login(staff)
    assert client.post("/kb/nominate/999999/", {"nominate": "1"}).status_code == 404
    topic = TopicFactory()
    client.post(f"/kb/nominate/{topic.pk}/", {"nominate": "yes please"})
    assert not Topic.objects.get(pk=topic.pk).nominated_for_faq


@pytest.mark.django_db
def test_nominate_form_shows_for_staff_only(staff, customer):
    topic = TopicFactory()
    html = _render(topic, staff)
    assert "Nominate for the FAQ" in html
    assert f"/kb/nominate/{topic.pk}/" in html
    assert "Nominate" not in _render(topic, customer)
    assert "Nominate" not in _render(topic, AnonymousUser())


@pytest.mark.django_db
def test_editor_sees_promote_link_on_answered_topics(editor):
    from tests.kb.conftest import make_answered_topic

    topic = make_answered_topic()
    html = _render(topic, editor)
    assert f"/admin/faq/promote/{topic.pk}/" in html and "Nominate" not in html
