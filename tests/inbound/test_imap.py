"""IMAP polling against a real IMAP server (dovecot on loopback, tests/inbound/dovecot.py)."""

from __future__ import annotations

import dataclasses
import io
import logging
import time

from django.core.management import call_command
from django.core.management.base import CommandError

import pytest

from inbound.imap import ImapSettings, poll_mailbox
from ops.jobs import get_job
from ops.models import JobRun
from ops.scheduler import run_job
from tests.inbound.conftest import build_mail

pytest_plugins = ["tests.inbound.dovecot"]

FLAG = "$CommunityProcessed"


@dataclasses.dataclass(frozen=True)
class Result:
    status: str
    reason: str
    message: None = None


class Recorder:
    """A stand-in for the pipeline's receive(): records what it was handed, answers ``status``."""

    def __init__(self, status: str = "taken", fail_on: bytes | None = None):
        self.calls: list[tuple[bytes, str]] = []
        self.status = status
        self.fail_on = fail_on

    def __call__(self, raw: bytes, *, source: str) -> Result:
        if self.fail_on is not None and self.fail_on in raw:
            raise RuntimeError("the pipeline broke on this one")
        self.calls.append((raw, source))
        return Result(self.status, f"recorded as {self.status}")

    @property
    def subjects(self) -> list[str]:
        return [raw.split(b"Subject: ", 1)[1].split(b"\r\n", 1)[0].decode() for raw, _ in self.calls]


def message(number: int) -> bytes:
    """A reply as a mail client sends it: CRLF line ends, so the bytes must come back unchanged."""
    return (
        f"From: Member {number} <member{number}@example.org>\r\n"
        f"To: reply+token{number}@community.example.test\r\n"
        f"Subject: Re: question {number}\r\n"
        f"Message-ID: <reply-{number}@example.org>\r\n"
        "Date: Wed, 02 Dec 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"Thanks, that fixed it. Caf\u00e9 n\u00b0{number}.\r\n"
    ).encode()


def config_for(mailbox, **overrides) -> ImapSettings:
    values = {
        "host": mailbox.host,
        "port": mailbox.port,
        "user": mailbox.user,
        "password": mailbox.password,
        "security": "none",
        **overrides,
    }
    return ImapSettings(**values)


@pytest.fixture
def imap_settings(settings, mailbox):
    settings.INBOUND_IMAP_HOST = mailbox.host
    settings.INBOUND_IMAP_PORT = mailbox.port
    settings.INBOUND_IMAP_USER = mailbox.user
    settings.INBOUND_IMAP_PASSWORD = mailbox.password
    settings.INBOUND_IMAP_SECURITY = "none"
    settings.INBOUND_IMAP_FOLDER = "INBOX"
    settings.INBOUND_IMAP_PROCESSED_FOLDER = ""
    settings.INBOUND_IMAP_PROCESSED_FLAG = FLAG
    settings.INBOUND_IMAP_BATCH_SIZE = 50
    settings.INBOUND_IMAP_TIMEOUT = 10
    return mailbox


def test_poll_hands_each_message_over_once_with_its_exact_bytes(mailbox):
    sent = [message(1), message(2)]
    for raw in sent:
        mailbox.append(raw)
    handler = Recorder()

    first = poll_mailbox(handler=handler, config=config_for(mailbox))
    second = poll_mailbox(handler=handler, config=config_for(mailbox))

    assert handler.calls == [(sent[0], "imap"), (sent[1], "imap")]
    assert (first.handled["taken"], first.failed, first.error) == (2, 0, "")
    assert second.total == 0 and second.error == ""
    flags = mailbox.flags()
    assert all({b"\\Seen", FLAG.encode()} <= set_ for set_ in flags.values()), flags


def test_poll_only_takes_messages_that_arrived_since(mailbox):
    mailbox.append(message(1))
    handler = Recorder()
    poll_mailbox(handler=handler, config=config_for(mailbox))
    mailbox.append(message(2))

    result = poll_mailbox(handler=handler, config=config_for(mailbox))

    assert result.total == 1
    assert handler.subjects == ["Re: question 1", "Re: question 2"]


