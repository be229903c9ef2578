"""What the accounts app tells the rest of the site. accounts owns the user model and knows
nothing of the apps built on it: they listen here and look after their own rows.

``user_deleting``
    Sent by ``accounts.services.account_delete`` inside its transaction, just before the user
    row is deleted. kwargs: ``user``. Each receiver removes (or detaches) its own rows about the
    user and moves back the counters those rows moved, so that a new counter in another app
    never depends on accounts knowing about it. A receiver that raises aborts the deletion.

``profile_context``
    Sent by the public profile view. kwargs: ``request``, ``member``. Each receiver returns a
    dict that is merged into the page's template context (the forum adds the member's public
    posts and their counts).
"""

from django.dispatch import Signal

user_deleting = Signal()
profile_context = Signal()
