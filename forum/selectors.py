"""Reads of the community that encode visibility. Views, feeds and the home page list topics and
posts only through these, so hidden content never leaks through a list someone forgot to filter.

Visibility rules (from ``forum.permissions``):

* hidden topics are listed for moderators and staff only (marked hidden in the templates);
* hidden posts are shown to moderators and staff (marked) and to their own author (marked),
  to nobody else;
* every query here has a fixed cost: a topic page costs the same number of queries with 2
  replies or 2,000 (authors joined, events joined, counts read from denormalised columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet

from core.prepared import prepared
from forum import cache as page_cache
from forum import permissions
from forum.models import Category, Post, Topic, TopicEvent
from forum.querysets import sees_hidden

SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "activity": ("Latest activity", ("-last_activity_at", "-id")),
    "newest": ("Newest", ("-created_at", "-id")),
    "metoo": ("Most \u201cme too\u201d", ("-metoo_count", "-last_activity_at", "-id")),
    "votes": ("Most votes", ("-vote_count", "-last_activity_at", "-id")),
}
DEFAULT_SORT = "activity"


# --- topics -------------------------------------------------------------------------------


def visible_topics(user) -> QuerySet[Topic]:
    """Topics ``user`` may see listed: hidden ones only for moderators and staff."""
    return Topic.objects.visible(user)


#: Statuses of a topic still waiting for an answer; answered, solved, duplicate, closed and
#: not-planned topics are settled.
WAITING_STATUSES = ("open", "in_progress")


def unanswered_q() -> Q:
    """Waiting for an answer: no staff reply, no official or accepted answer, not locked, and
    a status that is not settled (a solved, locked announcement is not waiting for anyone)."""
    return Q(
        has_staff_reply=False,
        accepted_answer__isnull=True,
        official_answer__isnull=True,
        is_locked=False,
        status__in=WAITING_STATUSES,
    )


@dataclass
class TopicFilters:
    """Cleaned list filters; anything unknown has already been dropped (see ``forum.forms``)."""

    kind: str = ""
    status: str = ""
    category: Category | None = None
    unanswered: bool = False
    tag: str = ""
    sort: str = DEFAULT_SORT
    ignored: list[str] = field(default_factory=list)


def topic_list(user, filters: TopicFilters | None = None) -> QuerySet[Topic]:
    """The topic list for ``user`` with ``filters`` applied, category and author joined; a
    page of it goes through ``with_tags`` before it is shown (a fixed number of queries per
    page)."""
    keys, values = _list_arguments(user, filters or TopicFilters())
    return _listed_topics.build(*keys, *values)


def topic_list_page(user, filters: TopicFilters | None, page_number: Any, per_page: int) -> Page:
    """A page of ``topic_list(user, filters)``, as ``paginate`` gives it: a missing, odd or
    out-of-range page number gives a real page. Its count and its rows are prepared queries
    (``core.prepared``), compiled once per form of list (who is looking, the sort, which filters
    apply), so a list page that is not in the page cache does not build its SQL again."""
    keys, values = _list_arguments(user, filters or TopicFilters())
    rows = cast(Any, _PreparedList(_listed_topics, (*keys, *values)))  # count() and slices suffice
    return Paginator(rows, per_page).get_page(page_number)


def _list_arguments(user, filters: TopicFilters) -> tuple[tuple, list]:
    """The keys that give a topic list its form, and the values its SQL takes."""
    present: list[str] = []
    values: list[Any] = []
    for name in ("kind", "status", "tag"):
        value = getattr(filters, name)
        if value:
            present.append(name)
            values.append(value)
    if filters.category is not None:
        present.append("category")
        values.append(filters.category.pk)
    sort = filters.sort if filters.sort in SORTS else DEFAULT_SORT
    keys = (sees_hidden(user), sort, bool(filters.unanswered), tuple(present))
    return keys, values


@prepared(keys=4)
def _listed_topics(everything: bool, sort: str, unanswered: bool, present: tuple[str, ...], *values):
    topics = Topic.objects.all() if everything else Topic.objects.visible(None)
    filters = dict(zip(present, values, strict=True))
    if "kind" in filters:
        topics = topics.filter(kind=filters["kind"])
    if "status" in filters:
        topics = topics.filter(status=filters["status"])
    if "category" in filters:
        topics = topics.filter(category_id=filters["category"])
    if unanswered:
        topics = topics.filter(unanswered_q())
    if "tag" in filters:
        topics = topics.filter(tags__slug=filters["tag"])
    return topics.select_related("category", "author").order_by(*SORTS[sort][1])


class _PreparedList:
    """What ``Paginator`` asks of its list, a count and a slice, answered by a prepared query's
    ``count`` and ``window``."""

    ordered = True

    def __init__(self, query, args: tuple):
        self.query, self.args = query, args

    def count(self) -> int:
        return self.query.count(*self.args)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        start = index.start or 0
        stop = self.count() if index.stop is None else index.stop
        return self.query.window(*self.args, offset=start, limit=max(0, stop - start))


def with_tags(topics) -> list[Topic]:
    """``topics`` as a list, each with its tags loaded in one query for them all: what
    ``topic.tags.all()`` then returns without a query (a read-only result, like a prefetched
    one), in the order the tags were added (the order the topic page shows). Plain rows and one
    ``Tag`` per tag: a fraction of the cost of ``prefetch_related("tags")``, whose generic
    machinery took longer than the rest of a topic-list page's queries together."""
    import copy

    from django.db import router

    from taggit.models import Tag

    topics = list(topics)
    by_topic: dict[int, list] = {topic.pk: [] for topic in topics}
    if by_topic:
        rows = _tag_rows(list(by_topic))
        alias = router.db_for_read(Tag)
        tags: dict[int, Tag] = {}
        for topic_id, tag_id, name, slug in rows:
            tag = tags.get(tag_id)
            if tag is None:
                tag = tags[tag_id] = Tag.from_db(alias, ["id", "name", "slug"], (tag_id, name, slug))
            by_topic[topic_id].append(tag)
    empty = Tag.objects.none()
    for topic in topics:
        loaded = copy.copy(empty)
        loaded._result_cache = by_topic[topic.pk]
        loaded._prefetch_done = True
        cache = getattr(topic, "_prefetched_objects_cache", None) or {}
        topic._prefetched_objects_cache = {**cache, "tags": loaded}
    return topics


