"""``pipeline.receive`` at work: read the mail, decide, act, and log what happened and why.

The order matters:

1. **Once per Message-ID.** The log row is written first, in the same transaction as
   everything the mail causes; a second copy (the mailbox fetched twice, a webhook retried)
   meets the unique Message-ID and is a ``duplicate`` that posts nothing. A mail without a
   Message-ID is keyed by a digest of its bytes.
2. **Size**, before anything is parsed beyond the headers.
3. **Malformed MIME** is refused, never raised.
4. **Robots and loops** (auto-replies, bounces, lists, our own mail) are ignored quietly.
5. **Authentication** (``inbound.checks``): unauthenticated mail is refused without a reply,
   so a forged From never makes us mail a third party (no backscatter).
6. **Rate limit** per sender address.
7. **Route**: a reply address posts a reply, a support address asks a question; the sender
   hears back either way (``inbound.services``).
"""

from __future__ import annotations

import hashlib
import logging
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser

from django.conf import settings
from django.db import IntegrityError, transaction

from core import ratelimit
from inbound import checks, services, tokens
from inbound.content import read_content
from inbound.models import InboundMessage
from inbound.routing import recipients, support_addresses

logger = logging.getLogger("inbound")

SOURCES = {"pipe", "imap", "webhook", "test"}
FATAL_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.MissingHeaderBodySeparatorDefect,
    email_errors.FirstHeaderLineIsContinuationDefect,
    email_errors.InvalidMultipartContentTransferEncodingDefect,
)


class _Done(Exception):
    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _header(msg: EmailMessage, name: str) -> str:
    try:
        return " ".join(str(msg.get(name, "") or "").split())
    except Exception:  # noqa: BLE001 - a damaged header is read as absent
        return ""


def _message_id(msg: EmailMessage | None, raw: bytes) -> str:
    value = _header(msg, "Message-ID") if msg is not None else ""
    value = value.strip()[:255]
    return value or "sha256:" + hashlib.sha256(raw).hexdigest()


def _defects(msg: EmailMessage) -> list[str]:
    found: list[str] = []
    for part in msg.walk():
        found.extend(type(d).__name__ for d in part.defects if isinstance(d, FATAL_DEFECTS))
    return found


def process(raw: bytes, *, source: str, size: int | None = None) -> tuple[str, str, InboundMessage | None]:
    """``(status, reason, log row)``; ``pipeline.receive`` makes it an ``Outcome``. ``size``: the
    whole message's size when ``raw`` is less of it (the IMAP poller hands over only the header
    of a message over the limit)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    raw = bytes(raw or b"")
    size = len(raw) if size is None else max(size, len(raw))
    too_big = size > settings.INBOUND_EMAIL_MAX_BYTES
    try:
        if too_big:  # the headers only: the rest is never parsed
            msg = BytesHeaderParser(policy=policy.default).parsebytes(raw[:65536])
        else:
            msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception:  # noqa: BLE001 - the parser should not raise, but bad mail must never escape
        msg = None
    message_id = _message_id(msg, raw)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = InboundMessage.objects.create(
                    message_id=message_id, source=source, size=size, status=InboundMessage.Status.REFUSED
                )
        except IntegrityError:
            existing = InboundMessage.objects.filter(message_id=message_id).first()
            return "duplicate", f"already received ({message_id[:80]})", existing
        try:
            _decide(record, msg, raw, too_big=too_big, size=size)
        except _Done as done:
            record.status, record.reason = done.status, done.reason[:255]
        record.save()
    logger.info("inbound %s %s: %s (%s)", source, record.status, record.reason, message_id[:80])
    return record.status, record.reason, record


def _decide(
    record: InboundMessage, msg: EmailMessage | None, raw: bytes, *, too_big: bool, size: int
) -> None:
    """Fill the log row; end by raising ``_Done`` with the status and the reason."""
    if msg is None:
        raise _Done("refused", "malformed message: it could not be read")
    sender = checks.address_of(_header(msg, "From"))
    record.sender = sender[:320]
    record.subject = _header(msg, "Subject")[:255]
    addressed = recipients(msg)
    record.recipient = ", ".join(addressed)[:320]
    if too_big:
        raise _Done(
            "refused", f"too large: {size:,} bytes (the limit is {settings.INBOUND_EMAIL_MAX_BYTES:,})"
        )
    defects = _defects(msg)
    if defects:
        raise _Done("refused", f"malformed message ({', '.join(sorted(set(defects)))})")
    if not sender or "@" not in sender:
        raise _Done("refused", "malformed message: no sender address in From")
    automatic = checks.automatic_reason(msg, sender)
    if automatic:
        raise _Done("ignored", automatic)
    if checks.is_from_us(sender):
        raise _Done("ignored", "our own mail came back (loop prevented)")
    verdict = checks.authenticate(msg, raw, sender)
    record.auth_results = verdict.summary[:500]
    if not verdict.passed:
        raise _Done("refused", f"sender not authenticated: {verdict.summary}"[:255])
    try:
        ratelimit.hit(
            scope="inbound", who=f"mail:{sender}", rate=settings.INBOUND_SENDER_RATE_LIMIT, add_wait=False
        )
    except ratelimit.RateLimited:
        raise _Done("refused", "too many messages from this address (rate limit)") from None
    token, support_slug = None, None
    supports = support_addresses()
    for address in addressed:
        token = tokens.token_from_address(address)
        if token:
            break
        if address in supports:
            support_slug = supports[address]
            break
    if not token and not support_slug:
        raise _Done("refused", "not addressed to a reply address or a support address")
    try:
        content = read_content(msg, strip_quotes=True)
    except Exception as exc:  # noqa: BLE001 - undecodable parts are bad mail, not our error
        raise _Done(
            "refused", f"malformed message: its text could not be read ({type(exc).__name__})"
        ) from None
    record.dropped_attachments = "; ".join(content.dropped)[:500]
    mail = services.Mail(
        sender=sender,
        sender_name=_display_name(msg),
        subject=record.subject,
        message_id=_header(msg, "Message-ID"),
        content=content,
    )
    try:
        with transaction.atomic():  # a refusal undoes whatever the attempt wrote
            if token:
                reason = services.reply_by_email(record=record, token=token, mail=mail)
            else:
                reason = services.ask_by_email(record=record, slug=support_slug or "", mail=mail)
    except services.Refused as exc:
        record.post = None
        if record.topic_id and record.kind == InboundMessage.Kind.QUESTION:
            record.topic = None
        if exc.tell:
            services.bounce(mail, exc.tell, url=exc.url)
        raise _Done("refused", str(exc)) from None
    raise _Done("taken", reason)


def _display_name(msg: EmailMessage) -> str:
    from email.utils import parseaddr

    return parseaddr(_header(msg, "From"))[0]
