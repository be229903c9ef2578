"""Two-factor authentication (allauth.mfa) and the MFA_REQUIRED_FOR_STAFF rule."""

from django.urls import reverse

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)

from accounts import mfa
from tests.factories import PASSWORD, UserFactory, editor_user, moderator_user, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tolerant_totp(settings):
    # A code made in one 30-second period must still pass if the request lands in the next.
    settings.MFA_TOTP_TOLERANCE = 1


def _current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def _password_step(client, username, next_url="/admin/"):
    return client.post(
        reverse("account_login") + f"?next={next_url}", {"login": username, "password": PASSWORD}
    )


def _confirm_password(client):
    """allauth asks for the password again before changing authenticators."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_totp_sign_in_asks_for_a_code_and_refuses_a_wrong_one(client):
    staff = staff_user(username="sam")
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)

    response = _password_step(client, "sam")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)  # the password alone is not enough

    wrong = "000000" if _current_code(secret) != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200 and response.context["form"].errors
    assert not _signed_in(client)

    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert int(client.session["_auth_user_id"]) == staff.pk
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_signs_in_once(client):
    staff = staff_user(username="sam")
    TOTP.activate(staff, generate_totp_secret())
    code = RecoveryCodes.activate(staff).get_unused_codes()[0]

    _password_step(client, "sam")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302 and _signed_in(client)

    client.logout()
    _password_step(client, "sam")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200 and not _signed_in(client)


@pytest.mark.parametrize("make_user", [staff_user, moderator_user, editor_user])
def test_role_holders_can_set_up_totp_from_their_account_pages(client, make_user):
    member = make_user(username="teammate")
    _password_step(client, "teammate", next_url="/")
    assert client.get(reverse("mfa_index")).status_code == 200
    _confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()
    assert mfa.has_second_factor(member)


def test_totp_set_up_refuses_a_wrong_code_and_saves_nothing(client):
    member = staff_user(username="sam")
    _password_step(client, "sam", next_url="/")
    _confirm_password(client)
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    wrong = "000000" if _current_code(secret) != "000000" else "111111"
    response = client.post(reverse("mfa_activate_totp"), {"code": wrong})
    assert response.status_code == 200 and response.context["form"].errors["code"]
    assert not Authenticator.objects.filter(user=member).exists()


def test_security_keys_page_is_offered(client):
    staff_user(username="sam")
    _password_step(client, "sam", next_url="/")
    _confirm_password(client)
    assert client.get(reverse("mfa_add_webauthn")).status_code == 200


def test_account_pages_link_to_two_factor_settings(client):
    UserFactory(username="pat")
    _password_step(client, "pat", next_url="/")
    page = client.get(reverse("accounts:profile_edit", kwargs={"username": "pat"})).content.decode()
    assert f'href="{reverse("mfa_index")}"' in page


# --- MFA_REQUIRED_FOR_STAFF ------------------------------------------------------------------


@pytest.mark.parametrize("make_user", [staff_user, moderator_user, editor_user])
def test_required_mfa_sends_role_holders_without_it_to_set_it_up(client, settings, make_user):
    settings.MFA_REQUIRED_FOR_STAFF = True
    member = make_user(username="teammate")
    client.force_login(member)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    assert client.get("/admin/pages/").status_code == 302
    # The rest of the site, and the set-up page itself, stay open.
    assert client.get("/community/").status_code == 200


def test_required_mfa_lets_in_role_holders_who_have_it(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = staff_user(username="sam")
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_recovery_codes_alone_do_not_satisfy_the_requirement(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = staff_user(username="sam")
    RecoveryCodes.activate(staff)
    client.force_login(staff)
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")


def test_required_mfa_applies_to_administrators(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")


def test_without_the_setting_role_holders_reach_the_admin_without_mfa(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(staff_user(username="sam"))
    assert client.get("/admin/").status_code == 200


def test_customers_are_never_asked(client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    customer = UserFactory(username="pat")
    assert mfa.mfa_setup_required(customer) is False
    client.force_login(customer)
    response = client.get("/admin/")
    assert response["Location"] != reverse("mfa_activate_totp")
