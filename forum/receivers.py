"""The forum's answers to what other apps announce (connected in ``ForumConfig.ready``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import transaction
from django.dispatch import receiver

from accounts.signals import profile_context, user_deleting
from forum import events, selectors
from forum.services.members import member_content_release
from forum.tasks import refresh_popularity_task

PROFILE_POSTS_PER_PAGE = 15


@receiver(user_deleting, dispatch_uid="forum.member_content_release")
def on_user_deleting(sender, user, **kwargs) -> None:
    member_content_release(user=user)


@receiver(profile_context, dispatch_uid="forum.member_profile")
def on_profile_context(sender, request, member, **kwargs) -> dict:
    """The profile page's forum part: public posts (paginated) and their counts."""
    page = Paginator(selectors.member_posts(member=member), PROFILE_POSTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return {"stats": selectors.member_stats(member=member), "page_obj": page, "posts": page.object_list}


@receiver(events.reply_created, dispatch_uid="forum.popularity.reply")
@receiver(events.official_answer_changed, dispatch_uid="forum.popularity.official")
@receiver(events.accepted_answer_changed, dispatch_uid="forum.popularity.accepted")
def on_topic_activity(sender, topic=None, **kwargs) -> None:
    """A reply or an answer changes a topic's popularity: refresh that one score after commit."""
    if topic is None:
        return
    topic_id = topic.pk

    transaction.on_commit(lambda: refresh_popularity_task.enqueue(topic_ids=[topic_id]))
