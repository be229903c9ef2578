"""Who may do what in the community: one function per rule.

Each ``check_<action>`` raises ``PermissionDenied`` with a message a person can read, or returns
``None`` when the action is allowed. Services call them before writing; views let the
exception become a 403 page (or a redirect to the login page for anonymous visitors, see
``forum.views``); templates ask the same question as a boolean through ``{% can %}``
(``forum/templatetags/forum_perms.py``), and Wagtail admin actions call them too.

Rules in brief:

* Anonymous visitors read, search and browse; they never write.
* Signed-in customers with a verified email ask, reply, edit their own posts, vote on other
  people's replies, say "me too" on other people's topics, follow, flag and accept a reply to
  their own question. Banned users do none of that.
* Staff reply officially (also on locked topics), mark the official answer, accept on the
  asker's behalf, set statuses, mark duplicates, lock, edit any post, nominate for the FAQ.
* Moderators (and Staff) handle flags, hide and unhide, ban and unban customers.
* Editors (and Staff) promote topics into FAQ articles.
* Hidden content is seen only by its author (marked hidden) and by moderators and staff.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from accounts import roles

if TYPE_CHECKING:
    from forum.models import Category, Post, Topic


# --- who the user is ------------------------------------------------------------------


def is_signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def has_verified_email(user) -> bool:
    """True when the user confirmed an email address (cached on the user object)."""
    if not is_signed_in(user):
        return False
    cached = getattr(user, "_verified_email_cache", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._verified_email_cache = cached
    return cached


def is_staff(user) -> bool:
    return roles.is_staff_member(user)


def is_moderator(user) -> bool:
    return roles.is_moderator(user)


def is_editor(user) -> bool:
    return roles.is_editor(user)


def suspension_message(user) -> str:
    """What a banned member is told wherever a write is refused: the moderator's reason too
    (the ban form promises the member sees it)."""
    reason = " ".join((getattr(user, "banned_reason", "") or "").split())
    message = "Your account has been suspended from posting."
    return f"{message} Reason: {reason}" if reason else message


def _require_participant(user) -> None:
    """Signed in, not banned, email verified: the bar for every write a customer makes."""
    if not is_signed_in(user):
        raise PermissionDenied("Sign in to take part.")
    if user.is_banned:
        raise PermissionDenied(suspension_message(user))
    if not has_verified_email(user):
        raise PermissionDenied("Confirm your email address before posting.")


# --- seeing -------------------------------------------------------------------------------


def check_view_topic(user, topic: Topic) -> None:
    if topic.is_hidden and not (is_moderator(user) or (is_signed_in(user) and topic.author_id == user.pk)):
        raise PermissionDenied("This topic has been hidden by a moderator.")


def check_view_post(user, post: Post) -> None:
    if post.is_hidden and not (is_moderator(user) or (is_signed_in(user) and post.author_id == user.pk)):
        raise PermissionDenied("This post has been hidden by a moderator.")


def check_view_hidden(user) -> None:
    """Hidden content is listed (marked) for moderators and staff only."""
    if not is_moderator(user):
        raise PermissionDenied("Only moderators and staff see hidden content.")


# --- asking, replying, editing --------------------------------------------------------


def check_ask(user) -> None:
    _require_participant(user)


def check_post_for_placeholder(actor, author) -> None:
    """Staff may post a question on behalf of a placeholder author (someone who wrote it
    elsewhere and has no account here); nobody may post on behalf of a real member."""
    _require_participant(actor)
    if not is_staff(actor):
        raise PermissionDenied("Only staff can post on someone else's behalf.")
    if not getattr(author, "is_placeholder", False):
        raise PermissionDenied("Questions can be posted on behalf of outside authors only, not members.")


def check_ask_by_email_placeholder(author) -> None:
    """Someone without an account may ask by mailing a support address: the question is asked
    by the placeholder tied to their address (no login) and waits hidden until staff publish
    it or the sender confirms the address (``inbound.services``). A banned one may not."""
    if not getattr(author, "is_placeholder", False) or not author.is_active:
        raise PermissionDenied("Only the placeholder of an email sender may ask this way.")
    if author.is_banned:
        raise PermissionDenied(suspension_message(author))


def check_reply(user, topic: Topic) -> None:
    _require_participant(user)
    check_view_topic(user, topic)
    if topic.duplicate_of_id:
        raise PermissionDenied("This topic is a duplicate: please reply on the original topic.")
    if topic.is_locked and not is_staff(user):
        raise PermissionDenied("This topic is locked: it takes no new replies.")


def check_edit_post(user, post: Post) -> None:
    if is_staff(user):
        return
    _require_participant(user)
    if post.author_id != user.pk:
        raise PermissionDenied("You can only edit your own posts.")
    check_view_post(user, post)
    if post.topic.is_locked:
        raise PermissionDenied("This topic is locked: its posts can no longer be edited.")


def check_view_revisions(user, post: Post) -> None:
    """Anyone who sees a post sees its edit history; for a hidden post (or one in a hidden
    topic) only staff and the author do: earlier versions are often why it was hidden."""
    check_view_post(user, post)
    if (post.is_hidden or post.topic.is_hidden) and not (
        is_staff(user) or (is_signed_in(user) and post.author_id == user.pk)
    ):
        raise PermissionDenied("The edit history of hidden content is kept for staff and its author.")


def check_redact_revision(user, post: Post) -> None:
    """Staff replace an earlier version's text with a note (a secret posted by mistake, say)."""
    if not is_staff(user):
        raise PermissionDenied("Only staff can redact the edit history.")


