"""What a mail says: its text without the quoted conversation and signature, and what
happened to its attachments.

* The text part is preferred; an HTML-only mail becomes Markdown (html2text), and everything
  then goes through the site's one sanitiser (``forum.markup``) when the post is saved, like
  text typed on the site: scripts, event handlers and ``javascript:`` links never survive.
* Quoted replies ("On Monday, Ann wrote:", Outlook's "From: ... Sent: ..." block, ``>``
  lines) and signatures are cut with mail-parser-reply.
* Attachments are dropped. Images are checked like an avatar upload (``accounts.services.
  avatar_check``); posts on this site carry no uploaded images, so even an image that passes
  is dropped, and the log says which and why.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

import html2text
from mailparser_reply import EmailReplyParser

LANGUAGES = ["en", "de", "fr", "es", "it", "nl"]
_SIG_DASHES = re.compile(r"(?m)^-- ?$")
# What mobile and webmail clients add under every message; the parser keeps these as text.
_CLIENT_SIGNOFFS = re.compile(
    r"(?mi)^(sent from my \w[\w ]*|sent from (outlook|mail for windows|yahoo mail)\b.*|get outlook for \w+.*)$"
)
_RULE_LINE = re.compile(r"^\s*[_\-=*]{5,}\s*$")
_REPLY_PARSER = EmailReplyParser(languages=LANGUAGES)


@dataclass
class MailContent:
    text: str
    was_html: bool
    dropped: list[str] = field(default_factory=list)


def html_to_markdown(html: str) -> str:
    converter = html2text.HTML2Text()
    converter.body_width = 0  # no hard wrapping: Markdown paragraphs stay paragraphs
    converter.ignore_images = True  # remote images are trackers in mail; posts carry none
    converter.protect_links = True
    converter.unicode_snob = True
    return converter.handle(html)


def _part_text(part) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def body_text(msg: EmailMessage) -> tuple[str, bool]:
    """The best text body: text/plain if there is one, else the HTML turned into Markdown."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", False
    if part.get_content_type() == "text/html":
        return html_to_markdown(_part_text(part)), True
    return _part_text(part), False


def strip_reply(text: str) -> str:
    """The new text of a reply: quoted history and signature cut off."""
    text = text.replace("\r\n", "\n")
    latest = _REPLY_PARSER.parse_reply(text=text)
    latest = latest if latest is not None else text
    # The standard "-- " signature separator, whatever language the rest is in.
    for pattern in (_SIG_DASHES, _CLIENT_SIGNOFFS):
        match = pattern.search(latest)
        if match:
            latest = latest[: match.start()]
    lines = [line for line in latest.splitlines() if not line.startswith(">")]
    while lines and (not lines[-1].strip() or _RULE_LINE.match(lines[-1])):
        lines.pop()
    return "\n".join(lines).strip()


def attachments_dropped(msg: EmailMessage) -> list[str]:
    """A line per attachment saying why it is not kept."""
    from accounts.services import AvatarError, avatar_check

    notes = []
    for part in msg.iter_attachments():
        name = (part.get_filename() or part.get_content_type())[:60]
        if part.get_content_maintype() == "image":
            try:
                payload = part.get_payload(decode=True) or b""
                avatar_check(io.BytesIO(payload))
            except AvatarError as exc:
                notes.append(f"{name}: not a safe image ({exc})")
            else:
                notes.append(f"{name}: image passed the checks, but posts here carry no uploaded images")
        else:
            notes.append(f"{name}: attachments are not kept")
    return notes


def read_content(msg: EmailMessage, *, strip_quotes: bool) -> MailContent:
    text, was_html = body_text(msg)
    text = strip_reply(text) if strip_quotes else text.replace("\r\n", "\n").strip()
    return MailContent(text=text, was_html=was_html, dropped=attachments_dropped(msg))
