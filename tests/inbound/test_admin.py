"""The inbound mail log in the Wagtail admin: staff only, read-only."""

from __future__ import annotations

from django.test import Client

import pytest

from inbound.pipeline import receive
from tests.factories import editor_user
from tests.inbound.conftest import build_mail

pytestmark = pytest.mark.django_db

LIST = "/admin/inbound/messages/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def logged(db):
    return receive(
        build_mail(to="nobody@community.test", subject="Where does this go?"), source="test"
    ).message


def test_staff_see_the_log_with_status_and_reason(staff, logged):
    client = client_for(staff)
    page = client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Where does this go?" in html and "Refused" in html and "not addressed" in html
    assert "/admin/inbound/messages/" in client.get("/admin/").content.decode()
    inspect = client.get(f"{LIST}inspect/{logged.pk}/")
    assert inspect.status_code == 200 and "ann@example.org" in inspect.content.decode()


@pytest.mark.parametrize("who", ["customer", "moderator", "editor"])
def test_everyone_else_is_kept_out(request, who, logged):
    user = editor_user(username="ed") if who == "editor" else request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(LIST).status_code in (302, 403)
    assert client.get(f"{LIST}inspect/{logged.pk}/").status_code in (302, 403)


def test_the_log_cannot_be_edited_even_by_staff(staff, logged):
    client = client_for(staff)
    assert client.get(f"{LIST}add/").status_code in (302, 403)
    assert client.get(f"{LIST}edit/{logged.pk}/").status_code in (302, 403)
    assert client.post(f"{LIST}delete/{logged.pk}/").status_code in (302, 403)
    logged.refresh_from_db()
