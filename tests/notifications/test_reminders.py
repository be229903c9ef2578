"""Reminders to accept an answer: after ACCEPT_REMINDER_DAYS, once per topic."""

from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

import pytest

from forum.models import Topic
from notifications.models import AcceptReminder, Notification
from notifications.services import accept_reminders_send
from tests.factories import PostFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def question(*, days_since_reply=4, replier=None, **kwargs):
    topic = TopicFactory(**kwargs)
    replier = replier or UserFactory()
    last = timezone.now() - timedelta(days=days_since_reply)
    PostFactory(topic=topic, author=replier, created_at=last)
    Topic.objects.filter(pk=topic.pk).update(reply_count=1, last_reply_at=last)
    topic.refresh_from_db()
    return topic


def test_reminder_is_sent_once_per_topic(django_capture_on_commit_callbacks):
    topic = question()
    with django_capture_on_commit_callbacks(execute=True):
        assert accept_reminders_send() == 1
        assert accept_reminders_send() == 0
    n = Notification.objects.get()
    assert (n.recipient, n.kind) == (topic.author, Notification.Kind.REMINDER)
    assert AcceptReminder.objects.get(topic=topic).recipient == topic.author
    assert len(mail.outbox) == 1 and "Accept it" in mail.outbox[0].subject


def test_no_reminder_before_the_delay(settings):
    settings.ACCEPT_REMINDER_DAYS = 5
    question(days_since_reply=4)
    assert accept_reminders_send() == 0
    settings.ACCEPT_REMINDER_DAYS = 3
    assert accept_reminders_send() == 1


def test_no_reminder_when_an_answer_is_accepted():
    topic = question()
    Topic.objects.filter(pk=topic.pk).update(accepted_answer=topic.posts.last())
    assert accept_reminders_send() == 0


def test_no_reminder_when_only_the_asker_replied():
    asker = UserFactory()
    question(author=asker, replier=asker)
    assert accept_reminders_send() == 0


def test_no_reminder_for_hidden_closed_or_non_question_topics():
    question(is_hidden=True)
    question(status=Topic.Status.CLOSED)
    question(kind=Topic.Kind.IDEA)
    question(author=UserFactory(is_active=False))
    assert accept_reminders_send() == 0


def test_send_accept_reminders_command(capsys):
    question()
    call_command("send_accept_reminders")
    assert "Sent 1 reminder" in capsys.readouterr().out
    call_command("send_accept_reminders")
    assert "Sent 0 reminder" in capsys.readouterr().out


def test_send_accept_reminders_command_can_enqueue(settings, capsys):
    from tests.notifications.test_mail import DUMMY_TASKS, queued

    question()
    settings.TASKS = DUMMY_TASKS
    call_command("send_accept_reminders", "--enqueue")
    assert "Queued the reminders" in capsys.readouterr().out
    assert [r.task.name for r in queued()] == ["send_accept_reminders"]
    assert accept_reminders_send() == 1  # queued, not done
