"""Polling one IMAP mailbox: each new message goes to the inbound pipeline once, then is marked.

The order is the rule: a message is fetched without touching its flags (``BODY.PEEK[]``; only
its header when its ``RFC822.SIZE`` is over ``INBOUND_EMAIL_MAX_BYTES``, to be refused), handed
to the pipeline, and marked processed (moved to ``INBOUND_IMAP_PROCESSED_FOLDER``, or flagged
``\\Seen`` plus ``INBOUND_IMAP_PROCESSED_FLAG``) only after the pipeline has returned, whatever it
decided: a refused message is marked too, or it would be fetched again forever. A message whose
handling raised stays unmarked for the next poll, and so does everything after a crash; the
pipeline's Message-ID idempotency makes a second fetch of a message that was handled but not yet
marked harmless. Each poll takes at most ``INBOUND_IMAP_BATCH_SIZE`` messages, oldest first.

``manage.py poll_mailbox`` runs one poll; the scheduler runs it periodically (ops/jobs.py) when
``INBOUND_IMAP_HOST`` is set.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email.parser
import email.policy
import logging
import ssl
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

if TYPE_CHECKING:
    from inbound.pipeline import Outcome

logger = logging.getLogger(__name__)


# handler(raw: bytes, *, source: str, size: int | None = None) -> Outcome; ``size`` is given
# only for a message over INBOUND_EMAIL_MAX_BYTES, handed over as its header alone.
Handler = Callable[..., "Outcome"]


class MailboxError(Exception):
    """The mailbox cannot be polled at all (unreachable, login refused, folder missing): one
    clear sentence for the log and the job's output, never a traceback."""


