"""What the home page lists. Each app contributes its own part; missing parts leave empty states."""

from django.http import HttpRequest

from forum import selectors as forum_selectors
from kb import selectors as kb_selectors


def home_sections(request: HttpRequest) -> dict:
    sections: dict = {
        "popular_articles": [],
        "recent_topics": [],
        "unanswered_topics": [],
        "categories": [],
    }
    sections.update(forum_selectors.home_sections(request.user))
    sections.update(kb_selectors.home_sections(request.user))
    return sections
