"""A security key registered and used in a real browser (Chromium's virtual authenticator).

The unit tests cover allauth's MFA settings and the staff requirement; this drives the actual
WebAuthn ceremony: the page's script calls navigator.credentials.create() to register a key, and
navigator.credentials.get() at the next sign-in, against the site's own CSP."""

import re

import pytest
from allauth.mfa.models import Authenticator

from tests.factories import PASSWORD, UserFactory


def _virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, authenticator["authenticatorId"]


def _add_key(page):
    page.goto("/accounts/2fa/webauthn/add/")
    if "/accounts/reauthenticate/" in page.url:  # allauth asks for the password again first
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r"/accounts/2fa/webauthn/add/"))
    page.fill("input[name=name]", "Desk key")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(re.compile(r"/accounts/2fa/(?!webauthn/add/)"))


@pytest.mark.django_db(transaction=True)
def test_register_a_security_key_then_sign_in_with_it(page, live_server, login):
    user = UserFactory(username="keyholder")
    cdp, authenticator_id = _virtual_authenticator(page)
    login(user)

    _add_key(page)
    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Desk key"
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1

    page.goto("/accounts/logout/")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    login(user)  # the password alone is not enough now
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".account-name").inner_text().lower() == "keyholder"  # signed in


@pytest.mark.django_db(transaction=True)
def test_a_key_the_account_never_registered_does_not_sign_in(page, live_server, login, browser):
    user = UserFactory(username="keyholder")
    cdp, _ = _virtual_authenticator(page)
    login(user)
    _add_key(page)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).count() == 1

    # Another browser with its own (empty) authenticator: the password is right, the key is not there.
    context = browser.new_context(base_url=live_server.url)
    other = context.new_page()
    _virtual_authenticator(other)
    other.goto("/accounts/login/")
    other.fill("input[name=login]", "keyholder")
    other.fill("input[name=password]", PASSWORD)
    other.click("main form button[type=submit]")
    other.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    other.click("#mfa_webauthn_authenticate")
    other.wait_for_timeout(1500)
    assert "/accounts/2fa/authenticate/" in other.url
    assert other.locator(".account-name").count() == 0
    context.close()