@dataclasses.dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    user: str
    password: str
    security: str = "ssl"
    folder: str = "INBOX"
    processed_folder: str = ""  # empty: mark with \Seen and processed_flag instead of moving
    processed_flag: str = "$CommunityProcessed"
    batch_size: int = 50
    timeout: float = 30

    @classmethod
    def from_settings(cls) -> ImapSettings | None:
        """The configured mailbox, or None when IMAP polling is off (no INBOUND_IMAP_HOST)."""
        if not settings.INBOUND_IMAP_HOST:
            return None
        return cls(
            host=settings.INBOUND_IMAP_HOST,
            port=settings.INBOUND_IMAP_PORT,
            user=settings.INBOUND_IMAP_USER or "",
            password=settings.INBOUND_IMAP_PASSWORD or "",
            security=settings.INBOUND_IMAP_SECURITY or "ssl",
            folder=settings.INBOUND_IMAP_FOLDER or "INBOX",
            processed_folder=settings.INBOUND_IMAP_PROCESSED_FOLDER or "",
            processed_flag=settings.INBOUND_IMAP_PROCESSED_FLAG or "$CommunityProcessed",
            batch_size=settings.INBOUND_IMAP_BATCH_SIZE,
            timeout=settings.INBOUND_IMAP_TIMEOUT,
        )

    @property
    def address(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclasses.dataclass
class PollResult:
    """What one poll did: how many messages were handed on, by outcome, and how many failed."""

    handled: Counter[str] = dataclasses.field(default_factory=Counter)
    failed: int = 0
    waiting: int = 0  # unprocessed messages left beyond this poll's batch
    error: str = ""  # the mailbox could not be polled at all

    @property
    def total(self) -> int:
        return sum(self.handled.values())

    def summary(self) -> str:
        if self.error:
            return f"IMAP poll failed: {self.error}"
        parts = [f"{self.total} message{'s' if self.total != 1 else ''} handled"]
        parts += [f"{count} {status}" for status, count in sorted(self.handled.items())]
        if self.failed:
            parts.append(f"{self.failed} failed and stay for the next poll")
        if self.waiting:
            parts.append(f"{self.waiting} more waiting")
        return ", ".join(parts)


def default_handler(raw: bytes, *, source: str, size: int | None = None) -> Outcome:
    """The inbound pipeline (imported late: polling must not import the whole pipeline at start)."""
    from inbound.pipeline import receive

    return receive(raw, source=source, size=size)


def poll_mailbox(
    *, handler: Handler | None = None, config: ImapSettings | None = None, limit: int | None = None
) -> PollResult:
    """Poll the mailbox once. Never raises for a mailbox that cannot be reached or logged into:
    the result carries the reason (and it is logged), so the periodic job does not fail noisily
    every minute for a wrong password."""
    handler = handler or default_handler
    config = config or ImapSettings.from_settings()
    if config is None:
        return PollResult(error="IMAP polling is not configured (INBOUND_IMAP_HOST is not set)")
    limit = config.batch_size if limit is None else limit
    result = PollResult()
    try:
        with _connect(config) as client:
            _poll(client, config, handler, limit, result)
    except MailboxError as error:
        result.error = str(error)
        logger.error("inbound imap %s: %s", config.address, error)
    except (IMAPClientError, OSError) as error:
        # The connection broke mid-poll: what was marked stays marked, the rest waits.
        result.error = f"the connection to the IMAP server broke off: {error}"
        logger.error("inbound imap %s: %s", config.address, result.error)
    return result


def _connect(config: ImapSettings) -> IMAPClient:
    context = ssl.create_default_context()
    try:
        client = IMAPClient(
            config.host,
            port=config.port,
            ssl=config.security == "ssl",
            ssl_context=context if config.security == "ssl" else None,
            timeout=config.timeout,
        )
    except (OSError, IMAPClientError) as error:  # refused, unresolvable, timed out, bad certificate
        raise MailboxError(f"cannot reach the IMAP server {config.host}:{config.port} ({error})") from None
    if config.security == "starttls":
        try:
            client.starttls(context)
        except (OSError, IMAPClientError) as error:
            _logout_quietly(client)
            # Never fall back to a clear-text login: the password would cross the network.
            raise MailboxError(
                f"the IMAP server {config.host}:{config.port} did not start TLS ({_text(error)}); "
                "the password was not sent"
            ) from None
    try:
        client.login(config.user, config.password)
    except LoginError as error:
        _logout_quietly(client)
        raise MailboxError(
            f"the IMAP server refused the login of {config.user!r}: check INBOUND_IMAP_USER and "
            f"INBOUND_IMAP_PASSWORD ({_text(error)})"
        ) from None
    return client


def _poll(client: IMAPClient, config: ImapSettings, handler: Handler, limit: int, result: PollResult) -> None:
    if not client.folder_exists(config.folder):
        raise MailboxError(f"there is no folder {config.folder!r} (INBOUND_IMAP_FOLDER)")
    if config.processed_folder and not client.folder_exists(config.processed_folder):
        client.create_folder(config.processed_folder)
    selected = client.select_folder(config.folder)
    if not config.processed_folder:
        permanent = selected.get(b"PERMANENTFLAGS", ())
        if b"\\*" not in permanent and config.processed_flag.encode() not in permanent:
            raise MailboxError(
                f"the folder {config.folder!r} does not keep the flag {config.processed_flag!r}; "
                "set INBOUND_IMAP_PROCESSED_FOLDER to move processed messages instead"
            )
    criteria: list[Any] = ["NOT", "DELETED"]
    if not config.processed_folder:
        criteria += ["NOT", "KEYWORD", config.processed_flag]
    uids = sorted(client.search(criteria))
    batch, result.waiting = uids[:limit], max(0, len(uids) - limit)
    # The sizes first (one command for the batch): a message over the limit is never downloaded,
    # only its header, which is enough for the pipeline to record the refusal.
    sizes = client.fetch(batch, ["RFC822.SIZE"]) if batch else {}
    for uid in batch:
        size = (sizes.get(uid) or {}).get(b"RFC822.SIZE")
        too_big = isinstance(size, int) and size > settings.INBOUND_EMAIL_MAX_BYTES
        # One message at a time: memory stays bounded by the largest message, not the batch.
        part = b"BODY[HEADER]" if too_big else b"BODY[]"
        data = client.fetch([uid], ["BODY.PEEK[HEADER]" if too_big else "BODY.PEEK[]"]).get(uid)
        raw = data.get(part) if data else None
        if raw is None:  # expunged by someone else since the search
            continue
        try:
            outcome = handler(raw, source="imap", size=size) if too_big else handler(raw, source="imap")
        except Exception:
            result.failed += 1
            logger.exception(
                "inbound imap %s: handling message uid %s (%s) failed; it stays for the next poll",
                config.address,
                uid,
                _message_id(raw),
            )
            continue
        _mark_processed(client, config, uid)
        result.handled[outcome.status] += 1
        logger.info(
            "inbound imap %s: message uid %s (%s) %s: %s",
            config.address,
            uid,
            _message_id(raw),
            outcome.status,
            outcome.reason,
        )


def _mark_processed(client: IMAPClient, config: ImapSettings, uid: int) -> None:
    if config.processed_folder:
        client.add_flags([uid], [b"\\Seen"])
        if client.has_capability("MOVE"):
            client.move([uid], config.processed_folder)
        else:
            client.copy([uid], config.processed_folder)
            client.delete_messages([uid])
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([uid])
    else:
        client.add_flags([uid], [b"\\Seen", config.processed_flag.encode()])


def _message_id(raw: bytes) -> str:
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[:65536])
    return one_line(str(headers.get("Message-ID", "no Message-ID")))


def one_line(value: str, limit: int = 200) -> str:
    """A header value fit for one log line: folding and control characters become spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())[:limit]


def _text(error: Exception) -> str:
    text = str(error)
    return text[2:-1] if text.startswith("b'") and text.endswith("'") else text


def _logout_quietly(client: IMAPClient) -> None:
    with contextlib.suppress(IMAPClientError, OSError):
        client.logout()
