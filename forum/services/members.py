"""The forum's side of a member leaving: their rows go, the counters those rows moved go back.

Rules:

* The member's topics and posts stay, shown as from "a deleted user" (the author foreign keys
  are ``SET_NULL``); their votes, "me too"s and follows are deleted; their open flags are
  deleted with the account (``Flag.reporter`` cascades).
* Every counter those rows moved moves back, with ``F()`` updates: each post's and topic's
  ``vote_count``, each topic's ``metoo_count`` and ``follower_count``, each post's
  ``flag_count`` for the open flags.

Called by ``forum.receivers`` when ``accounts.signals.user_deleting`` is sent, inside the
deletion's transaction, so a counter added to the forum is looked after here, in the forum.
"""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from forum.models import Flag, Follow, MeToo, Post, Topic, Vote


def member_content_release(*, user) -> None:
    """Delete ``user``'s votes, "me too"s and follows and move back the counters they moved
    (and those of the user's open flags, which the account's deletion removes)."""
    Post.objects.filter(votes__user=user).update(vote_count=F("vote_count") - 1)
    votes_per_topic = (
        Vote.objects.filter(user=user, post__topic=OuterRef("pk"))
        .values("post__topic")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Topic.objects.filter(pk__in=Vote.objects.filter(user=user).values("post__topic")).update(
        vote_count=F("vote_count") - Coalesce(Subquery(votes_per_topic), 0)
    )
    Topic.objects.filter(metoos__user=user).update(metoo_count=F("metoo_count") - 1)
    Topic.objects.filter(follows__user=user, follower_count__gt=0).update(
        follower_count=F("follower_count") - 1
    )
    open_flags = Flag.objects.filter(reporter=user, state=Flag.State.OPEN)
    Post.objects.filter(flags__in=open_flags, flag_count__gt=0).update(flag_count=F("flag_count") - 1)
    Vote.objects.filter(user=user).delete()
    MeToo.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()
