"""Every write the FAQ makes, one keyword-only function each.

* ``topic_promote_to_faq``: a community topic becomes a DRAFT FAQ article in one step.
* ``topic_nominate_for_faq``: staff flag a topic for the editors' candidates report.
* ``article_published``: what publishing a promoted article does to its topic.
* ``article_vote_helpful`` / ``article_comment_helpful``: "Was this helpful?".
* ``article_record_view``: view counting.

User text reaches rich text only through ``forum.markup`` (the one sanitiser) and then Wagtail's
own rich text converter restricted to the field's feature list (``post_to_rich_text``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.text import Truncator

from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.log_actions import log as log_action

from bs4 import BeautifulSoup

from accounts.clientip import client_network
from accounts.models import User
from core import ratelimit
from forum import markup, permissions
from forum.models import Post, Topic, TopicEvent
from forum.services import status as status_rules
from forum.services import views as view_counting
from kb.models import (
    ANSWER_FEATURES,
    CONTEXT_FEATURES,
    SUMMARY_MAX_LENGTH,
    FaqArticlePage,
    FaqSectionPage,
    HelpfulVote,
)

COMMENT_MAX_LENGTH = 500
# "Was this helpful?" votes one visitor (user, session or address) may cast in the window.
HELPFUL_RATE_LIMIT = 20
HELPFUL_RATE_WINDOW = 600
FAQ_VIEWS = "faq"  # the kind FAQ article views are counted as (forum.services.views)


#: Too many requests from one visitor; the message is for people.
RateLimited = ratelimit.RateLimited


# --- rich text --------------------------------------------------------------------------------

_HEADING_MAP = {"h1": "h2", "h5": "h4", "h6": "h4"}


def _prepare_for_rich_text(clean_html: str) -> str:
    """Bring sanitised community HTML into shapes Wagtail's rich text has features for.

    Headings shift into h2-h4, images that are not in Wagtail's library become links to the
    picture (an external ``<img>`` has no rich text form), tables become one paragraph per row,
    each ``<pre>`` keeps its text only with its line breaks (code blocks are plain text), and
    paragraphs inside quotes and list items become line breaks (Draftail blocks do not nest).
    """
    soup = BeautifulSoup(clean_html, "html.parser")
    for tag in soup.find_all(list(_HEADING_MAP)):
        tag.name = _HEADING_MAP[tag.name]
    for img in soup.find_all("img"):
        src = str(img.get("src") or "")
        link = soup.new_tag("a", href=src)
        link.string = str(img.get("alt") or "(image)")
        img.replace_with(link)
    for table in soup.find_all("table"):
        paragraphs = []
        for row in table.find_all("tr"):
            cells = [cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])]
            paragraph = soup.new_tag("p")
            paragraph.string = " | ".join(cells)
            paragraphs.append(paragraph)
        for paragraph in reversed(paragraphs):
            table.insert_after(paragraph)
        table.decompose()
    for pre in soup.find_all("pre"):
        lines = pre.get_text().rstrip("\n").split("\n")
        pre.clear()
        for number, line in enumerate(lines):
            if number:
                pre.append(soup.new_tag("br"))
            pre.append(line)
    # Draftail blocks do not nest: paragraphs inside quotes and list items become line breaks.
    for container in soup.find_all(["blockquote", "li"]):
        paragraphs = container.find_all("p", recursive=False)
        for number, paragraph in enumerate(paragraphs):
            if number:
                paragraph.insert_before(soup.new_tag("br"))
            paragraph.unwrap()
    return str(soup)


def html_to_rich_text(clean_html: str, *, features: list[str]) -> str:
    """Sanitised HTML to Wagtail's rich text storage format, keeping only ``features``.

    The HTML is cleaned again by ``forum.markup`` (defence in depth: the one allowlist), then
    parsed by Wagtail's HTML-to-contentstate handler for exactly these features and written
    back out by the contentstate exporter, the road the Draftail editor's own saves take, so
    what an editor opens is what the editor would have saved.
    """
    cleaned = markup.clean_html(clean_html)
    converter = ContentstateConverter(features=features)
    contentstate = converter.from_database_format(_prepare_for_rich_text(cleaned))
    return converter.to_database_format(contentstate)


def post_to_rich_text(post: Post, *, features: list[str]) -> str:
    """A post's Markdown, through the one sanitiser, into rich text with ``features``."""
    return html_to_rich_text(markup.render_markdown(post.source).html, features=features)


