from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from demo import forum as demo
from forum import selectors
from forum.models import Post, PostRevision, Topic, TopicEvent
from forum.services import posts as post_services
from tests.factories import CategoryFactory, PostFactory, TopicFactory, UserFactory


def test_visible_topics_hide_hidden_from_everyone_but_moderators(customer, moderator, staff):
    TopicFactory(title="Shown topic")
    TopicFactory(title="Hidden topic", is_hidden=True, author=customer)
    for user in (AnonymousUser(), customer):
        assert [t.title for t in selectors.visible_topics(user)] == ["Shown topic"]
    for user in (moderator, staff):
        assert selectors.visible_topics(user).count() == 2


def test_topic_list_filters_combine(staff):
    billing = CategoryFactory(slug="billing", name="Billing")
    idea = TopicFactory(category=billing, kind="idea", title="An idea in billing")
    TopicFactory(kind="idea", title="An idea elsewhere")
    TopicFactory(category=billing, title="A question in billing")
    filters = selectors.TopicFilters(kind="idea", category=billing)
    assert list(selectors.topic_list(AnonymousUser(), filters)) == [idea]


def test_a_prepared_list_page_holds_what_the_querysets_page_holds(moderator, django_assert_num_queries):
    """topic_list_page (count and rows as prepared queries) against Django's Paginator over
    the queryset, for every filter, both audiences, several sorts and every page number."""
    import itertools

    billing, other = CategoryFactory(slug="billing", name="Billing"), CategoryFactory()
    kinds, statuses = ["question", "idea", "problem"], ["open", "answered", "solved"]
    for n in range(23):
        topic = TopicFactory(
            category=billing if n % 2 else other,
            kind=kinds[n % 3],
            status=statuses[n % 3],
            is_hidden=n % 7 == 0,
            metoo_count=n % 5,
            title=f"Topic {n}",
        )
        if n % 4 == 0:
            topic.tags.add("wifi")
    audiences = (AnonymousUser(), moderator)
    forms = [
        selectors.TopicFilters(),
        selectors.TopicFilters(kind="idea"),
        selectors.TopicFilters(status="open", category=billing),
        selectors.TopicFilters(tag="wifi", sort="metoo"),
        selectors.TopicFilters(unanswered=True, sort="newest"),
        selectors.TopicFilters(kind="question", status="open", tag="wifi", category=billing, sort="votes"),
        selectors.TopicFilters(sort="no-such-sort"),
    ]
    for user, filters, page_number in itertools.product(audiences, forms, ["1", "2", "3", "99", None, "x"]):
        expected = selectors.paginate(selectors.topic_list(user, filters), page_number, 4)
        got = selectors.topic_list_page(user, filters, page_number, 4)
        assert list(got.object_list) == list(expected.object_list), (user, filters, page_number)
        assert (got.number, got.paginator.count) == (expected.number, expected.paginator.count)
    # A page costs two queries (count, rows) and builds no SQL once its form has been seen.
    with django_assert_num_queries(2):
        page = selectors.topic_list_page(moderator, forms[3], "2", 4)
    assert [t.title for t in page.object_list]


def test_topic_list_unanswered_means_no_staff_reply_and_no_accepted_answer(customer, staff):
    plain = TopicFactory(title="Nobody answered")
    staff_replied = TopicFactory(title="Staff replied")
    post_services.post_create(author=staff, topic=staff_replied, source="Looking into it.")
    accepted = TopicFactory(author=customer, title="Accepted a customer reply")
    post_services.post_accept(actor=customer, post=PostFactory(topic=accepted))
    result = selectors.topic_list(AnonymousUser(), selectors.TopicFilters(unanswered=True))
    assert list(result) == [plain]


def test_visible_replies_show_hidden_only_to_author_and_moderators(customer, moderator):
    topic = TopicFactory()
    PostFactory(topic=topic, source="visible")
    PostFactory(topic=topic, source="hidden", author=customer, is_hidden=True)
    assert [p.source for p in selectors.visible_replies(AnonymousUser(), topic)] == ["visible"]
    assert [p.source for p in selectors.visible_replies(UserFactory(), topic)] == ["visible"]
    assert len(selectors.visible_replies(customer, topic)) == 2
    assert len(selectors.visible_replies(moderator, topic)) == 2


def test_reply_page_number_counts_only_what_the_viewer_sees(settings, moderator):
    settings.FORUM_POSTS_PER_PAGE = 2
    topic = TopicFactory()
    now = timezone.now()
    hidden = [
        PostFactory(topic=topic, is_hidden=True, created_at=now + timedelta(seconds=n)) for n in range(4)
    ]
    last = PostFactory(topic=topic, created_at=now + timedelta(seconds=10))
    assert selectors.reply_page_number(AnonymousUser(), last) == 1
    assert selectors.reply_page_number(moderator, last) == 3
    assert selectors.reply_page_number(moderator, hidden[1]) == 1
    assert selectors.reply_page_number(AnonymousUser(), Post.objects.get(pk=topic.first_post_id)) == 1


