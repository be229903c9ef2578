"""A throwaway IMAP server for the tests: Debian's dovecot-imapd on loopback.

Each test session (each pytest-xdist worker) starts its own dovecot from a configuration in its
own temporary folder, on a free port: passwd-file authentication, one mailbox in a maildir under
the same folder, no TLS, logs to a file. Nothing outside that folder is read or written, so the
system's own dovecot (if any) is never touched. Where dovecot is not installed the tests that
need it skip and say why; ``make test`` installs it first (``make test-servers``), in CI too.

Register the fixtures in a test module with ``pytest_plugins = ["tests.inbound.dovecot"]`` or by
importing them.
"""

from __future__ import annotations

import dataclasses
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

USER = "support@example.test"
PASSWORD = "mailbox-pass"  # a throwaway mailbox on loopback, gone with the test run
SEARCH_PATH = (os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin")


def dovecot_binary() -> str | None:
    return shutil.which("dovecot", path=os.pathsep.join(SEARCH_PATH))


def free_port() -> int:
    """A port nobody listens on now (the kernel picks it); dovecot binds it a moment later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclasses.dataclass(frozen=True)
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    directory: Path

    @property
    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, *, folder: str = "INBOX") -> None:
        """Deliver one message the way a mail server would leave it: IMAP APPEND, unread."""
        with self.client() as client:
            client.append(folder, raw, flags=())

    def uids(self, folder: str = "INBOX", *criteria) -> list[int]:
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search(list(criteria) or ["ALL"]))

    def flags(self, folder: str = "INBOX") -> dict[int, set[bytes]]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            return {uid: set(data[b"FLAGS"]) for uid, data in client.fetch(uids, ["FLAGS"]).items()}

    def empty(self) -> None:
        """Delete every message in every folder, so each test starts with an empty mailbox."""
        with self.client() as client:
            for _flags, _delimiter, name in client.list_folders():
                client.select_folder(name)
                uids = client.search(["ALL"])
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
                client.close_folder()
                if name != "INBOX":
                    client.delete_folder(name)


def _unprivileged_user() -> pwd.struct_passwd:
    """Dovecot's login processes, and mail access, refuse root: as root, an unprivileged user."""
    if os.getuid() != 0:
        return pwd.getpwuid(os.getuid())
    for name in ("dovenull", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, and neither the dovenull nor the nobody user exists")


def _config(directory: Path, port: int) -> str:
    user = pwd.getpwuid(os.getuid())
    group = grp.getgrgid(os.getgid())
    unprivileged = _unprivileged_user()
    uid, gid = unprivileged.pw_uid, unprivileged.pw_gid
    return f"""\
# Written by the tests: one loopback IMAP server in {directory}.
base_dir = {directory}/run
state_dir = {directory}/state
instance_name = community-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A wrong password is answered at once (the tests try one on purpose).
auth_failure_delay = 0
log_path = {directory}/dovecot.log
info_log_path = {directory}/dovecot.log
# Every process runs as whoever runs the tests (dovecot wants existing users here), except the
# login processes when that is root.
default_internal_user = {user.pw_name}
default_internal_group = {group.gr_name}
default_login_user = {unprivileged.pw_name}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={directory}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
"""


def _wait_for(port: int, process: subprocess.Popen, directory: Path, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    log = (
        (directory / "dovecot.log").read_text(errors="replace")
        if (directory / "dovecot.log").exists()
        else ""
    )
    raise RuntimeError(f"dovecot did not start on 127.0.0.1:{port}: {log[-2000:]}")


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    """One dovecot per test session (per xdist worker: its own folder and port)."""
    binary = dovecot_binary()
    if binary is None:
        pytest.skip(
            "dovecot is not installed (apt-get install dovecot-imapd); the IMAP tests need a real server"
        )
    # Not under pytest's own (owner-only) temporary folder: when the tests run as root, dovecot's
    # unprivileged login processes must reach the sockets in ``run/``.
    directory = Path(tempfile.mkdtemp(prefix="community-dovecot-"))
    directory.chmod(0o755)
    for sub in ("run", "state", "home"):
        (directory / sub).mkdir(mode=0o755)
    mail_user = _unprivileged_user()
    os.chown(directory / "home", mail_user.pw_uid, mail_user.pw_gid)
    (directory / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = free_port()
    config = directory / "dovecot.conf"
    config.write_text(_config(directory, port))
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(directory / "stderr.log", "wb"),  # noqa: SIM115 (closed with the process)
    )
    try:
        _wait_for(port, process, directory)
        yield Dovecot("127.0.0.1", port, USER, PASSWORD, directory)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if not os.environ.get("KEEP_DOVECOT"):
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot_server) -> Iterator[Dovecot]:
    """The session's dovecot with an empty mailbox, emptied again afterwards."""
    dovecot_server.empty()
    yield dovecot_server
    dovecot_server.empty()
