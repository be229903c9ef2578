"""What a topic title must be: one rule, used when asking (``forum.services.topics``), when the
asker edits the question (``forum.services.posts.post_edit``) and by the forms."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

TITLE_MIN_LENGTH = 10
TITLE_MAX_LENGTH = 200


def validate_title(title: str) -> str:
    """The title with runs of whitespace folded to one space, or ``ValidationError``: between
    ``TITLE_MIN_LENGTH`` and ``TITLE_MAX_LENGTH`` characters."""
    title = re.sub(r"\s+", " ", title or "").strip()
    if len(title) < TITLE_MIN_LENGTH:
        raise ValidationError(
            {
                "title": f"Make the title at least {TITLE_MIN_LENGTH} characters: say what you need in a sentence."
            }
        )
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            {"title": f"Keep the title under {TITLE_MAX_LENGTH} characters (this is {len(title)})."}
        )
    return title
