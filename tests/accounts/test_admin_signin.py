"""Finding 1 of the 2026-12 security review: the Wagtail admin signs in through allauth.

Before, /admin/login/ checked passwords with no limit (twelve wrong guesses and then the
right one opened the admin), let unverified accounts in, and /admin/password_reset/ sent
mail without a limit."""

from urllib.parse import unquote

from django.core import mail
from django.urls import reverse

import pytest

from accounts.models import User
from tests.factories import PASSWORD, UserFactory, staff_user

ADMIN_LOGIN = "/admin/login/"
ADMIN_RESET = "/admin/password_reset/"


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_admin_login_guesses_never_open_the_admin(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    for attempt in range(12):
        response = client.post(
            ADMIN_LOGIN, {"username": "root", "password": f"wrong-{attempt}", "next": "/admin/"}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    response = client.post(ADMIN_LOGIN, {"username": "root", "password": PASSWORD, "next": "/admin/"})
    # Wagtail's form never sees the password: the right one is answered like the wrong ones.
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not _signed_in(client)
    admin_page = client.get("/admin/", follow=True)
    assert unquote(admin_page.redirect_chain[-1][0]) == reverse("account_login") + "?next=/admin/"
    admin.refresh_from_db()
    assert admin.last_login is None


@pytest.mark.django_db
def test_admin_accounts_get_allauths_lockout(client):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    for attempt in range(12):
        client.post(reverse("account_login"), {"login": "root", "password": f"wrong-{attempt}"})
    response = client.post(reverse("account_login"), {"login": "root", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    assert not _signed_in(client)


@pytest.mark.django_db
def test_admin_redirects_to_allauth_and_staff_reach_it_after_signing_in(client):
    staff = staff_user(username="sam")
    response = client.get("/admin/", follow=True)
    assert [unquote(url) for url, _ in response.redirect_chain] == [
        ADMIN_LOGIN + "?next=/admin/",
        reverse("account_login") + "?next=/admin/",
    ]
    response = client.get(ADMIN_LOGIN + "?next=/admin/pages/")
    assert response["Location"] == reverse("account_login") + "?next=/admin/pages/"

    response = client.post(reverse("account_login") + "?next=/admin/", {"login": "sam", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert int(client.session["_auth_user_id"]) == staff.pk
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_signed_in_member_without_admin_access_gets_a_clear_403_not_a_loop(client):
    client.force_login(UserFactory(username="pat"))
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 403
    assert "Your account has no access to the admin" in response.content.decode()


@pytest.mark.django_db
def test_unverified_account_gets_no_session_through_either_form(client):
    UserFactory(username="unverified", verified=False)
    client.post(ADMIN_LOGIN, {"username": "unverified", "password": PASSWORD, "next": "/u/unverified/edit/"})
    assert not _signed_in(client)
    response = client.post(reverse("account_login"), {"login": "unverified", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert not _signed_in(client)
    assert client.get("/u/unverified/edit/").status_code == 302


@pytest.mark.django_db
def test_placeholder_account_gets_no_session_by_any_backend(client):
    UserFactory(username="imported", is_placeholder=True)
    assert client.login(username="imported", password=PASSWORD) is False
    client.post(ADMIN_LOGIN, {"username": "imported", "password": PASSWORD})
    response = client.post(reverse("account_login"), {"login": "imported", "password": PASSWORD}, follow=True)
    assert "This account was imported and cannot sign in." in response.content.decode()
    assert not _signed_in(client)


@pytest.mark.django_db
def test_admin_password_reset_goes_to_allauth_and_its_limit(client):
    UserFactory(username="customer")
    for _ in range(30):
        response = client.post(ADMIN_RESET, {"email": "customer@example.com"})
        assert response.status_code == 302 and response["Location"] == reverse("account_reset_password")
    assert len(mail.outbox) == 0  # Wagtail's reset form sent nothing
    statuses = [
        client.post(reverse("account_reset_password"), {"email": "customer@example.com"}).status_code
        for _ in range(30)
    ]
    assert 429 in statuses
    assert len(mail.outbox) <= 5  # allauth's "5/m/key"
    assert User.objects.get(username="customer").check_password(PASSWORD)


@pytest.mark.django_db
def test_old_admin_reset_confirm_links_go_to_allauth(client):
    response = client.get(ADMIN_RESET + "confirm/MQ/abc-123/")
    assert response.status_code == 302 and response["Location"] == reverse("account_reset_password")
