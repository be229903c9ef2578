"""Signals the forum sends after a change has committed, and the one helper that sends them.

Other parts (notifications, search indexing, FAQ links, the page cache) listen to these instead
of the forum calling them, so the forum does not depend on them. Every signal is sent with
``sender`` set to the model class and keyword arguments as documented; receivers must not
assume the request.

Services send them with ``send_after_commit`` only. It

* makes stale, at once, the cached pages the change shows on (``forum.cache.expire_for``), so
  the writer's own next read is fresh even inside a transaction; and
* sends every event of the transaction after it commits, in the order they were queued, then
  ``committed`` once with the whole list (so a listener that does one thing per transaction,
  like queueing one index update, can). Nothing is sent when the transaction rolls back.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.dispatch import Signal

# topic, actor
topic_created = Signal()
# post, topic, actor (a new reply; not sent for the question itself)
reply_created = Signal()
# post, topic, actor, mentioned (set of usernames found as @username in the post)
post_mentions = Signal()
# post, topic, actor, is_question (bool), title_changed (bool)
post_edited = Signal()
# topic, post, actor, marked (True when marked, False when unmarked)
official_answer_changed = Signal()
accepted_answer_changed = Signal()
# topic, actor, old_status, new_status
status_changed = Signal()
# topic, actor, original (the topic it duplicates, or duplicated until now), marked (bool)
duplicate_changed = Signal()
# topic, actor, locked (bool)
topic_locked = Signal()
# topic, actor, old_category, new_category
topic_moved = Signal()
# post, topic, actor (None when flags hid it), hidden (bool); not sent for the question: its
# topic's topic_visibility_changed is
post_visibility_changed = Signal()
# topic, actor, hidden (bool)
topic_visibility_changed = Signal()
# post, topic (flags raised or resolved: the counts moderators see)
flags_changed = Signal()
# topic, actor, on (bool): a "me too" said or taken back
metoo_changed = Signal()
# post, topic, actor, on (bool): a vote given or taken back
vote_changed = Signal()
# topic, actor, on (bool): a member followed or unfollowed the topic
follow_changed = Signal()
# topic, actor, page (the FAQ article page)
topic_promoted = Signal()
# events: list of (signal, kwargs) sent by one transaction, in order; sent once after them
committed = Signal()

# Sent while a page is served (not a change, nothing to commit):
# topic, user, request: a signed-in member opened the topic's page
topic_opened = Signal()

_BATCH_ATTR = "forum_events_batch"


class _Batch:
    """The events one transaction queued; its ``flush`` is the transaction's on-commit hook."""

    def __init__(self) -> None:
        self.events: list[tuple[Signal, dict]] = []

    def flush(self) -> None:
        events, self.events = self.events, []
        for signal, kwargs in events:
            signal.send(**kwargs)
        if events:
            committed.send(sender=None, events=events)


def _open_batch(using: str) -> _Batch | None:
    """The batch queued in this very block (same savepoints) and still waiting for commit."""
    connection = connections[using]
    current = set(connection.savepoint_ids)
    for sids, func, *_ in connection.run_on_commit:
        batch = getattr(func, _BATCH_ATTR, None)
        if batch is not None and set(sids) == current:
            return batch
    return None


def send_after_commit(signal: Signal, *, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Send ``signal`` with ``kwargs`` once the current transaction commits (see the module)."""
    from forum import cache

    cache.expire_for(signal, kwargs)
    connection = connections[using]
    if not connection.in_atomic_block:
        batch = _Batch()
        batch.events.append((signal, kwargs))
        batch.flush()
        return
    batch = _open_batch(using)
    if batch is None:
        batch = _Batch()

        def flush() -> None:
            batch.flush()

        setattr(flush, _BATCH_ATTR, batch)
        transaction.on_commit(flush, using=using)
    batch.events.append((signal, kwargs))
