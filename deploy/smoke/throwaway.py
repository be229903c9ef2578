"""Throwaway PostgreSQL and Redis servers on loopback, for the smoke test and the soak benchmark.

Each runs from a temporary folder on a free port, so a test can stop and restart it (the faults
of the smoke test) without touching the machine's own services, and leaves nothing behind.
PostgreSQL is a fresh cluster made with ``initdb`` (trust authentication on 127.0.0.1 only),
run as the ``postgres`` account when started by root, since PostgreSQL refuses to run as root.
Redis runs as it does from Debian's package: snapshots on clean shutdown (``--save``), no
append-only file, so a restart keeps what was in memory.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port(start: int, taken: set[int] | None = None) -> int:
    """The first port from ``start`` that nothing listens on (and not in ``taken``)."""
    for port in range(start, start + 200):
        if taken and port in taken:
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {start}")


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Postgres:
    """A PostgreSQL cluster of its own: ``start``, ``restart`` (a fast shutdown, as
    ``systemctl restart postgresql`` does: sessions are cut) and ``destroy``."""

    def __init__(self, folder: Path, port: int):
        self.folder = folder
        self.port = port
        self.data = folder / "pgdata"
        self.sockets = folder / "pgsock"
        self.logfile = folder / "postgres.log"
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found and not shutil.which("initdb"):
            raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.bin = Path(found[-1]).parent if found else Path(shutil.which("initdb")).parent
        self.as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout, cwd="/")
        if result.returncode != 0:
            log = self.logfile.read_text(errors="replace")[-2000:] if self.logfile.exists() else ""
            raise RuntimeError(f"{' '.join(command[:2])} failed: {result.stderr[-2000:]}\n{log}")
        return result

    def start(self) -> None:
        for path in (self.data, self.sockets):
            path.mkdir(parents=True, exist_ok=True)
        self.logfile.touch()
        if self.as_root:
            for path in (self.data, self.sockets, self.logfile):
                shutil.chown(path, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run(
                str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            )  # fmt: skip
        self._pg_ctl("start")

    def _pg_ctl(self, action: str) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets} "
            "-c max_connections=100 -c shared_buffers=64MB"
        )
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "60"]
        if action == "stop":
            self._run(*command, "-m", "fast", "stop")
        else:
            self._run(*command, "-m", "fast", "-o", options, action)

    def restart(self) -> None:
        self._pg_ctl("restart")

    def stop(self) -> None:
        self._pg_ctl("stop")

    def destroy(self) -> None:
        """Stop the server if it runs, whatever state it is in; the folder is the caller's."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.stop()


class Redis:
    """A redis-server of its own on ``port``: ``start``, ``restart`` (SIGTERM, which saves a
    snapshot as Debian's redis does, then a new process on the same port) and ``destroy``."""

    def __init__(self, folder: Path, port: int):
        self.folder = folder
        self.port = port
        self.process: subprocess.Popen | None = None
        self.logfile = folder / "redis.log"
        program = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(program).exists():
            raise RuntimeError("redis-server is not installed")
        self.program = program

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.program, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
             "--save", "60 1", "--appendonly", "no", "--logfile", str(self.logfile), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not _listening(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {self.logfile.read_text()[-1000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
