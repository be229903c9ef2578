import re

from django.core import mail
from django.urls import reverse

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from tests.factories import PASSWORD, UserFactory


def _link_from(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/\S+)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db
def test_signup_sends_verification_then_confirm_logs_in(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "username": "newbie",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="newbie")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]

    # Unverified users cannot log in (mandatory verification): they are sent to verify.
    client.logout()
    response = client.post(reverse("account_login"), {"login": "newbie", "password": "a-long-pass-phrase"})
    assert "_auth_user_id" not in client.session

    confirm_url = _link_from(mail.outbox[0])
    assert client.get(confirm_url).status_code == 200
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "new@example.com", "password": "a-long-pass-phrase"}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_signup_rejects_bad_input_and_saves_nothing(client):
    UserFactory(username="taken", email="taken@example.com")
    response = client.post(
        reverse("account_signup"),
        {"email": "taken@example.com", "username": "taken", "password1": "short", "password2": "other"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    # The taken email is not revealed on the form (allauth prevents account enumeration).
    assert form.errors["username"] and (form.errors.get("password1") or form.errors.get("password2"))
    assert User.objects.filter(username="taken").count() == 1
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_login_by_username_and_by_email(client):
    user = UserFactory(username="pat")
    for login in ("pat", "pat@example.com"):
        client.logout()
        response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
        assert response.status_code == 302, login
        assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_login_with_wrong_password_shows_error(client):
    UserFactory(username="pat")
    response = client.post(reverse("account_login"), {"login": "pat", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_placeholder_accounts_cannot_log_in(client):
    UserFactory(username="imported", is_placeholder=True)
    client.post(reverse("account_login"), {"login": "imported", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_sends_email_with_working_link(client):
    UserFactory(username="forgetful")
    response = client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = _link_from(mail.outbox[0])
    response = client.get(link, follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0] if response.redirect_chain else link,
        {"password1": "brand-new-pass-2026", "password2": "brand-new-pass-2026"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="forgetful").check_password("brand-new-pass-2026")


@pytest.mark.django_db
def test_password_change_requires_login(client):
    response = client.get(reverse("account_change_password"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


@pytest.mark.django_db
def test_password_change_for_signed_in_user(client):
    user = UserFactory(username="changer")
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "another-pass-2026", "password2": "another-pass-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-pass-2026")


@pytest.mark.django_db
def test_email_page_adds_an_address_and_sends_verification(client):
    user = UserFactory(username="mover")
    client.force_login(user)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "moved@example.com"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=user, email="moved@example.com", verified=False).exists()
    assert mail.outbox and mail.outbox[-1].to == ["moved@example.com"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_account_pages_use_the_site_layout(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html and 'class="site-footer"' in html


def test_account_pages_use_the_site_form_style_and_keep_the_settings_tabs(client, db):
    """allauth's pages: plain labels (no "Login:"), the error right below its field, site
    buttons, and on the settings pages the same tabs as the profile and notification settings."""
    from tests.factories import UserFactory

    html = client.get("/accounts/login/").content.decode()
    assert 'class="auth-card"' in html and '<form class="account-form"' in html
    assert ">Email or username</label>" in html and "> Keep me signed in</label>" in html
    assert "Login:" not in html and 'class="btn btn-primary"' in html
    html = client.post(
        "/accounts/signup/", {"email": "not-an-email", "username": "", "password1": "x"}
    ).content.decode()
    email_field = html[html.index('for="id_email"') :]
    assert (
        email_field.index('name="email"')
        < email_field.index('class="errorlist"')
        < email_field.index('for="id_username"')
    )
    user = UserFactory()
    client.force_login(user)
    for url in ("/accounts/email/", "/accounts/password/change/"):
        html = client.get(url).content.decode()
        assert (
            'aria-label="Your settings"' in html
            and "Notifications</a>" in html
            and "Delete account</a>" in html
        )
        assert f'href="{url}" aria-current="page"' in html
