"""Nothing of a hidden topic reaches people who may not see it (security review, finding 6,
and the chooser part of finding 12): the short address, duplicate banners, the timeline,
"Did you mean" and the admin topic chooser."""

from django.test import Client
from django.urls import reverse

import pytest

from forum.services import moderation
from forum.services import topics as topic_services
from search import spelling
from tests.factories import TopicFactory, UserFactory, editor_user, moderator_user, staff_user

pytestmark = pytest.mark.django_db
SECRET = "Zanzibarsecret quokka topic hidden later"


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def hidden(django_capture_on_commit_callbacks):
    author = UserFactory(username="eve")
    topic = TopicFactory(author=author, title=SECRET)
    topic.tags.add("secrettag")
    with django_capture_on_commit_callbacks(execute=True):
        moderation.topic_hide(user=moderator_user(username="mo"), topic=topic, reason="Leaked data")
    topic.refresh_from_db()
    assert topic.is_hidden
    return topic


# --- the short address -------------------------------------------------------------------


def test_short_address_of_a_hidden_topic_sends_anonymous_visitors_to_login(hidden):
    response = Client().get(f"/community/t/{hidden.pk}/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "zanzibarsecret" not in response.url.lower()


def test_short_address_of_a_hidden_topic_is_refused_to_other_members(hidden):
    response = client_for(UserFactory(username="mallory")).get(f"/community/t/{hidden.pk}/")
    assert response.status_code == 403
    assert "zanzibarsecret" not in response.content.decode().lower()


@pytest.mark.parametrize("who", ["author", "moderator", "staff"])
def test_short_address_still_works_for_those_who_may_see_it(hidden, who):
    user = {"author": hidden.author, "moderator": moderator_user(username="m2"), "staff": staff_user()}[who]
    response = client_for(user).get(f"/community/t/{hidden.pk}/?page=2")
    assert response.status_code == 302
    assert response.url == hidden.get_absolute_url() + "?page=2"


def test_short_address_of_a_visible_topic_redirects_anyone():
    topic = TopicFactory(title="Export audit logs")
    response = Client().get(f"/community/t/{topic.pk}/")
    assert response.status_code == 302 and response.url == topic.get_absolute_url()


# --- duplicates: the banner and the timeline ---------------------------------------------


@pytest.fixture
def duplicate_of_hidden(django_capture_on_commit_callbacks):
    """Staff mark a topic as a duplicate of an original, then a moderator hides the original."""
    original = TopicFactory(title="Let us export audit logs to S3")
    duplicate = TopicFactory(title="Audit log export?")
    topic_services.topic_mark_duplicate(actor=staff_user(username="sam"), topic=duplicate, original=original)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.topic_hide(user=moderator_user(username="mo"), topic=original)
    return duplicate, original


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_duplicate_page_never_shows_a_hidden_originals_title(duplicate_of_hidden, who):
    duplicate, original = duplicate_of_hidden
    user = UserFactory(username="mallory") if who == "member" else None
    content = client_for(user).get(duplicate.get_absolute_url()).content.decode()
    assert "This is a duplicate" in content and "no longer available" in content
    assert original.title not in content
    assert original.get_absolute_url() not in content


def test_moderators_still_see_the_hidden_original_in_banner_and_timeline(duplicate_of_hidden):
    duplicate, original = duplicate_of_hidden
    content = client_for(moderator_user(username="m2")).get(duplicate.get_absolute_url()).content.decode()
    assert content.count(original.title) == 2  # the banner and the timeline


def test_duplicate_of_a_visible_original_names_it(duplicate_of_hidden):
    duplicate, original = duplicate_of_hidden
    moderation.topic_unhide(user=moderator_user(username="m2"), topic=original)
    content = Client().get(duplicate.get_absolute_url()).content.decode()
    assert content.count(original.title) == 2


# --- "Did you mean" ----------------------------------------------------------------------


def test_tags_used_only_on_hidden_topics_are_never_suggested(hidden):
    spelling.forget_vocabulary()
    assert spelling.suggest("secrettaq") is None
    assert spelling.suggest("zanzibarsecrte") is None
    content = Client().get("/search/", {"q": "secrettaq"}).content.decode()
    assert "secrettag" not in content and "Did you mean" not in content


def test_tags_in_use_on_a_visible_topic_are_suggested():
    TopicFactory(title="Public question").tags.add("publictag")
    spelling.forget_vocabulary()
    assert spelling.suggest("publictaq") == "publictag"


def test_hiding_a_topic_drops_its_words_from_the_vocabulary_at_once(django_capture_on_commit_callbacks):
    topic = TopicFactory(title="Quokkafriendly onboarding")
    topic.tags.add("secrettag")
    spelling.forget_vocabulary()
    assert spelling.suggest("secrettaq") == "secrettag"  # cached now, in this process and the cache
    with django_capture_on_commit_callbacks(execute=True):
        moderation.topic_hide(user=moderator_user(username="mo"), topic=topic)
    assert spelling.suggest("secrettaq") is None
    assert spelling.suggest("quokkafriendlx") is None
    with django_capture_on_commit_callbacks(execute=True):
        moderation.topic_unhide(user=moderator_user(username="mo"), topic=topic)
    assert spelling.suggest("secrettaq") == "secrettag"


def test_forgetting_reaches_other_processes(monkeypatch):
    """Another process's copy is keyed by the shared generation: a moved generation rebuilds."""
    TopicFactory(title="Public question").tags.add("publictag")
    spelling.forget_vocabulary()
    first = spelling.vocabulary()
    spelling.cache.incr(spelling.VOCABULARY_GENERATION_KEY)  # what forget_vocabulary does elsewhere
    assert spelling.vocabulary() is not first


# --- the admin topic chooser -------------------------------------------------------------


CHOOSER = "/admin/kb/topic-chooser/"


def test_topic_chooser_lists_and_searches_without_a_500_and_without_hidden_topics(hidden):
    TopicFactory(title="Visible billing question")
    client = client_for(editor_user(username="ed"))
    for params in ({}, {"q": "question"}, {"q": "quokka"}, {"q": "topic"}):
        response = client.get(CHOOSER, params)
        assert response.status_code == 200, params
        assert "Zanzibarsecret" not in response.content.decode()
        assert "zanzibarsecret" not in response.content.decode()  # nor its slug
    assert "Visible billing question" in client.get(CHOOSER).content.decode()


def test_topic_chooser_chosen_endpoint_refuses_a_hidden_topic_to_editors(hidden):
    response = client_for(editor_user(username="ed")).get(f"{CHOOSER}chosen/{hidden.pk}/")
    assert response.status_code == 404
    assert "Zanzibarsecret" not in response.content.decode()


def test_topic_chooser_chosen_endpoint_serves_visible_topics_and_moderators(hidden):
    visible = TopicFactory(title="Visible billing question")
    response = client_for(editor_user(username="ed")).get(f"{CHOOSER}chosen/{visible.pk}/")
    assert response.status_code == 200 and "Visible billing question" in response.content.decode()
    as_moderator = client_for(moderator_user(username="m2")).get(f"{CHOOSER}chosen/{hidden.pk}/")
    assert as_moderator.status_code == 200
