from django.core.exceptions import PermissionDenied, ValidationError

import pytest

from forum import events
from forum.models import Category, Follow, Post, Topic, TopicEvent
from forum.services import topics as topic_services
from tests.factories import CategoryFactory, TopicFactory, UserFactory

BODY = "When I export my invoices the CSV is empty. What am I missing?"


@pytest.fixture
def category(db):
    return CategoryFactory(name="Billing", slug="billing")


def _ask(author, category=None, **kwargs):
    values = {
        "author": author,
        "category": category,
        "title": "Why is my invoice export empty?",
        "source": BODY,
        "kind": Topic.Kind.QUESTION,
        "tags": "invoices, export",
    }
    values.update(kwargs)
    return topic_services.topic_create(**values)


def test_topic_create_writes_topic_question_tags_counter_and_follow(
    customer, category, django_capture_on_commit_callbacks
):
    received = []
    events.topic_created.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t1")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            topic = _ask(customer, category)
    finally:
        events.topic_created.disconnect(dispatch_uid="t1")
    topic.refresh_from_db()
    assert topic.first_post.source == BODY and topic.first_post.author == customer
    assert "<p>" in topic.first_post.html and topic.first_post.text.startswith("When I export")
    assert sorted(topic.tags.names()) == ["export", "invoices"]
    assert topic.slug == "why-is-my-invoice-export-empty"
    assert topic.reply_count == 0 and topic.status == Topic.Status.OPEN
    assert Category.objects.get(pk=category.pk).topic_count == 1
    assert Follow.objects.filter(user=customer, topic=topic).exists() and topic.follower_count == 1
    assert received and received[0]["topic"] == topic and received[0]["actor"] == customer


def test_topic_create_sends_mentions_of_real_members(customer, category, django_capture_on_commit_callbacks):
    UserFactory(username="dana")
    received = []
    events.post_mentions.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t2")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _ask(customer, category, source="Hi @dana and @nobody-here, any idea? " + BODY)
    finally:
        events.post_mentions.disconnect(dispatch_uid="t2")
    assert received[0]["mentioned"] == {"dana"}


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("title", {"title": "Too short"}),
        ("title", {"title": "x" * 201}),
        ("title", {"title": "          "}),
        ("source", {"source": ""}),
        ("source", {"source": "   \n  "}),
        ("source", {"source": "a" * 20001}),
        ("category", {"category": None}),
        ("kind", {"kind": "rant"}),
        ("tags", {"tags": "a,b,c,d,e,f"}),
        ("tags", {"tags": "x" * 31}),
        ("tags", {"tags": "<script>"}),
    ],
)
def test_topic_create_refuses_bad_input_and_saves_nothing(customer, category, field, kwargs):
    with pytest.raises(ValidationError) as excinfo:
        _ask(customer, **{"category": category, **kwargs})
    assert field in excinfo.value.message_dict
    assert not Topic.objects.exists() and not Post.objects.exists()
    assert Category.objects.get(pk=category.pk).topic_count == 0


def test_topic_create_refuses_banned_and_unverified_members(category):
    banned = UserFactory(is_banned=True)
    unverified = UserFactory(verified=False)
    for user in (banned, unverified):
        with pytest.raises(PermissionDenied):
            _ask(user, category)
    assert not Topic.objects.exists()


def test_parse_tags_normalises_and_deduplicates():
    assert topic_services.parse_tags(" Billing , billing,  Mobile App ,,") == ["billing", "mobile app"]
    assert topic_services.parse_tags("") == []


def test_recent_identical_topic_finds_a_double_submit_only(customer, category):
    topic = _ask(customer, category)
    assert topic_services.recent_identical_topic(author=customer, title=topic.title, source=BODY) == topic
    assert topic_services.recent_identical_topic(author=customer, title=topic.title, source="other") is None
    other = UserFactory()
    assert topic_services.recent_identical_topic(author=other, title=topic.title, source=BODY) is None


def test_topic_set_status_by_staff_records_event_and_takes_manual_control(
    staff, django_capture_on_commit_callbacks
):
    topic = TopicFactory()
    received = []
    events.status_changed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t3")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            topic_services.topic_set_status(actor=staff, topic=topic, status=Topic.Status.IN_PROGRESS)
    finally:
        events.status_changed.disconnect(dispatch_uid="t3")
    topic.refresh_from_db()
    assert topic.status == Topic.Status.IN_PROGRESS and topic.status_set_by_staff
    event = TopicEvent.objects.get(topic=topic)
    assert (event.kind, event.actor, event.from_value, event.to_value) == (
        "status",
        staff,
        "open",
        "in_progress",
    )
    assert received[0]["old_status"] == "open" and received[0]["new_status"] == "in_progress"


