"""Public profiles: what they show (and never show), and editing your own."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest
from PIL import Image

from accounts.templatetags.accounts_tags import author_name
from forum.models import Topic
from tests.factories import PostFactory, TopicFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


def profile_url(user):
    return reverse("accounts:profile", kwargs={"username": user.username})


def edit_url(user):
    return reverse("accounts:profile_edit", kwargs={"username": user.username})


def image_upload(fmt="PNG", size=(300, 200), name="me.png", mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, size, (30, 90, 190, 0) if mode == "RGBA" else (30, 90, 190)).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


def test_profile_shows_name_join_date_and_counts(client):
    member = UserFactory(username="pat", display_name="Pat Jones", bio="Loves spreadsheets.")
    asked = TopicFactory(author=member)
    TopicFactory(author=member, is_hidden=True)  # hidden: not counted
    other = TopicFactory()
    accepted = PostFactory(topic=other, author=member)
    official = PostFactory(topic=TopicFactory(), author=member)
    PostFactory(topic=other, author=member, is_hidden=True)  # hidden: not counted
    Topic.objects.filter(pk=other.pk).update(accepted_answer=accepted)
    Topic.objects.filter(pk=official.topic_id).update(official_answer=official)

    response = client.get(profile_url(member))
    assert response.status_code == 200
    stats = response.context["stats"]
    assert (stats.questions, stats.replies, stats.accepted, stats.official) == (1, 2, 1, 1)
    content = response.content.decode()
    assert "Pat Jones" in content and "Loves spreadsheets." in content and "Joined" in content
    assert asked.title in content
    assert "badge-staff" not in content


def test_profile_never_lists_hidden_posts_or_posts_in_hidden_topics(client):
    member = UserFactory()
    visible = TopicFactory(author=member, title="Visible question")
    TopicFactory(author=member, title="Secret hidden question", is_hidden=True)
    PostFactory(topic=visible, author=member, source="hidden reply text", is_hidden=True)
    content = client.get(profile_url(member)).content.decode()
    assert "Visible question" in content
    assert "Secret hidden question" not in content and "hidden reply text" not in content


def test_profile_shows_staff_badge(client):
    content = client.get(profile_url(staff_user(username="support"))).content.decode()
    assert "badge-staff" in content


def test_profile_posts_are_paginated(client):
    member = UserFactory()
    topic = TopicFactory(author=member)
    for _ in range(20):
        PostFactory(topic=topic, author=member)
    first = client.get(profile_url(member))
    assert len(first.context["posts"]) == 15
    assert len(client.get(profile_url(member) + "?page=2").context["posts"]) == 6


def test_profile_query_count(client, django_assert_max_num_queries):
    member = UserFactory()
    for _ in range(10):
        PostFactory(topic=TopicFactory(), author=member)
    with django_assert_max_num_queries(8):
        assert client.get(profile_url(member)).status_code == 200


def test_unknown_or_inactive_profile_is_404(client):
    assert client.get("/u/nobody-here/").status_code == 404
    assert client.get(profile_url(UserFactory(is_active=False))).status_code == 404


def test_profile_shows_initials_without_avatar(client):
    member = UserFactory(display_name="Casey Jones")
    assert (
        '<span class="avatar avatar-lg" aria-hidden="true">CJ</span>'
        in client.get(profile_url(member)).content.decode()
    )


def test_user_edits_own_profile_and_avatar(client, settings, tmp_path):
    member = UserFactory()
    client.force_login(member)
    response = client.post(
        edit_url(member),
        {
            "display_name": "  New   Name ",
            "bio": "Hello <b>there</b>",
            "avatar": image_upload(size=(600, 300)),
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "New Name" and member.bio == "Hello <b>there</b>"
    with Image.open(member.avatar.path) as saved:
        assert saved.size == (256, 256) and saved.format == "JPEG"
    content = client.get(profile_url(member)).content.decode()
    assert "Hello &lt;b&gt;there&lt;/b&gt;" in content and member.avatar.url in content


def test_remove_avatar_goes_back_to_initials(client):
    member = UserFactory()
    client.force_login(member)
    client.post(edit_url(member), {"display_name": "", "bio": "", "avatar": image_upload()})
    member.refresh_from_db()
    assert member.avatar
    client.post(edit_url(member), {"display_name": "", "bio": "", "remove_avatar": "on"})
    member.refresh_from_db()
    assert not member.avatar


def test_editing_someone_elses_profile_is_forbidden(client):
    member, intruder = UserFactory(), UserFactory()
    client.force_login(intruder)
    assert client.get(edit_url(member)).status_code == 403
    assert client.post(edit_url(member), {"display_name": "Hacked", "bio": ""}).status_code == 403
    member.refresh_from_db()
    assert member.display_name != "Hacked"


def test_editing_needs_login(client):
    response = client.get(edit_url(UserFactory()))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"display_name": "x" * 81, "bio": ""}, "at most 80 characters"),
        ({"display_name": "!!!", "bio": ""}, "at least one letter or digit"),
        ({"display_name": "", "bio": "b" * 301}, "at most 300 characters"),
        ({"display_name": "sam from SUPPORT", "bio": ""}, "Another member already goes by that name"),
        ({"display_name": "Support", "bio": ""}, "Another member already goes by that name"),
    ],
)
def test_profile_form_bad_text_is_refused_and_nothing_saved(client, data, message):
    staff_user(username="support", display_name="Sam from Support")
    member = UserFactory(display_name="Original")
    client.force_login(member)
    response = client.post(edit_url(member), data)
    assert response.status_code == 400 and message in response.content.decode()
    member.refresh_from_db()
    assert member.display_name == "Original"


def test_avatar_that_is_not_an_image_is_refused(client):
    member = UserFactory()
    client.force_login(member)
    fake = SimpleUploadedFile("me.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(edit_url(member), {"display_name": "", "bio": "", "avatar": fake})
    assert response.status_code == 400 and "not an image we can read" in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar


def test_avatar_of_the_wrong_type_is_refused(client):
    member = UserFactory()
    client.force_login(member)
    response = client.post(
        edit_url(member), {"display_name": "", "bio": "", "avatar": image_upload("BMP", name="me.bmp")}
    )
    assert response.status_code == 400 and "BMP images are not accepted" in response.content.decode()


def test_avatar_too_large_is_refused(client, settings):
    settings.AVATAR_MAX_BYTES = 1000
    member = UserFactory()
    client.force_login(member)
    response = client.post(
        edit_url(member), {"display_name": "", "bio": "", "avatar": image_upload(size=(800, 800))}
    )
    assert response.status_code == 400 and "the limit is" in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar


def test_author_name_shows_a_deleted_user():
    assert author_name(None) == "a deleted user"
    assert author_name(UserFactory(display_name="Robin")) == "Robin"


def test_transparent_avatar_is_flattened_on_white(client):
    member = UserFactory()
    client.force_login(member)
    upload = image_upload(size=(100, 100), mode="RGBA")
    assert client.post(edit_url(member), {"display_name": "", "bio": "", "avatar": upload}).status_code == 302
    member.refresh_from_db()
    with Image.open(member.avatar.path) as saved:
        red, green, blue = saved.getpixel((128, 128))
    assert min(red, green, blue) > 240


def test_keeping_your_own_display_name_is_fine(client):
    member = UserFactory(display_name="Pat Jones")
    client.force_login(member)
    assert client.post(edit_url(member), {"display_name": "pat jones", "bio": ""}).status_code == 302


def test_staff_set_a_title_that_customers_cannot(client, db):
    from tests.factories import UserFactory, staff_user

    sam = staff_user(username="sam2")
    client.force_login(sam)
    url = f"/u/{sam.username}/edit/"
    assert 'name="staff_title"' in client.get(url).content.decode()
    response = client.post(url, {"display_name": "Sam", "bio": "", "staff_title": "  Support   team "})
    assert response.status_code == 302
    sam.refresh_from_db()
    assert sam.staff_title == "Support team" and sam.signature == "Sam, Support team"
    # Bad input: a title of punctuation only is refused next to its field; nothing is saved.
    response = client.post(url, {"display_name": "Sammy", "bio": "", "staff_title": "!!!"})
    assert response.status_code == 400 and "at least one letter" in response.content.decode()
    sam.refresh_from_db()
    assert sam.display_name == "Sam" and sam.staff_title == "Support team"

    casey = UserFactory(username="casey2")
    client.force_login(casey)
    url = f"/u/{casey.username}/edit/"
    assert 'name="staff_title"' not in client.get(url).content.decode()
    client.post(url, {"display_name": "", "bio": "", "staff_title": "Support team"})
    casey.refresh_from_db()
    assert casey.staff_title == ""


def test_profile_update_refuses_a_title_for_customers(db):
    from django.core.exceptions import PermissionDenied

    from accounts.services import profile_update
    from tests.factories import UserFactory

    casey = UserFactory()
    with pytest.raises(PermissionDenied):
        profile_update(user=casey, actor=casey, display_name="", bio="", staff_title="Support team")
