"""The one road from user text to HTML.

Markdown (CommonMark through markdown-it-py, raw HTML off, linkify on) becomes HTML, which
bleach then cleans against the allowlist below and linkifies, in one pass: linkifying HTML
that was already cleaned would escape code blocks twice. Every write path (posts, imports,
promotion into FAQ rich text) calls this module; templates only ever mark its stored output
safe.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
from dataclasses import dataclass
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
        "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
        "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "img": ["src", "alt", "title"],
    "ol": ["start"],
    "td": ["align"],
    "th": ["align"],
    "code": ["class"],
}
ALLOWED_PROTOCOLS: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
MAX_SOURCE_LENGTH = 20000

# Characters that render as nothing but can hide a scheme ("java\u200bscript:") or reorder text.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)
_CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,30}$")


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "code" and name == "class":
        return bool(_CODE_CLASS.match(value))
    return name in ALLOWED_ATTRIBUTES.get(tag, [])


def _set_rel(attrs: dict, new: bool = False) -> dict:
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = LINK_REL
    return attrs


# bleach's Cleaner keeps per-document state in its html5lib parser, walker and serializer, so
# one shared instance mixes up documents rendered at once by two threads (a threaded or ASGI
# server): each thread gets its own Cleaner and Markdown parser, made on first use.
_per_thread = threading.local()


def _markdown() -> MarkdownIt:
    md = getattr(_per_thread, "markdown", None)
    if md is None:
        md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False}).enable(
            ["linkify", "table", "strikethrough"]
        )
        _per_thread.markdown = md
    return md


def _cleaner() -> bleach.Cleaner:
    cleaner = getattr(_per_thread, "cleaner", None)
    if cleaner is None:
        cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=_allow_attribute,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[
                partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"}, parse_email=False)
            ],
        )
        _per_thread.cleaner = cleaner
    return cleaner


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str


def clean_html(raw_html: str) -> str:
    """Clean HTML from elsewhere (an import, a paste) against the same allowlist."""
    return _cleaner().clean(_INVISIBLE.sub("", raw_html or ""))


_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|hr|li|ul|ol|h[1-6]|pre|blockquote|table|thead|tbody|tr|td|th)\b[^>]*>", re.IGNORECASE
)
_ANY_TAG = re.compile(r"<[^>]+>")


def html_to_text(clean: str) -> str:
    """Plain text of sanitised HTML, for search and for excerpts.

    Block elements become spaces; inline ones (``<strong>``, ``<a>``...) vanish without one, so
    "<strong>Billing</strong>, then" reads "Billing, then" and not "Billing , then".
    """
    text = _ANY_TAG.sub("", _BLOCK_TAG.sub(" ", clean))
    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


def render_markdown(source: str) -> Rendered:
    """Markdown source to stored HTML and plain text. Never raises on odd input."""
    source = _INVISIBLE.sub("", source or "")
    clean = clean_html(_markdown().render(source))
    return Rendered(html=clean, text=html_to_text(clean))


def render_html(raw_html: str) -> Rendered:
    """Foreign HTML (e.g. an imported Stack Exchange body) to stored HTML and plain text."""
    clean = clean_html(raw_html)
    return Rendered(html=clean, text=html_to_text(clean))
