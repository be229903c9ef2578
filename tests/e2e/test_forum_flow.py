"""A customer asks, staff reply and mark it official, the customer accepts: in a real browser."""

import os
import tempfile
from pathlib import Path

from django.contrib.auth.models import Group

import pytest

from accounts import roles
from forum.models import Topic
from tests.factories import CategoryFactory, UserFactory, staff_user

SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "forum-screenshots")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_forum_flow_ask_official_accept(page, login):
    # A transactional test before this one may have flushed the groups the migrations create.
    Group.objects.get_or_create(name=roles.STAFF)
    customer = UserFactory(username="casey", display_name="Casey Customer")
    staff = staff_user(username="sam", display_name="Sam from Support")
    CategoryFactory(name="Billing & plans", slug="billing")

    # The customer asks, with a live preview of the Markdown.
    login(customer)
    page.goto("/community/ask/")
    page.fill("input[name=title]", "How do I download all my invoices at once?")
    page.click("[data-preview-button]")
    page.fill("textarea[name=source]", "Our accountant needs **every** invoice from last year.")
    page.wait_for_selector("[data-preview-body] strong")
    assert page.inner_text("[data-preview-body] strong") == "every"
    page.select_option("select[name=category]", label="Billing & plans")
    page.fill("input[name=tags]", "invoices, export")
    _shot(page, "e2e-ask")
    page.click("button[name=post]")
    page.wait_for_selector("h1.topic-title")
    assert page.inner_text("h1.topic-title") == "How do I download all my invoices at once?"
    assert page.inner_text(".topic-status") == "Open"
    topic = Topic.objects.get()

    # Staff reply and mark the reply as the official answer.
    page.context.clear_cookies()
    login(staff)
    page.goto(topic.get_absolute_url())
    page.fill("#reply textarea[name=source]", "Go to **Billing → Invoices** and click *Download all*.")
    page.click("#reply button.btn-primary")
    page.wait_for_selector(".post .badge-staff")
    page.click("text=Mark as official answer")
    page.wait_for_selector(".answer-label.label-official")
    assert page.inner_text(".topic-status") == "Answered"

    # The customer accepts it.
    page.context.clear_cookies()
    login(customer)
    page.goto(topic.get_absolute_url())
    page.locator("button:has-text('Accept this answer')").first.click()
    page.wait_for_selector(".answer-label.label-accepted")
    answers = page.locator(".answers article")
    assert answers.count() == 1
    card = answers.first.inner_text()
    assert "Official answer from" in card and "Accepted by the asker" in card
    assert page.inner_text(".topic-status") == "Answered"
    assert "accepted a reply as the answer" in page.inner_text(".timeline")
    _shot(page, "e2e-topic")

    page.goto("/community/")
    row = page.locator(".topic-row").first
    assert "Official answer" in row.inner_text() and "Accepted" in row.inner_text()
    _shot(page, "e2e-list")
