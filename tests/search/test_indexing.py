"""One road to the search index (search/indexing.py): a write queues ONE index task for the
topics it changed, after commit, through the task queue; nothing writes the index inside the
transaction, and saves alone do not write it."""

import pytest
from django_tasks.signals import task_enqueued

from forum.models import Topic
from forum.services import posts as post_services
from forum.services import reactions
from forum.services import topics as topic_services
from search.backends import whoosh
from tests.factories import (
    CategoryFactory,
    PostFactory,
    TopicFactory,
    UserFactory,
    moderator_user,
    staff_user,
)


@pytest.fixture
def index_writes(monkeypatch, db):
    """Every write to the whoosh index, as the list of topic ids each one added or deleted."""
    writes = []
    original = whoosh.SearchBackend.write

    def counting(self, operations):
        writes.append([getattr(obj, "pk", obj) for _, model, objs in operations for obj in objs])
        return original(self, operations)

    monkeypatch.setattr(whoosh.SearchBackend, "write", counting)
    return writes


INDEX_TASKS = {"index_documents", "delete_documents", "insert_or_update_object_task"}


@pytest.fixture
def enqueued():
    """The index tasks queued (other tasks, such as mail, are not counted)."""
    tasks = []

    def receiver(sender, task_result, **kwargs):
        if task_result.task.name in INDEX_TASKS:
            tasks.append(task_result.task.name)

    task_enqueued.connect(receiver, dispatch_uid="test-indexing-enqueued")
    yield tasks
    task_enqueued.disconnect(dispatch_uid="test-indexing-enqueued")


@pytest.mark.django_db
def test_a_new_question_is_indexed_once_after_commit_through_the_task_queue(
    customer, index_writes, enqueued, django_capture_on_commit_callbacks
):
    category = CategoryFactory()
    index_writes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        topic = topic_services.topic_create(
            author=customer,
            title="Calendar sync duplicates every event",
            source="Each event shows twice after the sync.",
            category=category,
            tags="calendar, sync",
        )
        assert index_writes == []  # nothing inside the transaction
    assert enqueued.count("index_documents") == 1
    assert [w for w in index_writes if topic.pk in w] == [[topic.pk]]
    assert [t.pk for t in Topic.objects.search("calendar")] == [topic.pk]
    assert [t.pk for t in Topic.objects.search("sync")] == [topic.pk]  # with its tags


@pytest.mark.django_db
def test_saving_a_topic_alone_does_not_write_the_index(index_writes, enqueued):
    topic = TopicFactory(title="Printer offline after the update")
    index_writes.clear()
    enqueued.clear()
    topic.title = "Printer offline after the spring update"
    topic.save()
    assert index_writes == [] and enqueued == []


@pytest.mark.django_db
def test_an_answer_with_a_status_change_is_one_index_task(
    staff, index_writes, enqueued, django_capture_on_commit_callbacks
):
    topic = TopicFactory()
    reply = PostFactory(topic=topic, author=staff, source="Use the export button.")
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_services.post_mark_official(actor=staff, post=reply)  # official + status events
    assert enqueued == ["index_documents"]


@pytest.mark.django_db
def test_replies_votes_and_metoo_do_not_touch_the_index(
    customer, index_writes, enqueued, django_capture_on_commit_callbacks
):
    topic = TopicFactory()
    reply = PostFactory(topic=topic)
    voter = UserFactory(username="voter")
    enqueued.clear()
    index_writes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_services.post_create(author=customer, topic=topic, source="Same here on version 3.")
        reactions.topic_toggle_metoo(user=voter, topic=topic)
        reactions.post_toggle_vote(user=voter, post=reply)
    assert "index_documents" not in enqueued and index_writes == []


@pytest.mark.django_db
def test_hiding_moving_and_retitling_reindex_the_topic(index_writes, django_capture_on_commit_callbacks):
    from forum.services import moderation

    moderator, staff = moderator_user(username="mod"), staff_user(username="staffer")
    topic = TopicFactory(title="Camera upload stalls on wifi")
    other_category = CategoryFactory(name="Mobile")
    with django_capture_on_commit_callbacks(execute=True):
        post_services.post_edit(
            actor=staff,
            post=topic.first_post,
            source="Uploads stall at 90%.",
            title="Camera upload stalls at ninety",
        )
    assert [t.pk for t in Topic.objects.search("ninety")] == [topic.pk]
    with django_capture_on_commit_callbacks(execute=True):
        topic_services.topic_move(actor=staff, topic=topic, category=other_category)
    assert [t.pk for t in Topic.objects.filter(category_id=other_category.pk).search("camera")] == [topic.pk]
    with django_capture_on_commit_callbacks(execute=True):
        moderation.topic_hide(user=moderator, topic=topic, reason="Spam")
    assert list(Topic.objects.filter(is_hidden=False).search("camera")) == []


@pytest.mark.django_db
def test_a_deleted_topic_leaves_the_index(django_capture_on_commit_callbacks):
    topic = TopicFactory(title="Keyboard shortcuts stopped working")
    assert [t.pk for t in Topic.objects.search("keyboard")] == [topic.pk]
    with django_capture_on_commit_callbacks(execute=True):
        Topic.objects.filter(pk=topic.pk).delete()
    assert list(Topic.objects.search("keyboard")) == []
