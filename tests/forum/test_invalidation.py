"""What each kind of write makes stale (forum/cache.py, STALE_BY_EVENT).

After every kind of write, the pages that show the changed data are fresh for the next
anonymous request and the next signed-in one, and an unrelated topic page stays cached. "Me too"
and votes expire their topic only: the lists stay cached.
"""

from dataclasses import dataclass

from django.test import Client

import pytest

from forum import cache as page_cache
from forum.services import moderation, reactions
from forum.services import posts as post_services
from forum.services import topics as topic_services
from tests.factories import (
    CategoryFactory,
    PostFactory,
    TopicFactory,
    UserFactory,
    moderator_user,
    staff_user,
)


@dataclass
class World:
    asker: object
    helper: object
    voter: object
    staff: object
    moderator: object
    devices: object
    topic: object
    first: object
    second: object
    other: object
    original: object


@pytest.fixture
def world(db):
    billing = CategoryFactory(name="Billing", slug="billing")
    devices = CategoryFactory(name="Devices and printers", slug="devices")
    asker, helper = UserFactory(username="asker"), UserFactory(username="helper")
    topic = TopicFactory(title="Printer drivers vanish after update", category=billing, author=asker)
    first = PostFactory(topic=topic, author=helper, source="Reinstall the driver package first.")
    second = PostFactory(topic=topic, author=helper, source="Check the spooler service as well.")
    topic.reply_count = 2
    topic.save(update_fields=["reply_count"])
    other = TopicFactory(title="Unrelated question about invoices", category=billing)
    PostFactory(topic=other, source="Invoices are under Billing.")
    original = TopicFactory(title="Original thread on printer drivers", category=devices)
    return World(
        asker=asker,
        helper=helper,
        voter=UserFactory(username="voter"),
        staff=staff_user(username="staffer"),
        moderator=moderator_user(username="mod"),
        devices=devices,
        topic=topic,
        first=first,
        second=second,
        other=other,
        original=original,
    )


def _reply(w):
    post_services.post_create(author=w.voter, topic=w.topic, source="Fresh reply about the drivers.")


def _edit(w):
    post_services.post_edit(
        actor=w.asker,
        post=w.topic.first_post,
        source="Edited: the drivers vanish after every update.",
        title="Printer drivers vanish after the March update",
    )


def _official(w):
    post_services.post_mark_official(actor=w.staff, post=w.first)


def _accept(w):
    post_services.post_accept(actor=w.asker, post=w.first)


def _status(w):
    topic_services.topic_set_status(actor=w.staff, topic=w.topic, status="in_progress")


def _hide(w):
    moderation.post_hide(user=w.moderator, post=w.second, reason="Off topic")


def _move(w):
    topic_services.topic_move(actor=w.staff, topic=w.topic, category=w.devices)


def _duplicate(w):
    topic_services.topic_mark_duplicate(actor=w.staff, topic=w.topic, original=w.original)


def _lock(w):
    topic_services.topic_lock(actor=w.staff, topic=w.topic)


def _metoo(w):
    reactions.topic_toggle_metoo(user=w.voter, topic=w.topic)


def _vote(w):
    reactions.post_toggle_vote(user=w.voter, post=w.first)