@prepared
def _tag_rows(topic_ids: list[int]):
    from forum.models import TaggedTopic

    return (
        TaggedTopic.objects.filter(content_object_id__in=topic_ids)
        .order_by("id")
        .values_list("content_object_id", "tag_id", "tag__name", "tag__slug")
    )


def paginate(queryset, page_number: Any, per_page: int) -> Page:
    """A page of ``queryset``; a missing, odd or out-of-range page number gives a real page."""
    return Paginator(queryset, per_page).get_page(page_number)


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("order", "name")


def category_list() -> list[Category]:
    """``categories()`` as a list, its SQL compiled once per process (``core.prepared``)."""
    return _categories_in_order()


@prepared
def _categories_in_order():
    return categories()


def tag_exists(slug: str) -> bool:
    """Whether some topic has been tagged ``slug`` (tags are created with their first topic)."""
    from taggit.models import Tag

    return Tag.objects.filter(slug=slug).exists()


def category_by_slug(slug: str) -> Category | None:
    found = _category_with_slug(slug)  # slugs are unique
    return found[0] if found else None


@prepared
def _category_with_slug(slug: str):
    return Category.objects.filter(slug=slug)


def topic_for_page(pk: int) -> Topic | None:
    """One topic with what its page header needs joined (the question and its author, the
    category, the original of a duplicate, the FAQ article). The official and accepted answers
    are not joined: the page loads them with the replies' authors (``topic_page``). Looked up by
    primary key without ``first()``'s ORDER BY: building this query's SQL costs more than
    running it."""
    found = _topic_with_header(pk)
    return found[0] if found else None


@prepared
def _topic_with_header(pk: int):
    return Topic.objects.select_related(
        "category", "author", "first_post", "first_post__author", "duplicate_of", "faq_page"
    ).filter(pk=pk)


def topic_for_page_cached(pk: int) -> Topic | None:
    """``topic_for_page`` with its tags, kept until the content changes (``forum.cache``): for
    reading pages only; a view that writes loads the topic afresh."""

    def load() -> Topic | None:
        topic = topic_for_page(pk)
        if topic is not None:
            with_tags([topic])
        return topic

    return page_cache.content_object("topic", (pk,), load, scopes=(page_cache.topic_scope(pk),))