def check_view_redacted_original(user) -> None:
    """What a redaction removed stays readable to staff alone."""
    if not is_staff(user):
        raise PermissionDenied("Only staff can see redacted text.")


# --- answers and statuses -------------------------------------------------------------


def _require_reply(post: Post) -> None:
    if post.topic.first_post_id == post.pk:
        raise PermissionDenied("The question itself cannot be its own answer.")
    if post.is_hidden:
        raise PermissionDenied("A hidden post cannot be an answer.")


def check_mark_official(user, post: Post) -> None:
    if not is_staff(user):
        raise PermissionDenied("Only staff can mark the official answer.")
    _require_reply(post)


def check_accept(user, post: Post) -> None:
    """The asker accepts a reply to their own question; staff may do it on their behalf."""
    if not is_staff(user):
        _require_participant(user)
        if post.topic.author_id != user.pk:
            raise PermissionDenied("Only the person who asked (or staff) can accept an answer.")
    _require_reply(post)


def check_set_status(user, topic: Topic) -> None:
    if not is_staff(user):
        raise PermissionDenied("Only staff can change a topic's status.")


def check_mark_duplicate(user, topic: Topic) -> None:
    if not is_staff(user):
        raise PermissionDenied("Only staff can mark duplicates.")


def check_lock(user, topic: Topic) -> None:
    if not is_staff(user):
        raise PermissionDenied("Only staff can lock or unlock topics.")


def check_move(user, topic: Topic) -> None:
    if not is_staff(user):
        raise PermissionDenied("Only staff can move topics between categories.")


# --- reactions ------------------------------------------------------------------------


def check_metoo(user, topic: Topic) -> None:
    _require_participant(user)
    check_view_topic(user, topic)
    if topic.author_id == user.pk:
        raise PermissionDenied("It's your own topic: you have this question already.")


def check_vote(user, post: Post) -> None:
    _require_participant(user)
    check_view_post(user, post)
    if post.author_id == user.pk:
        raise PermissionDenied("You cannot vote on your own post.")
    if post.topic.first_post_id == post.pk:
        raise PermissionDenied("Votes are for replies; say \u201cme too\u201d on the question instead.")


def check_follow_topic(user, topic: Topic) -> None:
    if not is_signed_in(user):
        raise PermissionDenied("Sign in to follow topics.")
    check_view_topic(user, topic)


def check_follow_category(user, category: Category) -> None:
    if not is_signed_in(user):
        raise PermissionDenied("Sign in to follow categories.")


# --- moderation -----------------------------------------------------------------------


def check_flag(user, post: Post) -> None:
    _require_participant(user)
    check_view_post(user, post)
    if post.author_id == user.pk:
        raise PermissionDenied("You cannot flag your own post.")


def is_trusted_flagger(user) -> bool:
    """True when ``user``'s flags count toward hiding a post automatically.

    Moderators and staff always; members once their account is
    ``settings.FORUM_FLAG_TRUST_ACCOUNT_DAYS`` old, or once ``settings.FORUM_FLAG_TRUST_POSTS``
    of their posts have stayed up (visible, posted at least a day ago). A fresh account's flag
    still reaches the moderation queue; it just cannot hide anything on its own.
    """
    from django.conf import settings
    from django.utils import timezone

    if not is_signed_in(user):
        return False
    if is_moderator(user):
        return True
    now = timezone.now()
    if user.date_joined <= now - timedelta(days=settings.FORUM_FLAG_TRUST_ACCOUNT_DAYS):
        return True
    needed = settings.FORUM_FLAG_TRUST_POSTS
    if needed <= 0:
        return False
    from forum.models import Post

    stayed_up = Post.objects.visible().filter(author=user, created_at__lte=now - timedelta(days=1))
    return stayed_up[:needed].count() >= needed


def is_protected_from_auto_hide(post: Post) -> bool:
    """Flags never hide staff's or moderators' posts, official replies or a topic's official
    answer automatically; a moderator decides on those from the queue."""
    if post.is_official or post.topic.official_answer_id == post.pk:
        return True
    author = post.author
    return author is not None and (is_staff(author) or is_moderator(author))


def check_moderate(user) -> None:
    """See the moderation queue and act on flags."""
    if not is_moderator(user):
        raise PermissionDenied("Only moderators and staff can moderate.")


def check_hide(user, obj=None) -> None:
    if not is_moderator(user):
        raise PermissionDenied("Only moderators and staff can hide or unhide content.")


def check_ban(user, target) -> None:
    if not is_moderator(user):
        raise PermissionDenied("Only moderators and staff can ban members.")
    if target.pk == user.pk:
        raise PermissionDenied("You cannot ban yourself.")
    if target.is_superuser or is_staff(target) or is_moderator(target):
        raise PermissionDenied("Staff and moderators cannot be banned; remove their role first.")


# --- the FAQ --------------------------------------------------------------------------


def check_nominate_for_faq(user, topic: Topic) -> None:
    if not is_staff(user):
        raise PermissionDenied("Only staff can nominate topics for the FAQ.")


def check_promote(user, topic: Topic) -> None:
    if not roles.is_editor_or_staff(user):
        raise PermissionDenied("Only editors and staff can promote topics into the FAQ.")
    if topic.is_hidden:
        raise PermissionDenied("This topic is hidden by a moderator: it cannot be promoted into the FAQ.")
    if not topic.has_answer:
        raise PermissionDenied("Only topics with an official or accepted answer can be promoted.")


# --- booleans for templates and lists -------------------------------------------------


def allowed(check, *args) -> bool:
    """``check(*args)`` as a boolean: the same rule, for templates and conditional UI."""
    try:
        check(*args)
    except PermissionDenied:
        return False
    return True