_BLOCK_TAGS = ["p", "li", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br"]


def _plain_text(clean_html: str) -> str:
    """Readable plain text of sanitised HTML: spaces between blocks, none inside a line."""
    soup = BeautifulSoup(clean_html, "html.parser")
    for block in soup.find_all(_BLOCK_TAGS):
        block.insert_after(" ")
    return re.sub(r"\s+", " ", soup.get_text()).strip()


def _summary_from_text(text: str) -> str:
    """The first sentences of ``text`` that fit a summary, cut at a word boundary."""
    text = re.sub(r"\s+", " ", text or "").strip()
    limit = SUMMARY_MAX_LENGTH - 20
    if len(text) <= limit:
        return text or "See the answer below."
    sentences = re.split(r"(?<=[.!?])\s+", text)
    summary = ""
    for sentence in sentences:
        if len(summary) + len(sentence) + 1 > limit:
            break
        summary = f"{summary} {sentence}".strip()
    return summary or Truncator(text).chars(limit)


# --- promotion --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    article: FaqArticlePage
    created: bool


def _answer_post(topic: Topic) -> Post:
    """The official answer, else the accepted answer; hidden posts never become FAQ text."""
    for post in (topic.official_answer, topic.accepted_answer):
        if post is not None and not post.is_hidden:
            return post
    raise PermissionDenied("The topic's answer is hidden: mark a visible answer first.")


def suggested_section(topic: Topic) -> FaqSectionPage | None:
    """The section tied to the topic's category, if there is one."""
    return FaqSectionPage.objects.filter(category_id=topic.category_id).order_by("path").first()


def topic_promote_to_faq(*, actor, topic: Topic, section: FaqSectionPage) -> Promotion:
    """Create a DRAFT FAQ article from ``topic`` in ``section``, or return the existing one.

    Rules: editors and staff only (``forum.permissions.check_promote``), the topic needs an
    official or accepted answer, and the actor must be allowed to add pages to the section.
    The title becomes the question, the question body the context, the official answer (else
    the accepted answer) the answer, all through the sanitiser into the fields' features. The
    topic records the article (``Topic.faq_page``). Nothing is public yet: the timeline entry and
    the asker's notice wait for the article's first publication (``article_published``).
    Promoting a topic twice returns the first article.
    """
    permissions.check_promote(actor, topic)
    if not section.permissions_for_user(actor).can_add_subpage():
        raise PermissionDenied("You cannot add articles to this FAQ section.")
    with transaction.atomic():
        topic = (
            Topic.objects.select_for_update(of=("self",))
            .select_related("first_post", "official_answer", "accepted_answer")
            .get(pk=topic.pk)
        )
        if topic.faq_page_id:
            existing = FaqArticlePage.objects.filter(pk=topic.faq_page_id).first()
            if existing is not None:
                return Promotion(article=existing, created=False)
        answer_post = _answer_post(topic)
        answer = post_to_rich_text(answer_post, features=ANSWER_FEATURES)
        context = post_to_rich_text(topic.first_post, features=CONTEXT_FEATURES) if topic.first_post else ""
        article = FaqArticlePage(
            title=topic.title[:255],
            summary=_summary_from_text(_plain_text(markup.render_markdown(answer_post.source).html)),
            question_context=context,
            answer=answer,
            source_topic=topic,
            source_answer=answer_post,
            live=False,
            has_unpublished_changes=True,
            owner=actor,
        )
        tag_names = list(topic.tags.names())
        if tag_names:
            article.tags.add(*tag_names)
        section.add_child(instance=article)
        article.save_revision(user=actor, log_action=False)
        log_action(instance=article, action="wagtail.create", user=actor)
        topic.faq_page = article
        topic.nominated_for_faq = False
        topic.save(update_fields=["faq_page", "nominated_for_faq"])
    return Promotion(article=article, created=True)


def topic_nominate_for_faq(*, actor, topic: Topic, nominate: bool = True) -> Topic:
    """Staff mark (or unmark) a topic as a candidate for the FAQ; the timeline records it."""
    permissions.check_nominate_for_faq(actor, topic)
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.faq_page_id and nominate:
            raise ValidationError("This topic is already in the FAQ.")
        if topic.nominated_for_faq == nominate:
            return topic
        topic.nominated_for_faq = nominate
        topic.nominated_by = actor if nominate else None
        topic.save(update_fields=["nominated_for_faq", "nominated_by"])
        if nominate:
            TopicEvent.objects.create(topic=topic, actor=actor, kind=TopicEvent.Kind.NOMINATED)
    return topic


def article_published(*, article: FaqArticlePage, actor=None) -> None:
    """Publishing an article promoted from a topic answers that topic in public.

    ``actor`` is whoever published (the reviewer who approved, not the draft's author). The
    topic points at the article (its banner says "This is answered in our FAQ"); on the first
    publication its timeline says it is in the FAQ and the asker is told (the notice links to
    the live article). Its status becomes solved, unless staff chose its status by hand: the
    forum's status rules (``forum.services.status.topic_mark_solved_by_faq``) decide and record
    it.
    """
    if not article.source_topic_id:
        return
    status_rules.topic_mark_solved_by_faq(
        topic_id=article.source_topic_id, faq_page_id=article.pk, actor=actor, page=article
    )


# --- "Was this helpful?" --------------------------------------------------------------------


@dataclass(frozen=True)
class Visitor:
    """Who is voting: a signed-in user, else a session key; ``address`` feeds the rate limit."""

    user: User | None
    session_key: str
    address: str

    @property
    def key(self) -> str:
        if self.user is not None:
            return f"u{self.user.pk}"
        return "s" + hashlib.sha256(self.session_key.encode()).hexdigest()[:32]


def visitor_from_request(request: HttpRequest, *, create_session: bool = False) -> Visitor:
    """The visitor behind a request; anonymous visitors get a session when ``create_session``."""
    user = request.user if isinstance(request.user, User) and permissions.is_signed_in(request.user) else None
    session_key = ""
    if user is None and hasattr(request, "session"):
        if request.session.session_key is None and create_session:
            request.session.save()
        session_key = request.session.session_key or ""
    address = client_network(request)
    return Visitor(user=user, session_key=session_key, address=address)


def _check_rate(visitor: Visitor) -> None:
    """At most ``HELPFUL_RATE_LIMIT`` votes and comments per visitor per window, and five
    times that per client address (a household or office shares one)."""
    message = "You have sent a lot of feedback in a short time. Please try again later."
    for who, limit in ((visitor.key, HELPFUL_RATE_LIMIT), (f"ip:{visitor.address}", HELPFUL_RATE_LIMIT * 5)):
        ratelimit.hit(
            scope="helpful",
            who=who,
            rate=ratelimit.Rate(limit=limit, period=HELPFUL_RATE_WINDOW),
            message=message,
            add_wait=False,
        )


def _clean_comment(comment: str | None) -> str:
    comment = markup.html_to_text(markup.clean_html(comment or ""))
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            f"Keep the comment under {COMMENT_MAX_LENGTH} characters (it has {len(comment)})."
        )
    return comment


