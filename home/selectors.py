"""What the home page lists. Each app contributes its own part; missing parts leave empty states."""

from django.http import HttpRequest


def home_sections(request: HttpRequest) -> dict:
    sections: dict = {
        "popular_articles": [],
        "recent_topics": [],
        "unanswered_topics": [],
        "categories": [],
    }
    try:
        from forum import selectors as forum_selectors
    except ImportError:  # pragma: no cover - the forum app is always installed
        forum_selectors = None
    if forum_selectors is not None and hasattr(forum_selectors, "home_sections"):
        sections.update(forum_selectors.home_sections(request.user))
    try:
        from kb import selectors as kb_selectors
    except ImportError:  # pragma: no cover
        kb_selectors = None
    if kb_selectors is not None and hasattr(kb_selectors, "home_sections"):
        sections.update(kb_selectors.home_sections(request.user))
    return sections
