"""Signals the forum sends after a change has committed (from ``transaction.on_commit``).

Other parts (notifications, search indexing, FAQ links) listen to these instead of the forum
calling them, so the forum does not depend on them. Every signal is sent with ``sender`` set to
the model class and keyword arguments as documented; receivers must not assume the request.
"""

from django.dispatch import Signal

# topic, actor
topic_created = Signal()
# post, topic, actor (a new reply; not sent for the question itself)
reply_created = Signal()
# post, topic, actor, mentioned (set of usernames found as @username in the post)
post_mentions = Signal()
# topic, post, actor, marked (True when marked, False when unmarked)
official_answer_changed = Signal()
accepted_answer_changed = Signal()
# topic, actor, old_status, new_status
status_changed = Signal()
# topic, actor, page (the FAQ article page)
topic_promoted = Signal()
# topic, actor, hidden (True when the topic was hidden, False when shown again)
topic_visibility_changed = Signal()
