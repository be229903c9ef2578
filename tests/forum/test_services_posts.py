from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

import pytest

from forum import events
from forum.models import Follow, Post, PostRevision, Topic, TopicEvent
from forum.services import follows
from forum.services import posts as post_services
from forum.services import topics as topic_services
from tests.factories import PostFactory, TopicFactory, UserFactory


@pytest.fixture
def topic(customer):
    return TopicFactory(author=customer, title="Why does the mobile app log me out?")


def _capture(signal, uid):
    received = []
    signal.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid=uid)
    return received


def test_post_create_moves_counters_follows_and_sends_reply_created(
    topic, django_capture_on_commit_callbacks
):
    replier = UserFactory()
    received = _capture(events.reply_created, "p1")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            post = post_services.post_create(author=replier, topic=topic, source="Try signing out and in.")
    finally:
        events.reply_created.disconnect(dispatch_uid="p1")
    topic.refresh_from_db()
    assert topic.reply_count == 1 and topic.last_reply_at == post.created_at
    assert topic.last_activity_at == post.created_at
    assert not post.is_official and not topic.has_staff_reply and topic.first_staff_reply_at is None
    assert Follow.objects.filter(user=replier, topic=topic).exists() and topic.follower_count == 1
    assert received[0]["post"] == post and received[0]["actor"] == replier


def test_post_create_by_staff_is_official_and_marks_first_staff_reply(topic, staff):
    first = post_services.post_create(author=staff, topic=topic, source="Which phone do you use?")
    post_services.post_create(author=staff, topic=topic, source="Thanks, we are on it.")
    topic.refresh_from_db()
    assert first.is_official and topic.has_staff_reply
    assert topic.first_staff_reply_at == first.created_at and topic.reply_count == 2


def test_post_create_sends_mentions_without_the_author(topic, customer, django_capture_on_commit_callbacks):
    UserFactory(username="dana")
    replier = UserFactory(username="robin")
    received = _capture(events.post_mentions, "p2")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            post_services.post_create(
                author=replier, topic=topic, source="@dana @casey @robin @ghost see above"
            )
    finally:
        events.post_mentions.disconnect(dispatch_uid="p2")
    assert received[0]["mentioned"] == {"dana", "casey"}


@pytest.mark.parametrize("source", ["", "   ", "a" * 20001])
def test_post_create_refuses_bad_text_and_saves_nothing(topic, source):
    with pytest.raises(ValidationError):
        post_services.post_create(author=UserFactory(), topic=topic, source=source)
    topic.refresh_from_db()
    assert topic.reply_count == 0 and Post.objects.count() == 1


def test_post_create_refuses_locked_and_duplicate_topics_except_staff_on_locked(topic, staff):
    topic.is_locked = True
    topic.save()
    with pytest.raises(PermissionDenied, match="locked"):
        post_services.post_create(author=UserFactory(), topic=topic, source="Hello")
    post_services.post_create(author=staff, topic=topic, source="Staff may still reply.")
    other = TopicFactory()
    topic_services.topic_mark_duplicate(actor=staff, topic=other, original=TopicFactory())
    with pytest.raises(PermissionDenied, match="duplicate"):
        post_services.post_create(author=staff, topic=other, source="Hello")


def test_post_edit_keeps_a_revision_and_updates_html(topic, customer):
    post = PostFactory(topic=topic, author=customer, source="Old text")
    post_services.post_edit(actor=customer, post=post, source="New **text**")
    post.refresh_from_db()
    assert post.source == "New **text**" and "<strong>text</strong>" in post.html
    assert post.edit_count == 1 and post.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert (
        revision.source_before == "Old text" and revision.editor == customer and revision.title_before == ""
    )


def test_post_edit_of_the_question_can_change_the_title(topic, customer):
    question = topic.first_post
    post_services.post_edit(
        actor=customer, post=question, source=question.source, title="A much better title here"
    )
    topic.refresh_from_db()
    assert topic.title == "A much better title here" and topic.slug == "a-much-better-title-here"
    assert PostRevision.objects.get().title_before == "Why does the mobile app log me out?"


def test_post_edit_without_changes_keeps_no_revision(topic, customer):
    post_services.post_edit(
        actor=customer, post=topic.first_post, source=topic.first_post.source, title=topic.title
    )
    assert not PostRevision.objects.exists()


def test_post_edit_by_staff_allowed_by_others_refused(topic, customer, staff):
    post = PostFactory(topic=topic, author=customer)
    post_services.post_edit(actor=staff, post=post, source="Edited by staff")
    with pytest.raises(PermissionDenied):
        post_services.post_edit(actor=UserFactory(), post=post, source="Vandalism")
    with pytest.raises(ValidationError):
        post_services.post_edit(actor=customer, post=post, source="")
    post.refresh_from_db()
    assert post.source == "Edited by staff" and post.revisions.count() == 1


