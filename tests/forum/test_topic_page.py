"""One topic-page builder (forum.selectors.topic_page): the visitor-independent parts come from
the cache, one visibility filter per viewer decides what each sees, and the query counts of a
warm page are pinned (the same for every audience)."""

from django.contrib.auth.models import AnonymousUser
from django.test import Client

import pytest

from forum import permissions, selectors
from forum.services import moderation
from forum.services import posts as post_services
from tests.factories import PostFactory, TopicFactory, UserFactory, moderator_user, staff_user


@pytest.fixture
def thread(db, settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 300
    topic = TopicFactory(title="Probe topic for counting queries")
    replies = [PostFactory(topic=topic, source=f"Visible reply {i}") for i in range(8)]
    author = UserFactory(username="hiddenauthor")
    hidden = PostFactory(topic=topic, author=author, is_hidden=True, source="The hidden reply text")
    for i in range(30):
        TopicFactory(title=f"Other topic number {i} in the list")
    return {"topic": topic, "replies": replies, "hidden": hidden, "author": author}


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "topic_queries", "list_queries"),
    [
        # anonymous: the page cache answers (no query at all)
        ("anonymous", 0, 0),
        # session, user, groups, the bell, the verified email, this member's marks
        ("member", 6, 5),
        ("moderator", 6, 5),
        ("hidden-reply author", 6, 5),
    ],
)
def test_warm_topic_and_list_pages_cost_a_fixed_number_of_queries(
    thread, who, topic_queries, list_queries, django_assert_num_queries
):
    users = {
        "anonymous": None,
        "member": UserFactory(username="member"),
        "moderator": moderator_user(username="modx"),
        "hidden-reply author": thread["author"],
    }
    client = _client(users[who])
    url = thread["topic"].get_absolute_url()
    client.get(url)
    client.get("/community/")
    with django_assert_num_queries(topic_queries):
        html = client.get(url).content.decode()
    assert "Visible reply 7" in html
    assert ("The hidden reply text" in html) == (who in ("moderator", "hidden-reply author"))
    with django_assert_num_queries(list_queries):
        client.get("/community/")


@pytest.mark.django_db
def test_one_filter_per_viewer_over_the_same_cached_parts(thread, django_assert_num_queries):
    from forum.models import Topic

    topic, hidden = thread["topic"], thread["hidden"]
    official = thread["replies"][0]
    post_services.post_mark_official(actor=staff_user(username="staffer"), post=official)
    Topic.objects.filter(pk=topic.pk).update(accepted_answer=hidden)  # an answer hidden since
    topic = selectors.topic_for_page(topic.pk)
    moderator, author = moderator_user(username="m3"), thread["author"]
    anonymous = selectors.topic_page(AnonymousUser(), topic)  # fills the cache
    permissions.is_moderator(moderator), permissions.is_moderator(author)  # roles read once
    # The same cached parts, filtered per viewer: one query only, for the page of posts that
    # includes the hidden reply (the moderator's and the author's page alike, then shared).
    with django_assert_num_queries(1):
        seen_by_moderator = selectors.topic_page(moderator, topic)
        seen_by_author = selectors.topic_page(author, topic)
    assert hidden.pk not in [p.pk for p in anonymous.posts]
    assert [a["post"].pk for a in anonymous.answers] == [official.pk]
    assert hidden.pk in [p.pk for p in seen_by_moderator.posts]
    assert [a["post"].pk for a in seen_by_moderator.answers] == [official.pk, hidden.pk]
    assert hidden.pk in [p.pk for p in seen_by_author.posts]
    assert len(anonymous.page.object_list) == 8 and len(seen_by_moderator.page.object_list) == 9


@pytest.mark.django_db
def test_hidden_duplicates_are_listed_for_moderators_only(thread):
    staff = staff_user(username="staffer")
    topic = thread["topic"]
    from forum.services import topics as topic_services

    dup = TopicFactory(title="A copy of the probe topic")
    topic_services.topic_mark_duplicate(actor=staff, topic=dup, original=topic)
    moderation.topic_hide(user=staff, topic=dup, reason="Spam")
    topic = selectors.topic_for_page(topic.pk)
    assert selectors.topic_page(AnonymousUser(), topic).duplicates == []
    assert [d.pk for d in selectors.topic_page(moderator_user(username="m4"), topic).duplicates] == [dup.pk]
