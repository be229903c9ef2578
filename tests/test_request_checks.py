"""A NUL character anywhere in a request is a 400, never a 500 (security review, finding 9).
On PostgreSQL each of these addresses used to raise ``psycopg.DataError``; the tests run on
both databases, and on either nothing is written."""

from django.test import Client

import pytest

from forum.models import Topic
from tests.factories import CategoryFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db

ANONYMOUS = [
    "/u/%00/",
    "/u/cust%00omer/",
    "/search/?q=invoice&category=%00",
    "/search/?q=%00",
    "/search/similar/?q=%00",
    "/community/?category=%00",
    "/community/?tag=%00&sort=%00",
    "/community/t/1/%00/",
    "/community/%00/",
    "/faq/%00/",
    "/?%00=1",
]
SIGNED_IN = ["/u/%00/edit/", "/u/casey%00/edit/", "/community/ask/?category=%00", "/notifications/?page=%00"]
MODERATOR = ["/community/members/%00/ban/", "/community/moderation/?page=%00"]


@pytest.mark.parametrize("url", ANONYMOUS)
def test_nul_in_the_address_is_a_400_for_anonymous_visitors(url):
    assert Client().get(url).status_code == 400


@pytest.mark.parametrize("url", SIGNED_IN)
def test_nul_in_the_address_is_a_400_for_members(url):
    client = Client()
    client.force_login(UserFactory(username="casey"))
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("url", MODERATOR)
def test_nul_in_the_address_is_a_400_for_moderators(url):
    client = Client()
    client.force_login(moderator_user(username="mo"))
    assert client.get(url).status_code == 400
    assert client.post(url, {"reason": "x"}).status_code == 400


def test_nul_in_a_form_field_is_a_400_and_nothing_is_saved():
    category = CategoryFactory()
    client = Client()
    client.force_login(UserFactory(username="casey"))
    data = {"title": "Why is the sync\x00 slow?", "source": "It takes ages.", "kind": "question"}
    response = client.post("/community/ask/", {**data, "category": category.pk})
    assert response.status_code == 400
    assert not Topic.objects.exists()


def test_nul_in_a_multipart_form_is_a_form_error():
    member = UserFactory(username="casey", display_name="Casey")
    client = Client()
    client.force_login(member)
    response = client.post(f"/u/{member.username}/edit/", {"display_name": "Ca\x00sey", "bio": ""})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.display_name == "Casey"


def test_nul_in_a_cookie_is_a_400():
    client = Client()
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/community/").status_code == 400


def test_ordinary_requests_pass():
    assert Client().get("/community/?sort=recent").status_code == 200