# --- posts --------------------------------------------------------------------------------


def visible_replies(user, topic: Topic) -> QuerySet[Post]:
    """Replies of ``topic`` (not the question) that ``user`` may see, oldest first."""
    replies = Post.objects.filter(topic=topic)
    if topic.first_post_id:
        replies = replies.exclude(pk=topic.first_post_id)
    if not permissions.is_moderator(user):
        if permissions.is_signed_in(user):
            replies = replies.filter(Q(is_hidden=False) | Q(author=user))
        else:
            replies = replies.filter(is_hidden=False)
    return replies.order_by("created_at", "id")


def reply_page_number(user, post: Post) -> int:
    """The page of the topic on which ``post`` appears for ``user`` (1 for the question)."""
    topic = post.topic
    if post.pk == topic.first_post_id:
        return 1
    before = (
        visible_replies(user, topic)
        .filter(Q(created_at__lt=post.created_at) | Q(created_at=post.created_at, id__lt=post.pk))
        .count()
    )
    return before // settings.FORUM_POSTS_PER_PAGE + 1


def _attach(posts: list[Post], topic: Topic) -> None:
    """Set the already-loaded topic on each post so permission checks cost no query."""
    for post in posts:
        post.topic = topic


@dataclass
class TopicPage:
    topic: Topic
    question: Post | None
    answers: list[dict]  # [{"post": Post, "official": bool, "accepted": bool, "accepted_by": User | None}]
    page: Page
    posts: list[Post]
    events: list[TopicEvent]
    duplicates: list[Topic]
    extra: dict = field(default_factory=dict)


def topic_page(user, topic: Topic, page_number: Any = 1) -> TopicPage:
    """Everything the topic page shows to ``user``, built one way for every visitor.

    The parts that do not depend on who is looking come from the cache (``forum.cache``, the
    topic's scope): every reply's id, hidden flag and author in order, the official and
    accepted answers, the timeline and the topics marked as duplicates of this one, hidden
    ones included and marked. Then one visibility filter for ``user`` (``_Viewer``) keeps what
    they may see: the answers first (one card when one reply is both), one page of the replies
    they may see, in order (their posts read from the cache per page), the timeline and the
    duplicates. After the cache is warm, no query reads the topic's data.
    """
    scopes = (page_cache.topic_scope(topic.pk),)
    parts = page_cache.content_object("topic-parts", (topic.pk,), lambda: _topic_parts(topic), scopes=scopes)
    viewer = _Viewer(user)
    visible = [pk for pk, hidden, author_id in parts["replies"] if viewer.sees_post(hidden, author_id)]
    page = Paginator(visible, settings.FORUM_POSTS_PER_PAGE).get_page(page_number)
    pks = tuple(page.object_list)

    def load() -> list[Post]:
        by_pk = {post.pk: post for post in _posts_with_authors(list(pks))}
        return [by_pk[pk] for pk in pks if pk in by_pk]

    posts = page_cache.content_object("topic-posts", (topic.pk, pks), load, scopes=scopes) if pks else []
    page.object_list = posts
    answers = [a for a in parts["answers"] if viewer.sees_post(a["post"].is_hidden, a["post"].author_id)]
    duplicates = [d for d in parts["duplicates"] if viewer.sees_listed_topic(d)]
    return _assemble(topic, page, posts, answers, parts["events"], duplicates)


class _Viewer:
    """The one visibility filter of the topic page: what ``user`` may see of cached parts
    (the rules of ``forum.permissions``: hidden posts for moderators and their own author,
    hidden topics listed for moderators only)."""

    def __init__(self, user):
        self.moderator = permissions.is_moderator(user)
        self.pk = user.pk if permissions.is_signed_in(user) else None

    def sees_post(self, is_hidden: bool, author_id: int | None) -> bool:
        return not is_hidden or self.moderator or (self.pk is not None and author_id == self.pk)

    def sees_listed_topic(self, topic: Topic) -> bool:
        return not topic.is_hidden or self.moderator


@prepared
def _posts_with_authors(pks: list[int]):
    return Post.objects.filter(pk__in=pks).select_related("author")


@prepared
def _reply_rows(topic_id: int, question_id: int):
    """Every reply of the topic in order, as (id, hidden, author id); ``question_id`` 0 when the
    topic has no question post."""
    return (
        Post.objects.filter(topic_id=topic_id)
        .exclude(pk=question_id)
        .order_by("created_at", "id")
        .values_list("pk", "is_hidden", "author_id")
    )


