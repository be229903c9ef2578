"""Edit history (security review, finding 8): staff redact an earlier version (the original
kept for staff only, the redaction logged), and the history of hidden content is for staff and
its author only."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from wagtail.models import ModelLogEntry

import pytest

from forum import permissions
from forum.models import PostRevision
from forum.services import moderation
from forum.services import posts as post_services
from tests.factories import PostFactory, TopicFactory, UserFactory, moderator_user, staff_user

pytestmark = pytest.mark.django_db
SECRET = "My API key is sk_live_SECRET123"


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def staff():
    return staff_user(username="sam")


@pytest.fixture
def leaked(staff):
    """The review's repro: jonas posts a secret, staff edit it away; the old text is a revision."""
    jonas = UserFactory(username="jonas")
    post = PostFactory(topic=TopicFactory(), author=jonas, source=SECRET)
    post_services.post_edit(actor=staff, post=post, source="[redacted by staff]")
    revision = PostRevision.objects.get(post=post)
    assert revision.source_before == SECRET
    return post, revision


def history(client, post) -> tuple[int, str]:
    response = client.get(reverse("forum:post_revisions", args=[post.pk]))
    return response.status_code, response.content.decode()


def test_before_redaction_the_secret_is_in_the_public_history(leaked):
    post, _ = leaked
    assert SECRET in history(Client(), post)[1]


def test_staff_redact_a_revision_over_http(leaked, staff):
    post, revision = leaked
    response = client_for(staff).post(
        reverse("forum:post_revision_redact", args=[post.pk, revision.pk]), {"note": "an API key"}
    )
    assert response.status_code == 302
    revision.refresh_from_db()
    assert revision.source_before == "[Redacted by staff: an API key]"
    assert revision.original_source == SECRET
    assert revision.redacted_by == staff and revision.redacted_at is not None
    for viewer in (None, UserFactory(username="anyone"), post.author, moderator_user(username="mo")):
        status, content = history(client_for(viewer), post)
        assert status == 200
        assert "sk_live_SECRET123" not in content and "Redacted by staff: an API key" in content
    status, content = history(client_for(staff), post)
    assert "sk_live_SECRET123" in content and "Original text (staff only)" in content


def test_redaction_is_logged(leaked, staff):
    post, revision = leaked
    post_services.post_revision_redact(actor=staff, revision=revision, note="an API key")
    entry = ModelLogEntry.objects.get(action="forum.redact_revision")
    assert entry.user == staff and entry.object_id == str(revision.pk)
    assert entry.data == {"post": post.pk, "note": "an API key"}


def test_redacting_twice_keeps_the_first_original(leaked, staff):
    _, revision = leaked
    post_services.post_revision_redact(actor=staff, revision=revision, note="first")
    again = post_services.post_revision_redact(actor=staff, revision=revision, note="second")
    assert again.original_source == SECRET and again.source_before == "[Redacted by staff: second]"


def test_a_redacted_title_is_kept_for_staff_only(staff):
    topic = TopicFactory(title="Password is hunter2 for the admin")
    post_services.post_edit(actor=staff, post=topic.first_post, source="Fixed.", title="A safe title now")
    revision = PostRevision.objects.get(post=topic.first_post)
    redacted = post_services.post_revision_redact(actor=staff, revision=revision)
    assert redacted.title_before == "[Redacted title]"
    assert redacted.original_title == "Password is hunter2 for the admin"
    assert "hunter2" not in history(Client(), topic.first_post)[1]


@pytest.mark.parametrize("who", ["anonymous", "author", "member", "moderator"])
def test_only_staff_may_redact(leaked, who):
    post, revision = leaked
    user = {
        "anonymous": None,
        "author": post.author,
        "member": UserFactory(username="mallory"),
        "moderator": moderator_user(username="mo"),
    }[who]
    response = client_for(user).post(reverse("forum:post_revision_redact", args=[post.pk, revision.pk]))
    assert response.status_code in (302, 403)
    if user is None:
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == 403
    revision.refresh_from_db()
    assert revision.source_before == SECRET and not revision.is_redacted
    with pytest.raises(PermissionDenied):
        post_services.post_revision_redact(actor=user, revision=revision)


def test_redaction_note_too_long_is_a_400_and_nothing_changes(leaked, staff):
    post, revision = leaked
    response = client_for(staff).post(
        reverse("forum:post_revision_redact", args=[post.pk, revision.pk]), {"note": "x" * 201}
    )
    assert response.status_code == 400
    revision.refresh_from_db()
    assert revision.source_before == SECRET
    with pytest.raises(ValidationError):
        post_services.post_revision_redact(actor=staff, revision=revision, note="y" * 201)


def test_redacting_a_revision_of_another_post_is_a_404(leaked, staff):
    post, revision = leaked
    other = PostFactory()
    response = client_for(staff).post(reverse("forum:post_revision_redact", args=[other.pk, revision.pk]))
    assert response.status_code == 404


# --- the history of hidden content -------------------------------------------------------


@pytest.fixture
def hidden_edited(staff):
    author = UserFactory(username="eve")
    post = PostFactory(topic=TopicFactory(), author=author, source="first text")
    post_services.post_edit(actor=author, post=post, source="second text")
    moderation.post_hide(user=moderator_user(username="mo"), post=post)
    post.refresh_from_db()
    return post


@pytest.mark.parametrize(
    ("who", "allowed"), [("staff", True), ("author", True), ("moderator", False), ("member", False)]
)
def test_history_of_a_hidden_post_is_for_staff_and_its_author(hidden_edited, staff, who, allowed):
    user = {
        "staff": staff,
        "author": hidden_edited.author,
        "moderator": moderator_user(username="m2"),
        "member": UserFactory(username="mallory"),
    }[who]
    status, content = history(client_for(user), hidden_edited)
    assert status == (200 if allowed else 403)
    assert ("first text" in content) is allowed
    assert permissions.allowed(permissions.check_view_revisions, user, hidden_edited) is allowed


def test_history_of_a_hidden_post_sends_anonymous_visitors_to_login(hidden_edited):
    response = Client().get(reverse("forum:post_revisions", args=[hidden_edited.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_history_of_a_post_in_a_hidden_topic_is_for_staff_and_its_author(staff):
    author = UserFactory(username="eve")
    topic = TopicFactory(author=author)  # the asker still sees their hidden topic
    post = PostFactory(topic=topic, author=author, source="first text")
    post_services.post_edit(actor=author, post=post, source="second text")
    moderation.topic_hide(user=moderator_user(username="mo"), topic=topic)
    post.refresh_from_db()
    assert history(client_for(moderator_user(username="m2")), post)[0] == 403
    assert history(client_for(author), post)[0] == 200
    assert history(client_for(staff), post)[0] == 200
