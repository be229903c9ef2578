"""Visibility, written once: who sees hidden topics and hidden posts, as queryset filters.

The rules (the same as ``forum.permissions.check_view_topic`` / ``check_view_post``):

* hidden topics are *listed* for moderators and staff only; a hidden topic's own author may
  still open it and be told about it (``include_own=True``);
* hidden posts are shown to moderators and staff and to their own author, to nobody else.

Every other module reads visible content through these (``Topic.objects.visible(user)``,
``Post.objects.visible(user)``) or through ``forum.selectors``; ``tests/test_architecture.py``
fails when a hand-written ``is_hidden`` filter appears anywhere else.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from wagtail.search.queryset import SearchableQuerySetMixin

from accounts import roles


def sees_hidden(user) -> bool:
    """Whether hidden topics and posts are listed for ``user`` (moderators and staff)."""
    return user is not None and roles.is_moderator(user)


def _is_person(user) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False)) and user.pk is not None


def topic_visible_q(user=None, *, prefix: str = "", include_own: bool = False) -> Q:
    """A filter for topics ``user`` may see (``user=None``: anyone, i.e. not hidden).

    ``prefix`` applies it through a relation (``"topic__"``); ``include_own`` lets a hidden
    topic through for its own author (opening it, notifications about it) rather than listing.
    """
    if sees_hidden(user):
        return Q()
    q = Q(**{f"{prefix}is_hidden": False})
    if include_own and _is_person(user):
        q |= Q(**{f"{prefix}author": user})
    return q


def post_visible_q(user=None, *, prefix: str = "", with_topic: bool = False) -> Q:
    """A filter for posts ``user`` may see: not hidden, or their own (``user=None``: not hidden).

    ``with_topic`` also requires the post's topic to be listed (``topic_visible_q``), for lists
    of posts outside their topic page (profiles, search).
    """
    if sees_hidden(user):
        return Q()
    q = Q(**{f"{prefix}is_hidden": False})
    if _is_person(user):
        q |= Q(**{f"{prefix}author": user})
    if with_topic:
        q &= topic_visible_q(user, prefix=f"{prefix}topic__")
    return q


class SearchableQuerySet(SearchableQuerySetMixin, models.QuerySet):
    pass


class TopicQuerySet(SearchableQuerySet):
    def visible(self, user=None, *, include_own: bool = False) -> TopicQuerySet:
        """Topics ``user`` may see listed; ``user=None`` means the public (not hidden)."""
        return self.filter(topic_visible_q(user, include_own=include_own))

    def hidden(self) -> TopicQuerySet:
        """Only hidden topics (moderation lists)."""
        return self.filter(is_hidden=True)


class PostQuerySet(models.QuerySet):
    def visible(self, user=None, *, with_topic: bool = False) -> PostQuerySet:
        """Posts ``user`` may see; ``user=None`` means the public (not hidden)."""
        return self.filter(post_visible_q(user, with_topic=with_topic))

    def hidden(self) -> PostQuerySet:
        """Only hidden posts (moderation lists, "your hidden replies")."""
        return self.filter(is_hidden=True)