def _votes_for(visitor: Visitor, article: FaqArticlePage):
    votes = HelpfulVote.objects.filter(article=article)
    if visitor.user is not None:
        return votes.filter(user=visitor.user)
    if not visitor.session_key:
        return votes.none()
    return votes.filter(user__isnull=True, session_key=visitor.session_key)


@dataclass(frozen=True)
class VoteResult:
    vote: HelpfulVote
    created: bool


def article_vote_helpful(
    *, article: FaqArticlePage, visitor: Visitor, helpful: bool, comment: str = ""
) -> VoteResult:
    """Record one visitor's "Was this helpful?" answer; a second vote changes nothing.

    One vote per article per visitor (signed-in by user, anonymous by session, enforced by
    unique constraints), rate-limited per visitor and per address. The article's counters move
    with ``F()`` updates in the same transaction. A comment is kept only on "no".
    """
    if not article.live:
        raise ValidationError("This article is not published.")
    if visitor.user is None and not visitor.session_key:
        raise ValidationError("Your browser did not keep a session: enable cookies to vote.")
    comment = _clean_comment(comment) if not helpful else ""
    existing = _votes_for(visitor, article).first()
    if existing is not None:
        return VoteResult(vote=existing, created=False)
    _check_rate(visitor)
    try:
        with transaction.atomic():
            vote = HelpfulVote.objects.create(
                article=article,
                user=visitor.user,
                session_key="" if visitor.user is not None else visitor.session_key,
                helpful=helpful,
                comment=comment,
            )
            counter = "helpful_yes_count" if helpful else "helpful_no_count"
            FaqArticlePage.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    except IntegrityError:  # a concurrent request from the same visitor won
        return VoteResult(vote=_votes_for(visitor, article).get(), created=False)
    return VoteResult(vote=vote, created=True)


def article_comment_helpful(*, article: FaqArticlePage, visitor: Visitor, comment: str) -> HelpfulVote:
    """Add the optional "what was missing?" comment to the visitor's own "no" vote (once)."""
    comment = _clean_comment(comment)
    if not comment:
        raise ValidationError("Write a few words, or just close this box.")
    vote = _votes_for(visitor, article).first()
    if vote is None:
        raise ValidationError("Tell us whether the article helped first.")
    if vote.helpful:
        raise ValidationError("Comments are for articles that did not help.")
    if vote.comment:
        raise ValidationError("You already sent a comment on this article. Thank you!")
    _check_rate(visitor)
    HelpfulVote.objects.filter(pk=vote.pk, comment="").update(comment=comment)
    vote.comment = comment
    return vote


def article_record_view(*, request: HttpRequest, article: FaqArticlePage) -> bool:
    """Count a view once per visitor per article per window, buffered in the cache like topic
    views (``forum.services.views``: no database write per view, no session created)."""
    return view_counting.record_view(request=request, kind=FAQ_VIEWS, item_id=article.pk)


def write_article_views(article_id: int, count: int) -> None:
    """Add ``count`` flushed views to an article (the writer of the ``"faq"`` view counter)."""
    FaqArticlePage.objects.filter(pk=article_id).update(view_count=F("view_count") + count)
