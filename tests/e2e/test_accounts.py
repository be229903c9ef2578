import re

from django.core import mail

import pytest


@pytest.mark.django_db(transaction=True)
def test_sign_up_confirm_email_log_in_and_see_name(page, live_server):
    page.goto("/")
    page.click("text=Sign up")
    page.fill("input[name=email]", "robin@example.com")
    page.fill("input[name=username]", "robin")
    page.fill("input[name=password1]", "a-long-pass-phrase-2026")
    page.fill("input[name=password2]", "a-long-pass-phrase-2026")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    assert "Verify" in page.content() or "verify" in page.content()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[0].body).group(1)
    page.goto(link)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

    page.goto("/accounts/logout/")
    page.click("main form button[type=submit]")
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "robin@example.com")
    page.fill("input[name=password]", "a-long-pass-phrase-2026")
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".account-name").inner_text() == "robin"
    page.screenshot(
        path=str(__import__("pathlib").Path(__file__).parent.parent.parent / "var" / "e2e-signup.png")
    )