def test_poll_leaves_a_message_read_by_a_person_but_not_processed_for_the_pipeline(mailbox):
    """\\Seen alone says nothing: someone may have opened the mailbox in a mail client."""
    mailbox.append(message(1))
    with mailbox.client() as client:
        client.select_folder("INBOX")
        client.add_flags(client.search(["ALL"]), [b"\\Seen"])

    handler = Recorder()
    poll_mailbox(handler=handler, config=config_for(mailbox))

    assert handler.subjects == ["Re: question 1"]


def test_refused_and_ignored_messages_are_marked_too_so_they_are_not_fetched_forever(mailbox):
    mailbox.append(message(1))
    refusing = Recorder(status="refused")
    assert poll_mailbox(handler=refusing, config=config_for(mailbox)).handled == {"refused": 1}

    later = Recorder()
    assert poll_mailbox(handler=later, config=config_for(mailbox)).total == 0
    assert later.calls == []


def test_processed_messages_move_to_the_processed_folder_when_one_is_set(mailbox):
    mailbox.append(message(1))
    mailbox.append(message(2))
    config = config_for(mailbox, processed_folder="Processed")
    handler = Recorder()

    result = poll_mailbox(handler=handler, config=config)
    again = poll_mailbox(handler=handler, config=config)

    assert result.total == 2 and again.total == 0
    assert mailbox.uids("INBOX") == []
    assert len(mailbox.uids("Processed")) == 2
    assert len(mailbox.uids("Processed", "SEEN")) == 2


def test_a_message_whose_handling_raised_stays_for_the_next_poll_and_the_others_go_on(mailbox, caplog):
    for number in (1, 2, 3):
        mailbox.append(message(number))
    broken = Recorder(fail_on=b"question 2")

    with caplog.at_level(logging.ERROR, logger="inbound.imap"):
        result = poll_mailbox(handler=broken, config=config_for(mailbox))

    assert (result.total, result.failed) == (2, 1)
    assert broken.subjects == ["Re: question 1", "Re: question 3"]
    assert "<reply-2@example.org>" in caplog.text and "stays for the next poll" in caplog.text
    unmarked = mailbox.uids("INBOX", "NOT", "KEYWORD", FLAG)
    assert len(unmarked) == 1 and not mailbox.flags()[unmarked[0]] & {b"\\Seen"}

    fixed = Recorder()
    assert poll_mailbox(handler=fixed, config=config_for(mailbox)).total == 1
    assert fixed.subjects == ["Re: question 2"]


def test_a_poll_takes_at_most_the_batch_size_oldest_first(mailbox):
    for number in range(1, 6):
        mailbox.append(message(number))
    handler = Recorder()
    config = config_for(mailbox, batch_size=2)

    first = poll_mailbox(handler=handler, config=config)
    assert (first.total, first.waiting) == (2, 3)
    assert handler.subjects == ["Re: question 1", "Re: question 2"]
    assert "3 more waiting" in first.summary()

    poll_mailbox(handler=handler, config=config)
    poll_mailbox(handler=handler, config=config)
    assert handler.subjects == [f"Re: question {number}" for number in range(1, 6)]


def test_a_wrong_password_is_one_clear_logged_error_without_a_traceback(mailbox, caplog):
    mailbox.append(message(1))
    handler = Recorder()

    with caplog.at_level(logging.INFO):
        result = poll_mailbox(handler=handler, config=config_for(mailbox, password="wrong"))

    assert handler.calls == []
    assert "refused the login" in result.error and "INBOUND_IMAP_PASSWORD" in result.error
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert "refused the login" in errors[0].getMessage()
    assert len(mailbox.uids("INBOX", "NOT", "KEYWORD", FLAG)) == 1


@pytest.mark.django_db
def test_the_periodic_job_with_a_wrong_password_logs_the_reason_and_no_traceback(
    imap_settings, settings, caplog
):
    settings.INBOUND_IMAP_PASSWORD = "wrong"

    with caplog.at_level(logging.INFO):
        run = run_job(get_job("poll_mailbox"))

    assert run.status == JobRun.Status.SUCCEEDED and run.error == ""
    assert "refused the login" in run.output
    assert not any(record.exc_info for record in caplog.records)
    assert "Traceback" not in caplog.text


