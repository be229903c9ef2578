"""Triage a mention in the admin, bring it home, and see the topic with its attribution."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import CategoryFactory, staff_user
from tests.mentions import factories

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SHOTS = Path(os.environ["SCREENSHOTS_DIR"]) if os.environ.get("SCREENSHOTS_DIR") else None


def test_staff_triage_a_mention_and_bring_it_home(page, login):
    staff = staff_user(username="sam", display_name="Sam")
    CategoryFactory(name="Mobile app", slug="mobile-app")
    factories.mention(
        title="Acme Cloud app drains my battery, any setting for that?",
        text="It uses 30% a day on my phone since the update. Is there a setting to stop it?",
        html="<p>It uses 30% a day on my phone since the update. Is there a setting to stop it?</p>",
        author_name="Lena Park",
        author_url="https://social.example/@lena",
        url="https://social.example/@lena/42",
        sentiment="negative",
    )
    factories.mention(title="Acme Cloud released version 5.2", kind="other")
    login(staff)

    page.goto("/admin/mentions/")
    assert page.locator("tr.mq-negative").count() == 1
    page.select_option("select[name=kind]", "other")
    with page.expect_navigation():
        page.click("form.mq-filters button[type=submit]")
    assert "kind=other" in page.url
    assert page.locator("table.mq-list tbody tr").count() == 1
    page.goto("/admin/mentions/")
    with page.expect_navigation():
        page.click("text=Acme Cloud app drains my battery")
    page.screenshot(path=SHOTS / "mention-detail.png", full_page=True) if SHOTS else None

    page.fill("textarea[name=reply_text]", "Turn off **photo backup** under Settings → Sync.")
    page.fill("input[name=reply_url]", "https://social.example/@acme/43")
    with page.expect_navigation():
        page.click("text=Save reply")
    expect(page.get_by_text("Reply recorded.")).to_be_visible()

    page.select_option("select[name=category]", label="Mobile app")
    with page.expect_navigation():
        page.click("button:has-text('Bring home')")
    expect(page.locator(".help-block", has_text="Brought home as")).to_be_visible()
    with page.expect_popup() as popup:
        page.click(".help-block a[target=_blank]")
    topic_page = popup.value
    topic_page.wait_for_load_state()
    topic_page.screenshot(path=SHOTS / "mention-topic.png", full_page=True) if SHOTS else None
    body = topic_page.content()
    assert "Acme Cloud app drains my battery" in topic_page.title()
    assert "Originally posted by" in body
    assert topic_page.locator("a[href='https://social.example/@lena/42']").count() >= 1
    assert "photo backup" in body
    assert "Official" in body