@prepared
def _duplicates_of(topic_id: int):
    return Topic.objects.filter(duplicate_of_id=topic_id).order_by("created_at", "id")


def _topic_parts(topic: Topic) -> dict[str, Any]:
    """The visitor-independent parts of a topic page, hidden content included (marked)."""
    answer_ids = list(dict.fromkeys(pk for pk in (topic.official_answer_id, topic.accepted_answer_id) if pk))
    answer_posts = {post.pk: post for post in _posts_with_authors(answer_ids)} if answer_ids else {}
    events = _topic_events(topic)
    accepted_by = accepted_on_behalf_by(topic, events)
    return {
        "replies": _reply_rows(topic.pk, topic.first_post_id or 0),
        "answers": [
            {
                "post": answer_posts[pk],
                "official": pk == topic.official_answer_id,
                "accepted": pk == topic.accepted_answer_id,
                "accepted_by": accepted_by if pk == topic.accepted_answer_id else None,
            }
            for pk in answer_ids
            if pk in answer_posts
        ],
        "events": events,
        "duplicates": _duplicates_of(topic.pk),
    }


def _assemble(
    topic: Topic, page: Page, posts: list[Post], answers: list[dict], events, duplicates
) -> TopicPage:
    """The page's parts, each post pointing at the already-loaded ``topic``."""
    question = topic.first_post
    _attach([question] if question else [], topic)
    _attach(posts, topic)
    _attach([a["post"] for a in answers], topic)
    return TopicPage(
        topic=topic,
        question=question,
        answers=answers,
        page=page,
        posts=posts,
        events=events,
        duplicates=duplicates,
    )


def accepted_on_behalf_by(topic: Topic, events: list[TopicEvent]):
    """Who accepted the topic's accepted answer when it was not the asker (staff may accept
    for the asker), else None: the actor of the latest "accepted" entry of the timeline."""
    if not topic.accepted_answer_id:
        return None
    for event in reversed(events):
        if event.kind == TopicEvent.Kind.ACCEPTED:
            if event.actor_id and event.actor_id != topic.author_id:
                return event.actor
            return None
    return None


def _topic_events(topic: Topic) -> list[TopicEvent]:
    return _events_of(topic.pk)


@prepared
def _events_of(topic_id: int):
    return (
        TopicEvent.objects.filter(topic_id=topic_id)
        .select_related("actor", "other_topic")
        .order_by("created_at", "id")
    )


def post_revisions(post: Post) -> QuerySet:
    return post.revisions.select_related("editor").order_by("-created_at", "-id")


# --- the home page ------------------------------------------------------------------------


def home_sections(user, *, limit: int = 6) -> dict[str, list]:
    """Recent topics, unanswered topics and the categories, for the home page (three queries)."""
    topics = visible_topics(user).select_related("category")
    return {
        "recent_topics": list(topics.order_by("-last_activity_at", "-id")[:limit]),
        "unanswered_topics": list(topics.filter(unanswered_q()).order_by("-created_at", "-id")[:limit]),
        "categories": list(categories()),
    }


# --- reactions and moderation -------------------------------------------------------------


