"""``manage.py receive_mail``: one RFC 5322 message on standard input, for Postfix's pipe
transport (docs/email-receiving.md).

Exit status, as the mail server reads it (sysexits.h):

* 0: taken, deliberately ignored (an auto-reply, a bounce), or a copy already received;
* 65 (EX_DATAERR): refused because of the message itself (malformed, too large, unauthenticated);
* 77 (EX_NOPERM): refused because the sender may not do this (bad token, banned, locked);
* 75 (EX_TEMPFAIL): our side failed (the database is away): the mail server keeps the message
  and tries again later.

Anything but 0 prints one line on standard error, which the mail server quotes in its
bounce: never a traceback.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

EX_OK, EX_DATAERR, EX_TEMPFAIL, EX_NOPERM = 0, 65, 75, 77
DATA_REASONS = ("malformed", "too large", "sender not authenticated", "not addressed", "no new text")


def exit_code(status: str, reason: str) -> int:
    if status in ("taken", "ignored", "duplicate"):
        return EX_OK
    return EX_DATAERR if reason.startswith(DATA_REASONS) else EX_NOPERM


class Command(BaseCommand):
    help = "Read one email on standard input and hand it to the inbound pipeline (for a pipe transport)."

    def handle(self, *args, **options) -> None:
        from inbound.pipeline import receive

        stdin = getattr(self, "stdin", None) or sys.stdin.buffer
        try:
            raw = stdin.read()
            if isinstance(raw, str):
                raw = raw.encode("utf-8", "surrogateescape")
            outcome = receive(raw, source="pipe")
        except Exception as exc:  # noqa: BLE001 - the mail server must get a code, not a traceback
            # One line, no traceback: the mail server quotes it and keeps the message.
            self._finish(EX_TEMPFAIL, f"temporary failure, try again later ({type(exc).__name__}: {exc})")
            return
        code = exit_code(outcome.status, outcome.reason)
        self._finish(code, f"{outcome.status}: {outcome.reason}")

    def _finish(self, code: int, line: str) -> None:
        line = " ".join(line.split())[:300]
        if code == EX_OK:
            self.stdout.write(line)
            return
        self.stderr.write(line)
        sys.exit(code)