def test_topic_set_status_refuses_customers_unknown_and_duplicate(customer, staff):
    topic = TopicFactory(author=customer)
    with pytest.raises(PermissionDenied):
        topic_services.topic_set_status(actor=customer, topic=topic, status=Topic.Status.SOLVED)
    with pytest.raises(ValidationError):
        topic_services.topic_set_status(actor=staff, topic=topic, status="bogus")
    with pytest.raises(ValidationError):
        topic_services.topic_set_status(actor=staff, topic=topic, status=Topic.Status.DUPLICATE)
    topic.refresh_from_db()
    assert topic.status == Topic.Status.OPEN and not TopicEvent.objects.exists()


def test_topic_mark_duplicate_and_unmark(staff):
    original, topic = TopicFactory(), TopicFactory()
    topic_services.topic_mark_duplicate(actor=staff, topic=topic, original=original)
    topic.refresh_from_db()
    assert topic.duplicate_of == original and topic.status == Topic.Status.DUPLICATE
    assert list(original.duplicates.all()) == [topic]
    event = TopicEvent.objects.get(topic=topic)
    assert event.kind == "duplicate" and event.other_topic == original
    topic_services.topic_unmark_duplicate(actor=staff, topic=topic)
    topic.refresh_from_db()
    assert topic.duplicate_of is None and topic.status == Topic.Status.OPEN and not topic.status_set_by_staff
    assert TopicEvent.objects.filter(topic=topic, kind="unduplicate").exists()


def test_topic_mark_duplicate_refuses_self_chain_cycle_and_hidden(staff, customer):
    a, b, c = TopicFactory(), TopicFactory(), TopicFactory()
    with pytest.raises(ValidationError, match="itself"):
        topic_services.topic_mark_duplicate(actor=staff, topic=a, original=a)
    topic_services.topic_mark_duplicate(actor=staff, topic=b, original=a)
    with pytest.raises(ValidationError, match="itself a duplicate"):
        topic_services.topic_mark_duplicate(actor=staff, topic=c, original=b)
    with pytest.raises(ValidationError, match="Other topics"):
        topic_services.topic_mark_duplicate(actor=staff, topic=a, original=c)
    hidden = TopicFactory(is_hidden=True)
    with pytest.raises(ValidationError, match="hidden"):
        topic_services.topic_mark_duplicate(actor=staff, topic=c, original=hidden)
    with pytest.raises(PermissionDenied):
        topic_services.topic_mark_duplicate(actor=customer, topic=c, original=a)
    assert list(Topic.objects.filter(duplicate_of__isnull=False)) == [b]


def test_topic_lock_and_unlock_are_idempotent_and_recorded(staff, customer):
    topic = TopicFactory()
    topic_services.topic_lock(actor=staff, topic=topic)
    topic_services.topic_lock(actor=staff, topic=topic)
    topic.refresh_from_db()
    assert topic.is_locked
    topic_services.topic_unlock(actor=staff, topic=topic)
    assert list(TopicEvent.objects.values_list("kind", flat=True)) == ["locked", "unlocked"]
    with pytest.raises(PermissionDenied):
        topic_services.topic_lock(actor=customer, topic=topic)


def test_topic_move_updates_both_category_counters(staff, customer, category):
    topic = _ask(customer, category)
    other = CategoryFactory(name="Mobile app", slug="mobile-app")
    topic_services.topic_move(actor=staff, topic=topic, category=other)
    topic.refresh_from_db()
    assert topic.category == other
    assert Category.objects.get(pk=category.pk).topic_count == 0
    assert Category.objects.get(pk=other.pk).topic_count == 1
    event = TopicEvent.objects.get(kind="moved")
    assert (event.from_value, event.to_value) == ("Billing", "Mobile app")
    with pytest.raises(PermissionDenied):
        topic_services.topic_move(actor=customer, topic=topic, category=category)


def test_topic_move_of_a_hidden_topic_leaves_the_visible_counts_alone(staff, moderator, customer, category):
    from forum.services import moderation

    topic = _ask(customer, category)
    moderation.topic_hide(user=moderator, topic=topic, reason="spam")
    other = CategoryFactory(name="Mobile app", slug="mobile-app")
    topic_services.topic_move(actor=staff, topic=topic, category=other)
    assert Category.objects.get(pk=category.pk).topic_count == 0
    assert Category.objects.get(pk=other.pk).topic_count == 0