def test_an_unreachable_server_is_reported_in_one_line(mailbox):
    config = config_for(mailbox, port=mailbox.port, host="127.0.0.2", timeout=2)
    result = poll_mailbox(handler=Recorder(), config=config)
    assert result.error.startswith("cannot reach the IMAP server 127.0.0.2")


def test_a_missing_folder_is_reported_not_created(mailbox):
    result = poll_mailbox(handler=Recorder(), config=config_for(mailbox, folder="Nowhere"))
    assert result.error == "there is no folder 'Nowhere' (INBOUND_IMAP_FOLDER)"
    assert mailbox.uids("Nowhere") == []


@pytest.mark.django_db
def test_poll_mailbox_command_polls_once_and_prints_a_summary(imap_settings, settings, monkeypatch):
    recorder = Recorder(status="ignored")
    monkeypatch.setattr("inbound.imap.default_handler", recorder)
    settings.INBOUND_IMAP_BATCH_SIZE = 1
    for number in (1, 2):
        imap_settings.append(message(number))
    output = io.StringIO()

    call_command("poll_mailbox", stdout=output)

    assert output.getvalue().strip() == "1 message handled, 1 ignored, 1 more waiting"
    assert recorder.subjects == ["Re: question 1"]


@pytest.mark.django_db
def test_poll_mailbox_command_limit_and_strict(imap_settings, settings, monkeypatch):
    monkeypatch.setattr("inbound.imap.default_handler", Recorder())
    with pytest.raises(CommandError, match="--limit must be at least 1"):
        call_command("poll_mailbox", "--limit", "0")
    settings.INBOUND_IMAP_PASSWORD = "wrong"
    call_command("poll_mailbox", stdout=io.StringIO(), stderr=io.StringIO())  # reported, not raised
    with pytest.raises(CommandError, match="refused the login"):
        call_command("poll_mailbox", "--strict", stdout=io.StringIO(), stderr=io.StringIO())


def test_poll_mailbox_command_says_when_polling_is_off(settings):
    settings.INBOUND_IMAP_HOST = ""
    output = io.StringIO()
    call_command("poll_mailbox", stdout=output)
    assert output.getvalue().strip() == "IMAP polling is off: INBOUND_IMAP_HOST is not set."
    assert poll_mailbox(handler=Recorder()).error.startswith("IMAP polling is not configured")


def test_the_periodic_job_is_scheduled_only_when_a_mailbox_is_configured(settings):
    job = get_job("poll_mailbox")
    settings.INBOUND_IMAP_HOST = ""
    assert not job.is_enabled()
    settings.INBOUND_IMAP_HOST = "imap.example.test"
    assert job.is_enabled()


# --- through the real pipeline -------------------------------------------------------------


@pytest.mark.django_db
def test_a_reply_by_email_in_the_mailbox_is_posted_once_even_when_fetched_twice(imap_settings, ann, topic):
    """A member's reply to a notification, delivered twice (a retry upstream, or a poll cut
    short before it marked the message): one post as the member, the copy a duplicate, both
    marked processed, and nothing left for the next poll."""
    from forum.models import Post
    from inbound import services
    from inbound.models import InboundMessage

    raw = build_mail(
        to=services.reply_address_for(user=ann, topic=topic),
        body="Holding the reset button for ten seconds did it.",
        message_id="<imap-reply-1@example.org>",
    )
    imap_settings.append(raw)
    imap_settings.append(raw)

    result = poll_mailbox()

    assert (result.handled["taken"], result.handled["duplicate"], result.failed) == (1, 1, 0), (
        result.summary()
    )
    post = Post.objects.filter(topic=topic).exclude(pk=topic.first_post_id).get()
    assert post.author == ann and post.via == Post.Via.EMAIL
    assert post.source == "Holding the reset button for ten seconds did it."
    record = InboundMessage.objects.get()
    assert (record.message_id, record.source, record.status, record.post) == (
        "<imap-reply-1@example.org>",
        "imap",
        "taken",
        post,
    )
    assert imap_settings.uids("INBOX", "NOT", "KEYWORD", FLAG) == []
    assert poll_mailbox().total == 0


