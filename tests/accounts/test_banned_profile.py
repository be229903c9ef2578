"""Banned members keep reading but cannot change what is shown beside their posts (security
review, section 18); they can still delete their account."""

from django.urls import reverse

import pytest

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_banned_member_cannot_edit_their_profile(client):
    member = UserFactory(username="dealbot", display_name="Deal Bot", bio="", is_banned=True)
    client.force_login(member)
    url = reverse("accounts:profile_edit", kwargs={"username": member.username})
    assert client.get(url).status_code == 403
    response = client.post(url, {"display_name": "Cheap Watches", "bio": "Visit my shop"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert (member.display_name, member.bio) == ("Deal Bot", "")


def test_member_who_is_not_banned_still_edits(client):
    member = UserFactory(username="casey")
    client.force_login(member)
    url = reverse("accounts:profile_edit", kwargs={"username": member.username})
    assert client.post(url, {"display_name": "Casey C", "bio": "Hi"}).status_code == 302


def test_banned_member_can_still_delete_their_account(client):
    member = UserFactory(username="dealbot", is_banned=True)
    client.force_login(member)
    url = reverse("accounts:account_delete", kwargs={"username": member.username})
    response = client.post(url, {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(username="dealbot").exists()
