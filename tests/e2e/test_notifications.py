"""Browser: the bell count, opening a notification marks it read, settings and profile edits."""

import re

import pytest

from notifications.models import Notification
from tests.factories import TopicFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_opening_a_notification_marks_it_read_and_clears_the_bell(page, login):
    reader = UserFactory(username="reader")
    topic = TopicFactory(title="Export to CSV fails", author=reader)
    other_topic = TopicFactory(title="Import from Dropbox", author=reader)
    replier = UserFactory(display_name="Robin Replier")
    Notification.objects.create(
        recipient=reader, actor=replier, kind=Notification.Kind.ANSWER, topic=other_topic
    )
    Notification.objects.create(recipient=reader, actor=replier, kind=Notification.Kind.OFFICIAL, topic=topic)
    login(reader)
    page.goto("/")
    assert page.locator(".notif-count").inner_text() == "2"

    page.click(".notif-link")
    page.wait_for_url(re.compile(r"/notifications/$"))
    assert page.locator(".notif-item.is-unread").count() == 2
    page.click("text=Robin Replier marked an official answer")
    page.wait_for_url(re.compile(r"/community/t/"))
    page.goto("/notifications/")
    # Opening the topic read its notification; the one about the other topic is still unread.
    assert page.locator(".notif-item.is-unread").count() == 1

    page.click("text=Mark all as read")
    page.wait_for_load_state()
    assert page.locator(".notif-item.is-unread").count() == 0
    assert page.locator(".notif-count").count() == 0


@pytest.mark.django_db(transaction=True)
def test_member_edits_profile_and_notification_settings(page, login):
    member = UserFactory(username="pat", display_name="Pat")
    login(member)
    page.goto("/u/pat/edit/")
    page.fill("input[name=display_name]", "Pat Jones")
    page.fill("textarea[name=bio]", "Bakery owner.")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/u/pat/$"))
    assert page.locator("h1.profile-name").inner_text().startswith("Pat Jones")
    assert "Bakery owner." in page.content()

    page.click("text=Notification settings")
    page.check("input[name=mentions][value=never]")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "Your notification settings are saved." in page.content()
    assert page.is_checked("input[name=mentions][value=never]")
