"""What the site searches: FAQ articles, topics and categories, each as a list of ``Hit``.

Every source goes through the standard Wagtail search API only (``.filter()`` on
``filter_fields`` before ``.search()``, ``annotate_score``, ``facet``), so any configured backend
works. Visibility is decided here, before searching: live pages only (and none under a view
restriction), never a hidden topic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings

from forum import markup

#: Fields a topic hit needs (texts for snippets are fetched for the shown page only).
TOPIC_FIELDS = (
    "id",
    "title",
    "slug",
    "kind",
    "status",
    "category_id",
    "official_answer_id",
    "accepted_answer_id",
    "first_post_id",
    "reply_count",
    "last_activity_at",
)
#: Attributes of an FAQ article read (in order) for its snippet, when present.
FAQ_TEXT_ATTRIBUTES = ("summary", "question", "question_context", "answer", "body", "search_description")

TYPE_LABELS = {
    "faq": "FAQ article",
    "question": "Question",
    "problem": "Problem",
    "idea": "Idea",
    "praise": "Praise",
    "category": "Category",
}


@dataclass(eq=False)
class Hit:
    """One search result, whatever it is, with what the page and the JSON endpoint show."""

    type: str  # "faq", "topic" or "category"
    obj: Any
    title: str
    kind: str  # "faq", a topic kind, or "category"
    status: str = ""
    status_label: str = ""
    has_official_answer: bool = False
    has_accepted_answer: bool = False
    marker: str = ""
    marker_label: str = ""
    score: float | None = None
    rank: int = 0
    relevance: float = 0.0
    final_score: float = 0.0
    texts: list[str] = field(default_factory=list)
    snippet: str = ""
    title_html: str = ""
    category_name: str = ""
    #: The address; when not given, the object's own, worked out only if asked for (a search
    #: merges up to SEARCH_MERGE_DEPTH hits per source but shows one page of them).
    address: str | None = None

    @property
    def url(self) -> str:
        if self.address is None:
            if self.type == "faq":
                self.address = self.obj.url or ""
            else:
                self.address = self.obj.get_absolute_url()
        return self.address

    @property
    def answered(self) -> bool:
        return (
            self.type == "faq"
            or self.has_official_answer
            or self.has_accepted_answer
            or self.status == "solved"
        )

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.kind, self.kind.title())


def faq_model():
    """The FAQ article page model (``SEARCH_FAQ_MODEL``, default ``kb.FaqArticlePage``), or None
    while the knowledge base has no such model."""
    label = getattr(settings, "SEARCH_FAQ_MODEL", "kb.FaqArticlePage")
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def plain_text(value: Any) -> str:
    """Plain text of a string, rich text or stream value."""
    if value is None:
        return ""
    text = str(getattr(value, "source", None) or value)
    if "<" in text:
        # Blocks (paragraphs, list items, headings) become spaces so that a snippet never
        # reads "next invoice.Open Billing"; inline tags vanish without one.
        return markup.html_to_text(text)
    return " ".join(text.split())


def restricted_paths() -> list[str]:
    """Paths of pages with a view restriction (their whole subtree is private)."""
    from wagtail.models import PageViewRestriction

    return list(PageViewRestriction.objects.values_list("page__path", flat=True))


# --- hits ---------------------------------------------------------------------------------


def topic_marker(topic) -> tuple[str, str]:
    """(marker, label) for a topic: official answer, solved, answered, or open."""
    kind_word = topic.get_kind_display().lower()
    if topic.official_answer_id:
        return "official", "Official answer"
    if topic.accepted_answer_id or topic.status == "solved":
        return "solved", f"Solved {kind_word}"
    if topic.status == "answered":
        return "answered", "Answered"
    if topic.kind == "idea":
        return "idea", "Idea"
    if topic.kind == "praise":
        return "praise", "Praise"
    if topic.status in ("open", "in_progress"):
        return "open", f"Open {kind_word}"
    return topic.status, topic.get_status_display()


def topic_hit(topic, rank: int, category_names: dict[int, str] | None = None) -> Hit:
    marker, label = topic_marker(topic)
    return Hit(
        type="topic",
        obj=topic,
        title=topic.title,
        kind=topic.kind,
        status=topic.status,
        status_label=topic.get_status_display(),
        has_official_answer=bool(topic.official_answer_id),
        has_accepted_answer=bool(topic.accepted_answer_id),
        marker=marker,
        marker_label=label,
        score=getattr(topic, "_score", None),
        rank=rank,
        category_name=(category_names or {}).get(topic.category_id, ""),
    )


def faq_hit(page, rank: int, *, with_texts: bool = True) -> Hit:
    texts = (
        [plain_text(getattr(page, name, None)) for name in FAQ_TEXT_ATTRIBUTES if hasattr(page, name)]
        if with_texts
        else []
    )
    return Hit(
        type="faq",
        obj=page,
        title=page.title,
        kind="faq",
        status="published",
        status_label="FAQ",
        marker="faq",
        marker_label="FAQ article",
        score=getattr(page, "_score", None),
        rank=rank,
        texts=[t for t in texts if t],
    )


def category_hit(category, rank: int) -> Hit:
    return Hit(
        type="category",
        obj=category,
        title=category.name,
        kind="category",
        marker="category",
        marker_label="Category",
        score=getattr(category, "_score", None),
        rank=rank,
        texts=[category.description] if category.description else [],
    )