def test_topic_page_puts_answers_first_and_skips_hidden_answers(customer, staff):
    topic = TopicFactory(author=customer)
    official = PostFactory(topic=topic, author=staff)
    accepted = PostFactory(topic=topic, is_hidden=True)
    post_services.post_mark_official(actor=staff, post=official)
    Topic.objects.filter(pk=topic.pk).update(accepted_answer=accepted)
    topic = selectors.topic_for_page(topic.pk)
    data = selectors.topic_page(AnonymousUser(), topic)
    assert [(a["post"], a["official"], a["accepted"]) for a in data.answers] == [(official, True, False)]
    assert [e.kind for e in data.events] == [TopicEvent.Kind.OFFICIAL, TopicEvent.Kind.STATUS]
    data = selectors.topic_page(staff, topic)
    assert len(data.answers) == 2


def test_topic_page_merges_one_reply_that_is_both(customer, staff):
    topic = TopicFactory(author=customer)
    reply = PostFactory(topic=topic)
    post_services.post_mark_official(actor=staff, post=reply)
    post_services.post_accept(actor=customer, post=reply)
    data = selectors.topic_page(AnonymousUser(), selectors.topic_for_page(topic.pk))
    assert data.answers == [{"post": reply, "official": True, "accepted": True, "accepted_by": None}]


def test_home_sections_recent_unanswered_categories(django_assert_max_num_queries, staff):
    category = CategoryFactory(name="Billing", slug="billing")
    answered = TopicFactory(category=category, title="Answered already")
    post_services.post_create(author=staff, topic=answered, source="Here you go.")
    TopicFactory(category=category, title="Waiting for help")
    TopicFactory(category=category, title="Secret", is_hidden=True)
    with django_assert_max_num_queries(4):
        sections = selectors.home_sections(AnonymousUser())
        titles = [t.title for t in sections["recent_topics"]]
        unanswered = [t.title for t in sections["unanswered_topics"]]
        names = [c.name for c in sections["categories"]]
        category_names = [t.category.name for t in sections["recent_topics"]]
    assert titles == ["Answered already", "Waiting for help"] or set(titles) == {
        "Answered already",
        "Waiting for help",
    }
    assert "Secret" not in titles
    assert unanswered == ["Waiting for help"]
    assert names == ["Billing"] and category_names == ["Billing", "Billing"]


def test_home_waiting_for_an_answer_leaves_out_settled_and_locked_topics(db):
    """A solved, locked announcement written by staff is not waiting for anyone."""
    waiting = TopicFactory(title="Still waiting")
    TopicFactory(title="In progress", status=Topic.Status.IN_PROGRESS)
    TopicFactory(title="Solved one", status=Topic.Status.SOLVED)
    TopicFactory(title="Answered one", status=Topic.Status.ANSWERED)
    TopicFactory(title="Locked one", is_locked=True)
    official = TopicFactory(title="Official one")
    official.official_answer = PostFactory(topic=official)
    official.save()
    unanswered = [t.title for t in selectors.home_sections(AnonymousUser())["unanswered_topics"]]
    assert sorted(unanswered) == ["In progress", "Still waiting"]
    listed = selectors.topic_list(AnonymousUser(), selectors.TopicFilters(unanswered=True))
    assert set(listed.values_list("title", flat=True)) == {"In progress", waiting.title}


def test_demo_seed_is_idempotent_and_shows_every_feature(db):
    from demo import accounts as accounts_demo

    accounts_demo.seed(log=lambda *_: None)
    created = demo.seed(log=lambda *_: None)
    assert len(created) == len(demo.TOPICS)
    assert demo.seed(log=lambda *_: None) == []
    assert Topic.objects.count() == len(demo.TOPICS)
    statuses = set(Topic.objects.values_list("status", flat=True))
    assert statuses == set(Topic.Status.values)
    assert set(Topic.objects.values_list("kind", flat=True)) == set(Topic.Kind.values)
    assert Topic.objects.filter(duplicate_of__isnull=False).exists()
    assert Topic.objects.filter(is_locked=True).exists()
    assert (
        Topic.objects.filter(official_answer__isnull=False, accepted_answer__isnull=False)
        .exclude(official_answer=None)
        .exists()
    )
    both = [
        t
        for t in Topic.objects.all()
        if t.official_answer_id and t.official_answer_id == t.accepted_answer_id
    ]
    assert both
    assert PostRevision.objects.exists()
    assert Post.objects.filter(is_official=True).exists()
    assert Topic.objects.filter(metoo_count__gt=0).exists()
