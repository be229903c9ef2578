"""Finding 11 of the 2026-12 security review: display names that pass for a team member's.

Before, "Sam from Support" followed by a zero-width space, with a Cyrillic "о" or "Ѕ", or
with a soft hyphen was accepted (302) while "Sam from Support" itself was refused."""

from django.urls import reverse

import pytest

from accounts import names
from accounts.models import User
from tests.factories import UserFactory, editor_user, moderator_user, staff_user

pytestmark = pytest.mark.django_db

REVIEW_VARIANTS = [
    "Sam from Support\u200b",  # zero-width space
    "Sam from Supp\u043ert",  # Cyrillic о
    "\u0405am from Support",  # Cyrillic Ѕ
    "Sam from Support\u00ad",  # soft hyphen
]
MORE_VARIANTS = [
    "SAM FROM SUPPOR\u0422",  # capitals, Cyrillic Т
    "\uff33\uff41\uff4d from Support",  # full-width letters
    "Sam fr0m Support",
    "Sam frorn Support",  # "rn" for "m"
    "Sam\u2060 from\u200d Support",  # word joiner, zero-width joiner
    "sam from support",
]


@pytest.fixture
def omar():
    return UserFactory(username="omar", display_name="Omar")


@pytest.fixture(autouse=True)
def sam():
    return staff_user(username="staff", display_name="Sam from Support")


def _edit(client, member, display_name):
    url = reverse("accounts:profile_edit", kwargs={"username": member.username})
    return client.post(url, {"display_name": display_name, "bio": ""})


@pytest.mark.parametrize("name", REVIEW_VARIANTS + MORE_VARIANTS)
def test_lookalikes_of_a_staff_name_are_refused_and_nothing_changes(client, omar, name):
    client.force_login(omar)
    response = _edit(client, omar, name)
    assert response.status_code == 400
    errors = response.context["form"].errors["display_name"]
    assert errors and ("looks too much like" in errors[0] or "already goes by" in errors[0])
    omar.refresh_from_db()
    assert omar.display_name == "Omar"


@pytest.mark.parametrize("role", [moderator_user, editor_user])
def test_lookalikes_of_moderators_and_editors_are_refused(client, omar, role):
    role(username="mod", display_name="Morgan Moderator")
    client.force_login(omar)
    response = _edit(client, omar, "M\u043ergan M\u043ederator")
    assert response.status_code == 400
    assert "\u201cMorgan Moderator\u201d" in response.context["form"].errors["display_name"][0]


def test_lookalike_of_a_plain_members_name_is_allowed(client, omar):
    UserFactory(username="cust", display_name="Casey Customer")
    client.force_login(omar)
    assert _edit(client, omar, "C\u0430sey Customer").status_code == 302  # only role holders


def test_names_are_saved_normalised(client, omar):
    client.force_login(omar)
    assert _edit(client, omar, "  Omar\u200b  \uff21hmed\u00ad ").status_code == 302
    omar.refresh_from_db()
    assert omar.display_name == "Omar Ahmed"


def test_different_names_are_accepted(client, omar):
    client.force_login(omar)
    for name in ("Sarah from Sales", "Pam from Support", "Sam from Sup", "Omar"):
        assert _edit(client, omar, name).status_code == 302, name


def test_staff_keep_their_own_name(client, sam):
    client.force_login(sam)
    assert _edit(client, sam, "Sam from Support").status_code == 302
    assert _edit(client, sam, "SAM FROM SUPPORT").status_code == 302


def test_only_format_characters_is_no_name(client, omar):
    client.force_login(omar)
    response = _edit(client, omar, "\u200b\u200d\u00ad")
    assert response.status_code == 302
    omar.refresh_from_db()
    assert omar.display_name == ""


def test_signup_refuses_a_username_that_looks_like_a_team_members(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "x@example.com",
            "username": "STAFF",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["username"]
    response = client.post(
        reverse("account_signup"),
        {
            "email": "y@example.com",
            "username": "\u0455taff",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["username"]
    assert not User.objects.filter(email__in=["x@example.com", "y@example.com"]).exists()


def test_skeleton_joins_lookalikes_and_keeps_different_names_apart():
    assert names.look_alike("\u0405am", "sam") and names.look_alike("Lily", "LILY")
    assert not names.look_alike("Dan", "Dav") and not names.look_alike("Mia", "Ria")
