"""The API's shapes (pydantic, through django-ninja): what goes out and what comes in."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator

from forum.models import Topic

Kind = Literal["question", "problem", "idea", "praise"]
Status = Literal["open", "in_progress", "answered", "solved", "not_planned", "duplicate", "closed"]
assert set(Kind.__args__) == set(Topic.Kind.values) and set(Status.__args__) == set(Topic.Status.values)  # noqa: S101


class AuthorOut(Schema):
    username: str | None
    name: str
    url: str | None


class CategoryRef(Schema):
    id: int
    slug: str
    name: str


class CategoryOut(CategoryRef):
    description: str
    topic_count: int
    url: str


class TopicSummaryOut(Schema):
    id: int
    title: str
    kind: Kind
    status: Status
    category: CategoryRef
    author: AuthorOut
    tags: list[str]
    reply_count: int
    vote_count: int
    metoo_count: int
    view_count: int
    has_official_answer: bool
    has_accepted_answer: bool
    is_locked: bool
    created_at: datetime
    last_activity_at: datetime
    url: str


class TopicListOut(Schema):
    items: list[TopicSummaryOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page; null on the last.")


class PostOut(Schema):
    id: int
    author: AuthorOut
    html: str = Field(description="Sanitised HTML, as the site shows it.")
    text: str
    is_official: bool
    vote_count: int
    created_at: datetime
    edited_at: datetime | None
    url: str


class RepliesOut(Schema):
    items: list[PostOut]
    page: int
    pages: int
    count: int


class TopicOut(TopicSummaryOut):
    question: PostOut | None
    official_answer: PostOut | None
    accepted_answer: PostOut | None
    duplicate_of: int | None
    replies: RepliesOut


class FaqSectionOut(Schema):
    id: int
    title: str
    slug: str
    description: str
    article_count: int
    url: str


class FaqArticleSummaryOut(Schema):
    id: int
    title: str
    summary: str
    section_id: int | None
    updated_at: datetime | None
    url: str


class FaqArticleListOut(Schema):
    items: list[FaqArticleSummaryOut]
    page: int
    pages: int
    count: int


class FaqArticleOut(FaqArticleSummaryOut):
    question_html: str
    answer_html: str
    tags: list[str]
    helpful_yes_count: int
    helpful_no_count: int


class SearchHitOut(Schema):
    type: Literal["faq", "topic", "category"]
    title: str
    url: str
    kind: str
    status: str
    has_official_answer: bool
    has_accepted_answer: bool
    marker: str
    snippet_html: str = Field(description="An excerpt with the matched words in <mark>; escaped.")


class SearchOut(Schema):
    query: str
    total: int
    page: int
    pages: int
    corrected_from: str
    suggestion: str | None
    results: list[SearchHitOut]


class SimilarHitOut(Schema):
    title: str
    url: str
    type: str
    kind: str
    status: str
    answered: bool
    marker: str


class SimilarOut(Schema):
    query: str
    results: list[SimilarHitOut]


# --- writes -------------------------------------------------------------------------------


SLUG = r"^[-a-zA-Z0-9_]+$"


def refuse_nul(value):
    """Text with NUL characters is refused (no database stores them as text)."""
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, str) and "\x00" in v for v in values):
        raise ValueError("Text may not contain NUL characters.")
    return value


class AskIn(Schema):
    title: str = Field(max_length=1000)
    body: str = Field(max_length=100_000, description="Markdown.")
    category: str = Field(max_length=80, pattern=SLUG, description="The category's slug.")
    kind: Kind = "question"
    tags: list[str] = Field(default_factory=list, max_length=20)

    _no_nul = field_validator("title", "body", "tags")(refuse_nul)


class ReplyIn(Schema):
    body: str = Field(max_length=100_000, description="Markdown.")

    _no_nul = field_validator("body")(refuse_nul)


class StatusIn(Schema):
    status: Status


class StateOut(Schema):
    active: bool = Field(description="Whether the me-too, vote, follow or mark is now in place.")
    count: int | None = None


# --- the product-page widget and pushed mentions -------------------------------------------


class WidgetQuestionOut(Schema):
    id: int
    title: str
    url: str
    reply_count: int
    vote_count: int
    has_official_answer: bool
    has_accepted_answer: bool


class WidgetArticleOut(Schema):
    id: int
    title: str
    summary: str
    url: str


class WidgetMentionOut(Schema):
    id: int
    title: str
    excerpt: str = Field(description="Plain text, at most 280 characters.")
    url: str = Field(description="The post that wrote it, elsewhere.")
    author_name: str
    author_url: str
    source: str = Field(description="Where it was written (the source's name, or who pushed it).")
    published_at: datetime | None


class WidgetOut(Schema):
    category: CategoryRef | None
    tags: list[str]
    questions: list[WidgetQuestionOut]
    articles: list[WidgetArticleOut]
    mentions: list[WidgetMentionOut]
    ask_url: str = Field(description="The ask form, with the category filled in.")
    search_url: str
    community_url: str


class MentionIn(Schema):
    url: str = Field(max_length=2000, pattern=r"^https?://[^\s/]+\S*$", description="Where it was written.")
    title: str = Field("", max_length=300)
    text: str = Field(
        "", max_length=60_000, description="HTML or plain text; sanitised with the community's allowlist."
    )
    author_name: str = Field("", max_length=200)
    author_url: str = Field("", max_length=2000, pattern=r"^(https?://[^\s/]+\S*)?$")
    published_at: datetime | None = None
    source: str = Field(
        min_length=1,
        max_length=80,
        description="The tool or site it came from, e.g. \u201cSocial inbox\u201d.",
    )
    category: str | None = Field(
        None, max_length=80, pattern=SLUG, description="The product's category slug."
    )

    _no_nul = field_validator("url", "title", "text", "author_name", "author_url", "source")(refuse_nul)


class MentionOut(Schema):
    id: int
    url: str
    title: str
    kind: Literal["question", "problem", "praise", "idea", "other"]
    sentiment: Literal["negative", "neutral", "positive"]
    language: str
    status: Literal["new", "needs_reply", "replied", "brought_home", "dismissed"]
    category: str | None = Field(description="The category's slug.")
    repost_of: int | None = Field(description="The earlier mention this one repeats, if it is a repost.")
    created: bool = Field(description="False when the address was already known: nothing was added.")
