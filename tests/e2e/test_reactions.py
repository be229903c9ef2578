"""Me too, votes and reports in headless Chromium, with JavaScript (updated in place) and
without (the forms post and come back with a message)."""

import pytest

from forum.models import Flag, MeToo, Post, Topic, Vote
from tests.factories import PostFactory, TopicFactory, UserFactory


@pytest.fixture
def thread(django_db_serialized_rollback):
    topic = TopicFactory(title="Sync stops after the latest update", author=UserFactory(username="asker"))
    reply = PostFactory(topic=topic, author=UserFactory(username="helper"), source="Sign out and in again.")
    Topic.objects.filter(pk=topic.pk).update(reply_count=1)
    return topic, reply


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reactions_with_javascript_update_in_place(page, login, thread):
    topic, reply = thread
    login(UserFactory(username="reader"))
    page.goto(topic.get_absolute_url())

    metoo = page.locator(".metoo-btn")
    metoo.click()
    page.wait_for_selector(".metoo-btn[aria-pressed=true]")
    assert metoo.locator("[data-count]").inner_text() == "1"
    assert MeToo.objects.filter(topic=topic).count() == 1

    vote = page.locator(f"#post-{reply.pk} .vote-btn")
    vote.click()
    page.wait_for_selector(f"#post-{reply.pk} .vote-btn[aria-pressed=true]")
    assert vote.locator("[data-count]").inner_text() == "1"
    vote.click()  # and back
    page.wait_for_selector(f"#post-{reply.pk} .vote-btn[aria-pressed=false]")
    assert Vote.objects.count() == 0

    page.click(f"#post-{reply.pk} .flag-toggle")  # the page's one flag dialog, aimed at this reply
    form = page.locator("#flag-dialog .flag-form")
    assert page.locator("#flag-dialog").is_visible()
    assert "this reply" in page.locator("#flag-dialog legend").inner_text()
    form.locator("button[type=submit]").click()  # no reason chosen: an error, nothing saved
    page.wait_for_selector("#flag-dialog .flag-form [data-errors]:not([hidden])")
    assert "Choose why" in form.locator("[data-errors]").inner_text()
    assert not Flag.objects.exists()
    form.locator("input[value=spam]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#post-{reply.pk} .flag-done")
    assert "moderators will review it" in page.locator(f"#post-{reply.pk} .flag-done").inner_text()
    assert not page.locator("#flag-dialog").is_visible()
    assert Post.objects.get(pk=reply.pk).flag_count == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reactions_without_javascript_post_and_come_back(browser, live_server, thread):
    topic, reply = thread
    UserFactory(username="nojs")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=login]", "nojs")
        page.fill("input[name=password]", "correct-horse-battery")
        page.click("main form button[type=submit]")
        page.goto(topic.get_absolute_url())
        page.click(".metoo-btn")
        page.wait_for_load_state()
        assert "counted" in page.locator(".messages").inner_text()
        assert page.locator(".metoo-btn").get_attribute("aria-pressed") == "true"
        page.click(".metoo-btn")  # the form now asks for "off"
        page.wait_for_load_state()
        assert MeToo.objects.count() == 0
        page.click(f"#post-{reply.pk} .flag-toggle")  # a link to the flag page
        page.wait_for_load_state()
        assert "Report this reply" in page.locator("h1").inner_text()
        page.check("input[value=spam]")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert page.url.split("#")[0].endswith(topic.get_absolute_url())
        assert "moderators will review it" in page.locator(".messages").inner_text()
        assert Post.objects.get(pk=reply.pk).flag_count == 1
    finally:
        context.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reaction_counts_are_announced_and_pressed_states_present_from_the_start(page, login, thread):
    topic, reply = thread
    login(UserFactory(username="listener"))
    page.goto(topic.get_absolute_url())
    status = page.locator("#reaction-status")
    assert status.get_attribute("aria-live") == "polite" and status.inner_text() == ""
    for selector in (".metoo-btn", f"#post-{reply.pk} .vote-btn", ".topic-actions button:has-text('Follow')"):
        assert page.locator(selector).first.get_attribute("aria-pressed") == "false", selector
    page.locator(".metoo-btn").click()
    page.wait_for_selector(".metoo-btn[aria-pressed=true]")
    assert status.inner_text() == "You have this too. 1 person has this too."
    page.locator(f"#post-{reply.pk} .vote-btn").click()
    page.wait_for_selector(f"#post-{reply.pk} .vote-btn[aria-pressed=true]")
    assert status.inner_text() == "Marked as helpful. 1 person found this reply helpful."