def test_starttls_that_the_server_cannot_start_is_refused_before_the_password_is_sent(mailbox, caplog):
    """The test server offers no TLS: the poll stops there instead of logging in in clear."""
    before = len(mailbox.log)
    result = poll_mailbox(handler=Recorder(), config=config_for(mailbox, security="starttls"))
    assert "did not start TLS" in result.error and "the password was not sent" in result.error
    deadline = time.monotonic() + 5  # dovecot's log process writes a moment later
    while "no auth attempts" not in mailbox.log[before:] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "no auth attempts" in mailbox.log[before:]
    assert "Login: user=" not in mailbox.log[before:]


def test_implicit_tls_against_a_clear_text_port_is_one_clear_line(mailbox):
    result = poll_mailbox(handler=Recorder(), config=config_for(mailbox, security="ssl", timeout=3))
    assert result.error.startswith(f"cannot reach the IMAP server {mailbox.host}:{mailbox.port}")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("INBOUND_IMAP_SECURITY", "tls", "INBOUND_IMAP_SECURITY must be ssl, starttls or none"),
        ("INBOUND_IMAP_PROCESSED_FLAG", "Processed by site", "must be one IMAP keyword"),
    ],
)
def test_a_mistyped_imap_setting_stops_the_site_at_start(monkeypatch, variable, value, message):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    from config.settings import base

    monkeypatch.setenv(variable, value)
    try:
        with pytest.raises(ImproperlyConfigured, match=message):
            importlib.reload(base)
    finally:
        monkeypatch.delenv(variable)
        importlib.reload(base)


def test_a_message_id_is_logged_on_one_line_whatever_the_sender_put_in_it():
    from inbound.imap import _message_id

    raw = b"Message-ID: <a@example.org>\r\n\tFAKE: line\r\nSubject: x\r\n\r\nbody\r\n"
    assert _message_id(raw) == "<a@example.org> FAKE: line"
    assert _message_id(b"Subject: none\r\n\r\n") == "no Message-ID"


@pytest.mark.django_db
def test_a_message_over_the_limit_is_refused_from_its_header_without_downloading_it(
    mailbox, settings, monkeypatch
):
    """The poller asks the sizes first: a message over INBOUND_EMAIL_MAX_BYTES is fetched as its
    header only, and the pipeline records it refused with its real size, marked as processed."""
    from imapclient import IMAPClient

    from inbound.models import InboundMessage

    settings.INBOUND_EMAIL_MAX_BYTES = 4_000
    big = message(1).replace(b"Thanks, that fixed it.", b"Attached log: " + b"x" * 50_000 + b"\r\n")
    mailbox.append(message(2))
    mailbox.append(big)
    asked: list[list[str]] = []
    real_fetch = IMAPClient.fetch

    def fetch(self, messages, data, *args, **kwargs):
        asked.append([item if isinstance(item, str) else item.decode() for item in data])
        return real_fetch(self, messages, data, *args, **kwargs)

    monkeypatch.setattr(IMAPClient, "fetch", fetch)
    result = poll_mailbox(config=config_for(mailbox))

    assert result.total == 2 and result.failed == 0, result.summary()
    assert asked == [["RFC822.SIZE"], ["BODY.PEEK[]"], ["BODY.PEEK[HEADER]"]]
    refused = InboundMessage.objects.get(message_id="<reply-1@example.org>")
    assert refused.status == InboundMessage.Status.REFUSED
    assert refused.reason.startswith("too large:") and "the limit is 4,000" in refused.reason
    assert refused.size >= len(big) - 10  # the server's count of the whole message
    assert refused.sender == "member1@example.org" and refused.subject == "Re: question 1"
    small = InboundMessage.objects.get(message_id="<reply-2@example.org>")
    assert small.size == len(message(2)) and not small.reason.startswith("too large")
    # Both are marked: the big one is not fetched again on the next poll.
    assert poll_mailbox(config=config_for(mailbox)).total == 0