# kind: (write, shown on the topic page to anonymous visitors, to a signed-in member, gone from
# both, shown on the list, whether the list expires)
KINDS = {
    "reply": (
        _reply,
        "Fresh reply about the drivers.",
        "Fresh reply about the drivers.",
        None,
        "<dd>3</dd>",
        True,
    ),
    "edit": (
        _edit,
        "the drivers vanish after every update",
        "after the March update",
        None,
        "after the March update",
        True,
    ),
    "official": (_official, "label-official", "label-official", None, "badge-official", True),
    "accept": (_accept, "label-accepted", "label-accepted", None, "badge-accepted", True),
    "status": (_status, "badge-in_progress", "badge-in_progress", None, "badge-in_progress", True),
    "hide": (_hide, None, None, "Check the spooler service", "<dd>1</dd>", True),
    "move": (_move, "Devices and printers", "Devices and printers", None, None, True),
    "duplicate": (
        _duplicate,
        "Original thread on printer drivers",
        "Original thread on printer drivers",
        None,
        "badge-duplicate",
        True,
    ),
    "lock": (_lock, "badge-locked", "badge-locked", None, "badge-locked", True),
    "metoo": (_metoo, 'reaction-count">1<', "data-count>1<", None, None, False),
    "vote": (_vote, 'reaction-count">1<', "data-count>1<", None, None, False),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_write_refreshes_the_pages_that_show_it_and_no_other_topic(
    kind, world, client, django_capture_on_commit_callbacks
):
    write, anon_shows, member_shows, gone, list_shows, list_expires = KINDS[kind]
    member = Client()
    member.force_login(UserFactory(username="reader"))
    url, other_url = world.topic.get_absolute_url(), world.other.get_absolute_url()
    original_url = world.original.get_absolute_url()
    for address in (url, other_url, original_url, "/community/"):
        client.get(address)
        assert client.get(address)[page_cache.HEADER] == "hit"
        member.get(address)
    anon_before = client.get(url).content.decode()
    if anon_shows:
        assert anon_shows not in anon_before

    with django_capture_on_commit_callbacks(execute=True):
        write(world)

    world.topic.refresh_from_db()
    url = world.topic.get_absolute_url()  # an edited title changes the slug
    anon = client.get(url)
    assert anon[page_cache.HEADER] == "miss"
    anon_html, member_html = anon.content.decode(), member.get(url).content.decode()
    if anon_shows:
        assert anon_shows in anon_html
    if member_shows:
        assert member_shows in member_html
    if gone:
        assert gone not in anon_html and gone not in member_html
    assert client.get(other_url)[page_cache.HEADER] == "hit"  # an unrelated topic stays cached

    listing = client.get("/community/")
    assert listing[page_cache.HEADER] == ("miss" if list_expires else "hit")
    if list_shows:
        assert list_shows in listing.content.decode()
        assert list_shows in member.get("/community/").content.decode()
    if kind == "duplicate":  # the original lists its new duplicate
        assert client.get(original_url)[page_cache.HEADER] == "miss"
        assert "Printer drivers vanish" in member.get(original_url).content.decode()
    else:
        assert client.get(original_url)[page_cache.HEADER] == "hit"


@pytest.mark.django_db
def test_hiding_a_whole_topic_drops_it_from_its_page_and_the_lists(world, client):
    url = world.topic.get_absolute_url()
    client.get(url)
    client.get("/community/")
    moderation.topic_hide(user=world.moderator, topic=world.topic, reason="Spam")
    assert client.get(url).status_code in (403, 404, 302)
    listing = client.get("/community/")
    assert listing[page_cache.HEADER] == "miss"
    assert "Printer drivers vanish" not in listing.content.decode()
    assert client.get(world.other.get_absolute_url())[page_cache.HEADER] == "miss"  # first view
    assert client.get(world.other.get_absolute_url())[page_cache.HEADER] == "hit"


@pytest.mark.django_db
def test_follow_and_flag_expire_their_topic_only(world, client):
    url, other_url = world.topic.get_absolute_url(), world.other.get_absolute_url()
    for address in (url, other_url, "/community/"):
        client.get(address)
    from forum.services import follows

    follows.topic_follow(user=world.voter, topic=world.topic)
    assert client.get(url)[page_cache.HEADER] == "miss"
    moderation.post_flag(user=world.voter, post=world.first, reason="spam")
    assert client.get(url)[page_cache.HEADER] == "miss"
    assert client.get(other_url)[page_cache.HEADER] == "hit"
    assert client.get("/community/")[page_cache.HEADER] == "hit"


@pytest.mark.django_db
def test_a_member_renaming_themselves_refreshes_their_topics_only(world, client):
    url, other_url = world.topic.get_absolute_url(), world.other.get_absolute_url()
    for address in (url, other_url):
        client.get(address)
    from accounts.services import profile_update

    profile_update(user=world.helper, actor=world.helper, display_name="Helpful Hannah", bio="")
    assert "Helpful Hannah" in client.get(url).content.decode()
    assert client.get(other_url)[page_cache.HEADER] == "hit"


# --- the lists may lag, the writer never does ---------------------------------------------


@pytest.fixture
def lag(settings, monkeypatch):
    """A 5-second list lag on a clock the test moves."""
    import time

    settings.FORUM_LIST_CACHE_LAG = 5
    now = [time.time() + 100]
    monkeypatch.setattr(page_cache, "_now", lambda: now[0])
    return now


@pytest.mark.django_db
def test_lists_lag_at_most_the_setting_while_topic_pages_follow_at_once(world, client, lag):
    url = world.topic.get_absolute_url()
    client.get("/community/")
    client.get(url)
    _reply(world)  # the first change after a quiet time shows at once
    assert "<dd>3</dd>" in client.get("/community/").content.decode()

    lag[0] += 1
    post_services.post_create(author=world.voter, topic=world.topic, source="A second fresh reply.")
    assert "A second fresh reply." in client.get(url).content.decode()  # the topic: at once
    assert client.get("/community/")[page_cache.HEADER] == "hit"  # the list: within the lag

    lag[0] += 5
    listing = client.get("/community/")
    assert listing[page_cache.HEADER] == "miss"
    assert "<dd>4</dd>" in listing.content.decode()


@pytest.mark.django_db
def test_the_writer_sees_their_own_change_in_the_lists_at_once(world, client, lag):
    writer, reader = Client(), Client()
    writer.force_login(world.voter)
    reader.force_login(UserFactory(username="reader"))
    _reply(world)  # the lists move now; the next change within the lag waits
    writer.get("/community/")
    reader.get("/community/")
    lag[0] += 1
    topic_services.topic_create(
        author=world.voter,
        title="Scanner is not detected at all",
        source="Nothing shows up.",
        category=world.devices,
    )
    assert "Scanner is not detected at all" in writer.get("/community/").content.decode()
    assert "Scanner is not detected at all" not in reader.get("/community/").content.decode()  # lagging
    lag[0] += 5
    assert "Scanner is not detected at all" in reader.get("/community/").content.decode()


@pytest.mark.django_db
def test_list_lag_in_a_shared_cache(world, client, lag, settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "shared"),
        }
    }
    client.get("/community/")
    _reply(world)
    lag[0] += 1
    before = page_cache.versions(page_cache.LISTS)
    post_services.post_create(author=world.voter, topic=world.topic, source="Another reply.")
    assert page_cache.versions(page_cache.LISTS) == before
    lag[0] += 5
    assert page_cache.versions(page_cache.LISTS) != before
