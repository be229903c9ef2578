from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

import pytest

from forum import events
from forum.models import Topic, TopicEvent
from kb.services import topic_promote_to_faq


def _render_banner(topic, user=None) -> str:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    template = Template('{% include "kb/includes/topic_faq_banner.html" %}')
    return template.render(Context({"topic": topic, "request": request}))


@pytest.fixture
def draft(editor, section, answered_topic):
    return topic_promote_to_faq(actor=editor, topic=answered_topic, section=section).article


@pytest.mark.django_db
def test_draft_article_shows_no_banner_on_the_topic(draft, answered_topic):
    answered_topic.refresh_from_db()
    assert "answered in our FAQ" not in _render_banner(answered_topic)


@pytest.mark.django_db
def test_publishing_shows_the_banner_and_solves_the_topic(
    editor, staff, draft, answered_topic, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    events.status_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            draft.save_revision(user=editor).publish(user=staff)
    finally:
        events.status_changed.disconnect(receiver)
    topic = Topic.objects.get(pk=answered_topic.pk)
    html = _render_banner(topic)
    assert "This is answered in our FAQ" in html and f'href="{draft.url}"' in html
    assert topic.status == Topic.Status.SOLVED
    event = TopicEvent.objects.get(topic=topic, kind=TopicEvent.Kind.STATUS)
    assert (event.from_value, event.to_value, event.actor) == ("open", "solved", editor)
    assert received and received[0]["new_status"] == "solved" and received[0]["old_status"] == "open"


@pytest.mark.django_db
def test_publishing_keeps_a_status_staff_chose(editor, staff, draft, answered_topic):
    Topic.objects.filter(pk=answered_topic.pk).update(
        status=Topic.Status.IN_PROGRESS, status_set_by_staff=True
    )
    draft.save_revision(user=editor).publish(user=staff)
    topic = Topic.objects.get(pk=answered_topic.pk)
    assert topic.status == Topic.Status.IN_PROGRESS
    assert not TopicEvent.objects.filter(topic=topic, kind=TopicEvent.Kind.STATUS).exists()
    assert "answered in our FAQ" in _render_banner(topic)


@pytest.mark.django_db
def test_republishing_records_the_status_change_once(editor, staff, draft, answered_topic):
    draft.save_revision(user=editor).publish(user=staff)
    draft.save_revision(user=editor).publish(user=staff)
    assert TopicEvent.objects.filter(topic=answered_topic, kind=TopicEvent.Kind.STATUS).count() == 1


@pytest.mark.django_db
def test_published_article_links_back_to_the_discussion(client, editor, staff, draft, answered_topic):
    draft.save_revision(user=editor).publish(user=staff)
    html = client.get(draft.url).content.decode()
    assert "From a community discussion" in html
    assert answered_topic.get_absolute_url() in html


@pytest.mark.django_db
def test_article_hides_the_back_link_when_the_topic_is_hidden(client, editor, staff, draft, answered_topic):
    draft.save_revision(user=editor).publish(user=staff)
    Topic.objects.filter(pk=answered_topic.pk).update(is_hidden=True)
    assert "From a community discussion" not in client.get(draft.url).content.decode()


@pytest.mark.django_db
def test_unpublishing_removes_the_banner(editor, staff, draft, answered_topic):
    draft.save_revision(user=editor).publish(user=staff)
    draft.refresh_from_db()
    draft.unpublish()
    topic = Topic.objects.get(pk=answered_topic.pk)
    assert "answered in our FAQ" not in _render_banner(topic)


@pytest.mark.django_db
def test_article_written_by_hand_publishes_without_touching_topics(article):
    assert not TopicEvent.objects.exists()


@pytest.mark.django_db
def test_first_publication_records_the_faq_entry_and_notifies_the_asker_once(
    editor, staff, draft, answered_topic, django_capture_on_commit_callbacks
):
    """The timeline entry and the asker's notice come with the live article, credited to
    whoever published it (the reviewer signed in to the admin), not the draft's author."""
    from wagtail.log_actions import LogContext

    from notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True), LogContext(user=staff):
        draft.save_revision(user=editor).publish(user=staff)
    with django_capture_on_commit_callbacks(execute=True), LogContext(user=staff):
        draft.save_revision(user=editor).publish(user=staff)
    events_ = TopicEvent.objects.filter(topic=answered_topic, kind=TopicEvent.Kind.PROMOTED)
    assert [e.actor for e in events_] == [staff]
    status = TopicEvent.objects.get(topic=answered_topic, kind=TopicEvent.Kind.STATUS)
    assert status.actor == staff
    notices = Notification.objects.filter(recipient=answered_topic.author, kind=Notification.Kind.PROMOTED)
    assert notices.count() == 1
    draft.refresh_from_db()
    assert notices.get().get_absolute_url() == draft.url


@pytest.mark.django_db
def test_a_promoted_draft_notifies_nobody(editor, draft, answered_topic):
    from notifications.models import Notification

    assert not Notification.objects.filter(kind=Notification.Kind.PROMOTED).exists()
    assert not TopicEvent.objects.filter(topic=answered_topic, kind=TopicEvent.Kind.PROMOTED).exists()


@pytest.mark.django_db
def test_approving_in_the_admin_credits_the_reviewer(client, editor, staff, draft, answered_topic):
    """The editor submits the draft to the FAQ review; staff approve it in the admin."""
    from wagtail.models import Page

    page = Page.objects.get(pk=draft.pk).specific
    workflow = page.get_workflow()
    workflow.start(page, editor)
    task_state = page.current_workflow_task_state
    client.force_login(staff)
    response = client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk)),
        {"comment": ""},
    )
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    assert TopicEvent.objects.get(topic=answered_topic, kind=TopicEvent.Kind.PROMOTED).actor == staff
    assert TopicEvent.objects.get(topic=answered_topic, kind=TopicEvent.Kind.STATUS).actor == staff