def test_post_mark_official_moves_status_records_events_and_signals(
    topic, staff, django_capture_on_commit_callbacks
):
    reply = post_services.post_create(author=staff, topic=topic, source="Update the app to 5.2.")
    marked = _capture(events.official_answer_changed, "p3")
    status = _capture(events.status_changed, "p4")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            post_services.post_mark_official(actor=staff, post=reply)
    finally:
        events.official_answer_changed.disconnect(dispatch_uid="p3")
        events.status_changed.disconnect(dispatch_uid="p4")
    topic.refresh_from_db()
    assert topic.official_answer == reply and topic.status == Topic.Status.ANSWERED
    assert topic.answered_at is not None
    assert list(TopicEvent.objects.values_list("kind", flat=True)) == ["official", "status"]
    assert marked[0]["marked"] is True and marked[0]["post"] == reply
    assert (status[0]["old_status"], status[0]["new_status"]) == ("open", "answered")


def test_post_unmark_official_moves_status_back_only_when_nothing_holds_it(topic, customer, staff):
    official = PostFactory(topic=topic, author=staff)
    accepted = PostFactory(topic=topic)
    post_services.post_mark_official(actor=staff, post=official)
    post_services.post_accept(actor=customer, post=accepted)
    first_answered = Topic.objects.get(pk=topic.pk).answered_at
    post_services.post_unmark_official(actor=staff, post=official)
    topic.refresh_from_db()
    assert topic.status == Topic.Status.ANSWERED and topic.official_answer is None
    post_services.post_unaccept(actor=customer, post=accepted)
    topic.refresh_from_db()
    assert topic.status == Topic.Status.OPEN and topic.accepted_answer is None
    assert topic.answered_at == first_answered


def test_answers_do_not_move_a_status_staff_set_by_hand(topic, customer, staff):
    topic_services.topic_set_status(actor=staff, topic=topic, status=Topic.Status.IN_PROGRESS)
    reply = PostFactory(topic=topic)
    post_services.post_accept(actor=customer, post=reply)
    topic.refresh_from_db()
    assert topic.status == Topic.Status.IN_PROGRESS and topic.accepted_answer == reply


def test_one_reply_can_be_official_and_accepted(topic, customer, staff):
    reply = post_services.post_create(author=staff, topic=topic, source="Here is how.")
    post_services.post_mark_official(actor=staff, post=reply)
    post_services.post_accept(actor=customer, post=reply)
    topic.refresh_from_db()
    assert topic.official_answer == reply == topic.accepted_answer


def test_marking_twice_is_idempotent(topic, staff):
    reply = PostFactory(topic=topic)
    post_services.post_mark_official(actor=staff, post=reply)
    post_services.post_mark_official(actor=staff, post=reply)
    assert TopicEvent.objects.filter(kind="official").count() == 1


def test_accept_and_official_refuse_the_wrong_people_and_the_question(topic, customer, staff):
    reply = PostFactory(topic=topic)
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        post_services.post_accept(actor=stranger, post=reply)
    with pytest.raises(PermissionDenied):
        post_services.post_mark_official(actor=customer, post=reply)
    with pytest.raises(PermissionDenied):
        post_services.post_mark_official(actor=staff, post=topic.first_post)
    with pytest.raises(PermissionDenied):
        post_services.post_accept(actor=customer, post=topic.first_post)
    post_services.post_accept(actor=staff, post=reply)  # on the asker's behalf
    with pytest.raises(PermissionDenied):
        post_services.post_unaccept(actor=stranger, post=reply)
    topic.refresh_from_db()
    assert topic.accepted_answer == reply and topic.official_answer is None


def test_post_rate_check_limits_customers_not_staff(settings, customer, staff):
    settings.FORUM_POST_RATE_LIMIT = "2/m"
    cache.clear()
    post_services.post_rate_check(user=customer)
    post_services.post_rate_check(user=customer)
    with pytest.raises(post_services.RateLimitExceeded, match="wait"):
        post_services.post_rate_check(user=customer)
    for _ in range(5):
        post_services.post_rate_check(user=staff)


def test_follow_and_unfollow_are_idempotent_with_exact_counter(topic):
    user = UserFactory()
    assert follows.topic_follow(user=user, topic=topic) is True
    assert follows.topic_follow(user=user, topic=topic) is False
    topic.refresh_from_db()
    assert topic.follower_count == 1
    assert follows.topic_unfollow(user=user, topic=topic) is True
    assert follows.topic_unfollow(user=user, topic=topic) is False
    topic.refresh_from_db()
    assert topic.follower_count == 0


def test_category_follow_is_idempotent_and_needs_sign_in(topic):
    from django.contrib.auth.models import AnonymousUser

    user = UserFactory()
    assert follows.category_follow(user=user, category=topic.category)
    assert not follows.category_follow(user=user, category=topic.category)
    assert follows.is_following_category(user, topic.category)
    assert follows.category_unfollow(user=user, category=topic.category)
    with pytest.raises(PermissionDenied):
        follows.category_follow(user=AnonymousUser(), category=topic.category)
