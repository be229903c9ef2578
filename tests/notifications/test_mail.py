"""Notification mail: queued after commit (never sent in the request), text + HTML with
unsubscribe headers, digests, and nothing lost when the mail server fails."""

from django.core import mail
from django.core.management import call_command

import pytest
from django_tasks import task_backends

from notifications import mail as notification_mail
from notifications.models import Delivery, EventType, Notification, NotificationSettings
from notifications.services import preferences_set
from notifications.tasks import send_notification_email
from tests.factories import CategoryFactory, TopicFactory, UserFactory
from tests.notifications.helpers import follow, reply

pytestmark = pytest.mark.django_db
EmailState = Notification.EmailState
FAILING = "tests.notifications.helpers.FailingEmailBackend"
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def queued():
    """Tasks of this app waiting in the dummy queue (other apps enqueue their own)."""
    return [r for r in task_backends["default"].results if r.task.module_path.startswith("notifications.")]


def test_reply_enqueues_the_mail_task_after_commit_and_sends_nothing_itself(
    settings, topic, asker, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        reply(topic, UserFactory())
    notification = Notification.objects.get(recipient=asker)
    assert [(r.task.name, r.args) for r in queued()] == [("send_notification_email", [notification.pk])]
    assert mail.outbox == []
    assert notification.email_state == EmailState.PENDING


def test_nothing_is_enqueued_before_commit(settings, topic, django_capture_on_commit_callbacks):
    settings.TASKS = DUMMY_TASKS
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply(topic, UserFactory())
    assert queued() == []
    assert any(c.__qualname__.startswith("notify.") for c in callbacks)


def test_immediate_mail_is_text_and_html_with_one_click_unsubscribe(
    topic, asker, django_capture_on_commit_callbacks
):
    replier = UserFactory(display_name="Robin Replier")
    with django_capture_on_commit_callbacks(execute=True):
        reply(topic, replier, "Try **clearing** the cache.")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [asker.email]
    assert "Robin Replier replied to your question" in message.subject
    assert "Try clearing the cache." in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Robin Replier replied" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert "/notifications/unsubscribe/" in unsubscribe and unsubscribe in message.body
    n = Notification.objects.get(recipient=asker)
    assert (n.email_state, n.email_attempts) == (EmailState.SENT, 1) and n.emailed_at


def test_mail_escapes_user_text_in_html(topic, asker, django_capture_on_commit_callbacks):
    bad = UserFactory(display_name="<script>alert(1)</script>")
    with django_capture_on_commit_callbacks(execute=True):
        reply(topic, bad)
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_failing_mail_server_keeps_the_notification_and_records_the_failure(
    settings, topic, asker, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING
    with django_capture_on_commit_callbacks(execute=True):
        reply(topic, UserFactory())
    n = Notification.objects.get(recipient=asker)
    assert n.email_state == EmailState.FAILED
    assert n.email_attempts == 1 and "mail server unavailable" in n.email_error
    assert n.is_unread  # still in the inbox

    # The mail server is back: the next digest run retries it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_mail.send_digests()["retried"] == 1
    n.refresh_from_db()
    assert n.email_state == EmailState.SENT and len(mail.outbox) == 1


def test_failed_mail_task_retries_later_when_the_backend_can_defer(settings, topic, asker):
    settings.EMAIL_BACKEND = FAILING
    settings.TASKS = DUMMY_TASKS
    reply(topic, UserFactory())
    n = Notification.objects.get(recipient=asker)
    assert send_notification_email.call(n.pk) == "failed"
    (retry,) = queued()
    assert retry.args == [n.pk] and retry.task.run_after is not None


def test_failed_mail_stops_after_the_attempt_limit(settings, topic, asker):
    settings.EMAIL_BACKEND = FAILING
    settings.TASKS = DUMMY_TASKS
    settings.NOTIFICATIONS_EMAIL_MAX_ATTEMPTS = 1
    reply(topic, UserFactory())
    n = Notification.objects.get(recipient=asker)
    send_notification_email.call(n.pk)
    assert queued() == []
    assert notification_mail.retry_failed_emails() == 0


def test_mail_task_sends_once_even_if_run_twice(topic, asker):
    reply(topic, UserFactory())
    n = Notification.objects.get(recipient=asker)
    assert send_notification_email.call(n.pk) == "sent"
    assert send_notification_email.call(n.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_user_without_email_is_skipped(topic, asker):
    reply(topic, UserFactory())
    asker.email = ""
    asker.save(update_fields=["email"])
    n = Notification.objects.get(recipient=asker)
    Notification.objects.filter(pk=n.pk).update(email_state=EmailState.PENDING)
    assert send_notification_email.call(n.pk) == "skipped"
    assert mail.outbox == []


def _digest_setup():
    reader = UserFactory(username="reader")
    category = CategoryFactory(name="Mobile app")
    first, second = (
        TopicFactory(category=category, title="Sync fails"),
        TopicFactory(category=category, title="Dark mode?"),
    )
    follow(reader, category=category)
    reply(first, UserFactory(display_name="Ann"))
    reply(first, UserFactory(display_name="Ben"))
    reply(second, UserFactory(display_name="Cid"))
    return reader, first, second


def test_digest_is_one_email_per_user_grouped_by_topic():
    reader, first, second = _digest_setup()
    assert Notification.objects.filter(recipient=reader, email_state=EmailState.DIGEST).count() == 3
    tallies = notification_mail.send_digests()
    assert tallies["sent"] >= 1
    mine = [m for m in mail.outbox if m.to == [reader.email]]
    assert len(mine) == 1
    body = mine[0].body
    assert "3 updates" in mine[0].subject and "2 topics" in mine[0].subject
    assert body.count("== Sync fails ==") == 1 and body.count("== Dark mode? ==") == 1
    assert "Ann replied" in body and "Ben replied" in body and "Cid replied" in body
    assert mine[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not Notification.objects.filter(recipient=reader, email_state=EmailState.DIGEST).exists()
    assert NotificationSettings.objects.get(user=reader).last_digest_at is not None


def test_digest_covers_only_what_came_since_the_last_one():
    reader, first, _ = _digest_setup()
    notification_mail.send_digests()
    mail.outbox.clear()
    assert notification_mail.send_digests()["sent"] == 0 and mail.outbox == []
    reply(first, UserFactory(display_name="Dee"))
    notification_mail.send_digests()
    (message,) = [m for m in mail.outbox if m.to == [reader.email]]
    assert "Dee replied" in message.body and "Ann replied" not in message.body


def test_digest_leaves_out_notifications_already_read():
    reader, first, _ = _digest_setup()
    Notification.objects.filter(recipient=reader, topic=first).update(read_at="2026-01-01T00:00Z")
    notification_mail.send_digests()
    (message,) = [m for m in mail.outbox if m.to == [reader.email]]
    assert "Sync fails" not in message.body and "Dark mode?" in message.body
    assert Notification.objects.filter(recipient=reader, email_state=EmailState.SKIPPED).count() == 2


def test_digest_failure_keeps_everything_for_the_next_run(settings):
    reader, _, _ = _digest_setup()
    settings.EMAIL_BACKEND = FAILING
    assert notification_mail.send_digest(reader) == "failed"
    assert Notification.objects.filter(recipient=reader, email_state=EmailState.DIGEST).count() == 3
    state = NotificationSettings.objects.get(user=reader)
    assert state.digest_failures == 1 and "unavailable" in state.last_digest_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_mail.send_digest(reader) == "sent"


def test_digest_respects_never(topic):
    quiet = UserFactory()
    follow(quiet, topic=topic)
    preferences_set(user=quiet, deliveries={EventType.FOLLOWING: Delivery.NEVER})
    reply(topic, UserFactory())
    notification_mail.send_digests()
    assert not [m for m in mail.outbox if m.to == [quiet.email]]
    assert Notification.objects.get(recipient=quiet).email_state == EmailState.NONE


def test_send_digests_command_reports_and_can_enqueue(settings, capsys):
    _digest_setup()
    call_command("send_digests")
    assert "Digests: 1 sent" in capsys.readouterr().out
    settings.TASKS = DUMMY_TASKS
    call_command("send_digests", "--enqueue")
    assert "Queued the digests" in capsys.readouterr().out
    assert [r.task.name for r in queued()] == ["send_digests"]


def test_mail_about_content_hidden_since_is_not_sent(topic, asker):
    from forum.models import Topic

    follower = UserFactory()
    follow(follower, topic=topic)
    reply(topic, UserFactory())
    Topic.objects.filter(pk=topic.pk).update(is_hidden=True)
    n = Notification.objects.get(recipient=asker)
    assert send_notification_email.call(n.pk) == "sent"  # the asker still sees their own topic
    notification_mail.send_digests()
    assert not [m for m in mail.outbox if m.to == [follower.email]]
    assert Notification.objects.get(recipient=follower).email_state == EmailState.SKIPPED


def test_new_question_mentioning_a_category_follower_is_one_notification():
    from forum import events
    from forum.models import Post, Topic

    category = CategoryFactory()
    fan = UserFactory(username="fan")
    follow(fan, category=category)
    topic = TopicFactory(category=category, body="@fan any idea?")
    events.topic_created.send(sender=Topic, topic=topic, actor=topic.author)
    events.post_mentions.send(
        sender=Post, post=topic.first_post, topic=topic, actor=topic.author, mentioned={"fan"}
    )
    assert list(Notification.objects.filter(recipient=fan).values_list("kind", flat=True)) == ["mention"]


def test_mail_about_an_official_reply_is_signed_by_its_author(
    topic, asker, django_capture_on_commit_callbacks
):
    """ "Sam, Support team": a person answers, not a faceless address."""
    from forum.services.posts import post_create
    from tests.factories import staff_user

    sam = staff_user(username="sam9", display_name="Sam", staff_title="Support <b>team</b>")
    with django_capture_on_commit_callbacks(execute=True):
        post_create(author=sam, topic=topic, source="Restart the sync agent.")
    message = mail.outbox[0]
    assert "— Sam, Support <b>team</b>" in message.body
    html = message.alternatives[0][0]
    assert "— Sam, Support &lt;b&gt;team&lt;/b&gt;" in html


def test_mail_about_a_customer_reply_carries_no_signature(topic, asker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reply(topic, UserFactory(display_name="Robin"), "Try again.")
    assert "— Robin" not in mail.outbox[0].body