def user_reaction_state(user, topic: Topic, posts) -> dict[str, Any]:
    """What ``user`` already did on this topic page: ``metoo`` and ``following`` (bools),
    ``voted_post_ids`` and ``flagged_post_ids`` (sets of ids among ``posts``). One query whatever
    the number of posts; none for anonymous visitors.

    Plain SQL on purpose: the four lookups are one ``UNION ALL`` of indexed reads, and building
    them as four ORM querysets cost more time than running them on a signed-in topic page."""
    from django.db import connections, router

    from forum.models import Flag, Follow, MeToo, Vote

    state: dict[str, Any] = {
        "metoo": False,
        "following": False,
        "voted_post_ids": set(),
        "flagged_post_ids": set(),
    }
    if not permissions.is_signed_in(user):
        return state
    ids = sorted({post.pk for post in posts if post is not None and post.pk is not None})
    connection = connections[router.db_for_read(Vote)]
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    metoo, follow = quote(MeToo._meta.db_table), quote(Follow._meta.db_table)
    vote, flag = quote(Vote._meta.db_table), quote(Flag._meta.db_table)
    # Table and column names come from the models; every value is a parameter.
    parts = [
        f"SELECT 'm', 0 FROM {metoo} WHERE {column(MeToo, 'user')} = %s AND {column(MeToo, 'topic')} = %s",  # noqa: S608
        f"SELECT 'f', 0 FROM {follow} WHERE {column(Follow, 'user')} = %s AND {column(Follow, 'topic')} = %s",  # noqa: S608
    ]
    params: list[Any] = [user.pk, topic.pk, user.pk, topic.pk]
    if ids:
        marks = ", ".join(["%s"] * len(ids))
        vote_post, flag_post = column(Vote, "post"), column(Flag, "post")
        voter, reporter = column(Vote, "user"), column(Flag, "reporter")
        parts.append(f"SELECT 'v', {vote_post} FROM {vote} WHERE {voter} = %s AND {vote_post} IN ({marks})")  # noqa: S608
        flagged = f"SELECT 'r', {flag_post} FROM {flag} WHERE {reporter} = %s AND {flag_post} IN ({marks})"  # noqa: S608
        parts.append(flagged)
        params += [user.pk, *ids, user.pk, *ids]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    for kind, pk in rows:
        if kind == "m":
            state["metoo"] = True
        elif kind == "f":
            state["following"] = True
        elif kind == "v":
            state["voted_post_ids"].add(pk)
        else:
            state["flagged_post_ids"].add(pk)
    return state


def _waiting_for_moderator() -> Q:
    """Posts a moderator must decide on: open flags, or hidden by flags and not yet reviewed.
    The second part keeps a post hidden by flags in the queue even when the accounts that
    flagged it were deleted since (their flags went with them)."""
    from forum.services.moderation import AUTO_HIDE_REASON

    return Q(flag_count__gt=0) | Q(is_hidden=True, hidden_by__isnull=True, hidden_reason=AUTO_HIDE_REASON)


def moderation_queue() -> QuerySet[Post]:
    """Posts waiting for a moderator (``_waiting_for_moderator``), the longest-waiting first (by
    their oldest open flag, else when they were hidden), each with ``open_flags`` (its open
    flags, oldest first, reporters joined) and ``first_flagged_at``. Hidden posts and topics
    are included: moderators see everything. Fixed query count."""
    from django.db.models import Min, Prefetch
    from django.db.models.functions import Coalesce

    from forum.models import Flag

    open_flags = (
        Flag.objects.filter(state=Flag.State.OPEN).select_related("reporter").order_by("created_at", "id")
    )
    return (
        Post.objects.filter(_waiting_for_moderator())
        .annotate(
            first_flagged_at=Coalesce(
                Min("flags__created_at", filter=Q(flags__state=Flag.State.OPEN)), "hidden_at", "created_at"
            )
        )
        .select_related("author", "topic", "topic__category")
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flags"))
        .order_by("first_flagged_at", "id")
    )


def open_flag_total() -> int:
    """How many posts wait in the moderation queue (for menu badges)."""
    return Post.objects.filter(_waiting_for_moderator()).count()


# --- members -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberStats:
    questions: int
    replies: int
    accepted: int
    official: int


def member_stats(*, member) -> MemberStats:
    """Counts of ``member``'s public questions, replies, and replies that are accepted or
    official answers, in two queries. Only public content counts, whoever is looking."""
    topic_counts = Topic.objects.visible().filter(author=member).aggregate(questions=Count("pk"))
    post_counts = (
        Post.objects.visible(with_topic=True)
        .filter(author=member)
        .exclude(topic__first_post=F("pk"))
        .aggregate(
            replies=Count("pk"),
            accepted=Count("pk", filter=Q(topic__accepted_answer=F("pk"))),
            official=Count("pk", filter=Q(topic__official_answer=F("pk"))),
        )
    )
    return MemberStats(
        questions=topic_counts["questions"],
        replies=post_counts["replies"],
        accepted=post_counts["accepted"],
        official=post_counts["official"],
    )


def member_posts(*, member) -> QuerySet[Post]:
    """``member``'s public posts (questions and replies) in public topics, newest first."""
    return (
        Post.objects.visible(with_topic=True)
        .filter(author=member)
        .select_related("topic", "topic__category")
        .order_by("-created_at", "-id")
    )
