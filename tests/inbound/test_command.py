"""``manage.py receive_mail``: exit codes for the mail server, one line, never a traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.db import OperationalError

import pytest

from inbound.models import InboundMessage
from inbound.services import reply_address_for
from tests.inbound.conftest import build_mail

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


class Stdin(io.BytesIO):
    pass


def run(raw: bytes):
    out, err = io.StringIO(), io.StringIO()
    from inbound.management.commands.receive_mail import Command

    command = Command(stdout=out, stderr=err)
    command.stdin = Stdin(raw)
    code = 0
    try:
        call_command(command)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_taken_ignored_and_duplicate_exit_zero(ann, topic):
    raw = build_mail(to=reply_address_for(user=ann, topic=topic))
    assert run(raw)[0] == 0
    code, out, err = run(raw)
    assert code == 0 and out.startswith("duplicate")
    assert run(build_mail(to="x@community.test", headers={"Auto-Submitted": "auto-replied"}))[0] == 0
    assert InboundMessage.objects.filter(source="pipe").count() == 2


def test_bad_mail_is_ex_dataerr_with_one_line(settings):
    code, out, err = run(b"\x00 not mail at all")
    assert code == 65
    assert err.count("\n") <= 1 and "malformed" in err and "Traceback" not in err
    settings.INBOUND_EMAIL_MAX_BYTES = 100
    assert run(build_mail(to="x@community.test"))[0] == 65


def test_refused_by_permission_is_ex_noperm(ann, topic):
    topic.is_locked = True
    topic.save()
    code, _, err = run(build_mail(to=reply_address_for(user=ann, topic=topic)))
    assert code == 77 and "locked" in err


def test_database_trouble_is_ex_tempfail(monkeypatch):
    import inbound.processing

    def broken(*args, **kwargs):
        raise OperationalError("database is away")

    monkeypatch.setattr(inbound.processing, "process", broken)
    code, _, err = run(build_mail(to="x@community.test"))
    assert code == 75 and "temporary failure" in err and "Traceback" not in err


def test_the_real_command_reads_stdin(tmp_path):
    """As the mail server runs it: a process, a message on standard input, a code back."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "receive_mail"],
        input=b"this is not an email",
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    # The test settings' database is a fresh, unmigrated SQLite file: the pipeline cannot log
    # and the mail server is told to try again later, in one line.
    assert result.returncode == 75, result.stderr
    assert b"Traceback" not in result.stderr and result.stderr.strip().count(b"\n") == 0
