#!/usr/bin/env python3
"""Production smoke test: the site as deployed, end to end, on loopback.

Brings up what docs/deployment.md installs, with the production settings: PostgreSQL (a fresh
database), Redis, gunicorn (2 workers), the task worker, the scheduler, nginx in front with TLS
(a self-signed certificate; the site's own deploy/nginx/community.conf, ports and folders
rewritten), and an SMTP server (aiosmtpd) that keeps every message. Then, as people would:

1. /health/ answers 200 through nginx;
2. a visitor signs up and confirms from the mail received over SMTP (links to the served host,
   no "example.com");
3. they ask a question; staff reply and mark the official answer;
4. the notification mail arrives with absolute links to the served host and a one-click
   unsubscribe (RFC 8058) that works;
5. an uploaded avatar is served back through nginx as an image, with nosniff;
6. the task worker is killed (kill -9) with index work to come and restarted: nothing queued is
   lost, the question asked meanwhile is found by search;
7. the scheduler runs a job; /health/ still answers 200.

Run by .ci/run after the suites; prints each step and exits 1 on the first failure (with the
processes' logs). Settings: SMOKE_DATABASE_URL (the database is created and dropped),
SMOKE_REDIS_URL, SMOKE_PORT_BASE (four ports from there).
"""

from __future__ import annotations

import email
import email.policy
import html.parser
import io
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
BIN = Path(PY).parent

DATABASE_URL = os.environ.get("SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/community_smoke")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/6")
PORT_BASE = int(os.environ.get("SMOKE_PORT_BASE", "8160"))
HTTP_PORT, HTTPS_PORT, APP_PORT, SMTP_PORT = PORT_BASE, PORT_BASE + 1, PORT_BASE + 2, PORT_BASE + 3
SITE = f"https://127.0.0.1:{HTTPS_PORT}"
PASSWORD = "smoke-" + secrets.token_urlsafe(12)


def log(message: str) -> None:
    print(f"smoke: {message}", flush=True)


class SmokeFailure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


# --- mail -------------------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler: every message received, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def wait_for(self, to: str, subject_part: str, timeout: float = 60.0) -> email.message.EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for message in self.messages:
                    if to in str(message["To"]) and subject_part.lower() in str(message["Subject"]).lower():
                        self.messages.remove(message)
                        return message
            time.sleep(0.5)
        subjects = [f"{m['To']}: {m['Subject']}" for m in self.messages]
        raise SmokeFailure(f"no mail to {to} about {subject_part!r} within {timeout:.0f} s (got {subjects})")


def text_of(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"')]+", text)


# --- HTTP -------------------------------------------------------------------------------------


class Forms(html.parser.HTMLParser):
    """The forms of a page: action and default field values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}})
        elif self.forms and tag in {"input", "select", "textarea", "option"}:
            fields = self.forms[-1]["fields"]
            name = attrs.get("name")
            if (
                tag == "input"
                and name
                and attrs.get("type") not in {"submit", "button", "checkbox", "radio", "file"}
                or tag == "input"
                and name
                and attrs.get("type") == "radio"
                and (name not in fields or "checked" in attrs)
            ):
                fields[name] = attrs.get("value") or ""
            elif tag == "select" and name:
                fields[name] = None
                self._select = name
            elif (
                tag == "option" and getattr(self, "_select", None) and fields.get(self._select) in (None, "")
            ):
                if attrs.get("value"):
                    fields[self._select] = attrs["value"]
            elif tag == "textarea" and name:
                fields[name] = ""


def form(page: str, page_url: str, action_part: str) -> dict:
    parser = Forms()
    parser.feed(page)
    for found in parser.forms:
        if action_part in urllib.parse.urljoin(page_url, found["action"] or page_url):
            return found
    raise SmokeFailure(f"no form posting to {action_part!r} (forms: {[f['action'] for f in parser.forms]})")


class Browser:
    ca: str = ""  # this run's self-signed certificate, which every request verifies against

    def __init__(self):
        import requests

        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or CA bundle from the environment
        self.session.verify = Browser.ca

    def url(self, path: str) -> str:
        return path if path.startswith("http") else SITE + path

    def get(self, path: str, **kwargs):
        return self.session.get(self.url(path), timeout=30, **kwargs)

    def submit(self, page_path: str, action_part: str, values: dict, files=None, expect=(302,)):
        page = self.get(page_path)
        check(page.status_code == 200, f"GET {page_path}: {page.status_code}")
        found = form(page.text, page.url, action_part)
        data = {k: v for k, v in found["fields"].items() if v is not None}
        data.update(values)
        action = urllib.parse.urljoin(page.url, found["action"] or page.url)
        response = self.session.post(
            action,
            data=data,
            files=files,
            headers={"Referer": page.url, "Origin": SITE},
            allow_redirects=False,
            timeout=30,
        )
        check(response.status_code in expect, f"POST {action}: {response.status_code} {response.text[:300]}")
        return response


# --- the services -------------------------------------------------------------------------------


class Stack:
    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SMOKE_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "SITE_URL": SITE,
            "SITE_NAME": "Smoke Community",
            "DEFAULT_FROM_EMAIL": "Smoke Community <community@127.0.0.1>",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(SMTP_PORT),
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": f"smoke-{os.getpid()}",
            "TASKS_BACKEND": "database",
            "WEB_CONCURRENCY": "2",
            "TRUSTED_PROXY_COUNT": "1",
            "VAR_DIR": str(folder / "var"),
            "MEDIA_ROOT": str(folder / "var" / "media"),
            "STATIC_ROOT": str(folder / "static"),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    def manage(self, *args: str, timeout: float = 600) -> str:
        result = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise SmokeFailure(
                f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
            )
        return result.stdout

    def start(self, name: str, command: list[str]) -> None:
        logfile = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def logs(self) -> str:
        parts = []
        for name in self.processes:
            text = (self.folder / f"{name}.log").read_text(errors="replace")
            parts.append(f"--- {name} (last lines)\n" + "\n".join(text.splitlines()[-40:]))
        return "\n".join(parts)

    def alive(self) -> None:
        for name, process in self.processes.items():
            check(process.poll() is None, f"{name} exited with {process.returncode}")


def database(action: str) -> None:
    parts = urllib.parse.urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    base = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    tool = "createdb" if action == "create" else "dropdb"
    extra = ["--if-exists"] if tool == "dropdb" else []
    subprocess.run([tool, *base, *extra, name], check=True, capture_output=True, timeout=60)


def nginx_config(folder: Path) -> Path:
    """deploy/nginx/community.conf on loopback ports, with this run's certificate and folders."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(folder / "tls.key"), "-out", str(folder / "tls.crt")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    Browser.ca = str(folder / "tls.crt")
    site = (ROOT / "deploy/nginx/community.conf").read_text()
    replacements = {
        "server 127.0.0.1:8000": f"server 127.0.0.1:{APP_PORT}",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{HTTPS_PORT} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{HTTP_PORT};",
        "server_name help.example.com;": "server_name 127.0.0.1;",
        "/etc/ssl/certs/community.crt": str(folder / "tls.crt"),
        "/etc/ssl/private/community.key": str(folder / "tls.key"),
        "alias /srv/community/app/staticfiles/;": f"alias {folder / 'static'}/;",
        "root /var/lib/community;": f"root {folder / 'var'};",
    }
    for old, new in replacements.items():
        check(old in site, f"the nginx site no longer has {old!r}: update the smoke test")
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (folder / "site.conf").write_text(site)
    temp = folder / "nginx-temp"
    temp.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'nginx-error.log'};\n"
        "events { worker_connections 256; }\n"
        "http {\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
        f"  access_log {folder / 'nginx-access.log'};\n"
        + "".join(
            f"  {kind}_temp_path {temp / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"  include {folder / 'site.conf'};\n}}\n"
    )
    (folder / "nginx.conf").write_text(main)
    result = subprocess.run(["nginx", "-t", "-c", str(folder / "nginx.conf")], capture_output=True, text=True)
    check(result.returncode == 0, f"nginx -t: {result.stderr}")
    return folder / "nginx.conf"


def wait_until(what: str, probe, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except Exception as exc:  # noqa: BLE001 - the service is still starting
            last = exc
        time.sleep(0.5)
    raise SmokeFailure(f"{what} not ready after {timeout:.0f} s ({last!r})")


# --- the scenario -------------------------------------------------------------------------------


def scenario(stack: Stack, inbox: Inbox) -> None:
    visitor = Browser()

    health = visitor.get("/health/?format=json")
    check(health.status_code == 200, f"/health/ {health.status_code}: {health.text}")
    check(health.headers.get("X-Request-ID"), "no X-Request-ID from the site")
    log(f"1. /health/ 200 through nginx: {health.json()}")

    address = f"newcomer-{secrets.token_hex(3)}@example.org"
    visitor.submit(
        "/accounts/signup/",
        "signup",
        {"email": address, "username": "newcomer", "password1": PASSWORD, "password2": PASSWORD},
    )
    confirmation = inbox.wait_for(address, "confirm")
    body = text_of(confirmation)
    check("example.com" not in body, "the confirmation mail mentions example.com")
    confirm_links = [link for link in links_in(body) if "/accounts/confirm-email/" in link]
    check(
        confirm_links and confirm_links[0].startswith(SITE + "/"),
        f"confirmation link not on {SITE}: {confirm_links}",
    )
    confirm_path = urllib.parse.urlsplit(confirm_links[0]).path
    visitor.submit(confirm_path, "confirm-email", {})
    inbox_page = visitor.get("/notifications/", allow_redirects=False)
    check(
        inbox_page.status_code == 200,
        f"not signed in after confirming (/notifications/ {inbox_page.status_code})",
    )
    log(f"2. signed up and confirmed from the mail received over SMTP ({confirm_links[0][:60]}...)")

    asked = visitor.submit(
        "/community/ask/",
        "/community/ask/",
        {
            "title": "Smoke test: how do I reset the widget after a firmware update?",
            "source": "After updating the firmware the widget blinks red. What resets it?",
            "kind": "question",
        },
    )
    topic_path = urllib.parse.urlsplit(visitor.url(asked.headers["Location"])).path
    check("/community/t/" in topic_path, f"asking did not lead to the topic: {topic_path}")
    topic_id = re.search(r"/community/t/(\d+)/", topic_path).group(1)
    log(f"3. asked a question: {topic_path}")

    staff = Browser()
    staff.submit("/accounts/login/", "login", {"login": "staff", "password": stack.staff_password})
    staff.submit(
        topic_path,
        f"/community/topics/{topic_id}/reply/",
        {"source": "Hold the reset button for ten seconds."},
    )
    topic_page = staff.get(topic_path).text
    post_ids = re.findall(r"/community/p/(\d+)/official/", topic_page)
    check(post_ids, "no 'mark official' control for staff on the topic page")
    staff.submit(topic_path, f"/community/p/{post_ids[-1]}/official/", {})
    log("4. staff replied and marked the official answer")

    notification = inbox.wait_for(address, "", timeout=90)
    body = text_of(notification)
    site_links = [link for link in links_in(body) if "127.0.0.1" in link or "example" in link]
    check(site_links, f"no links in the notification: {body[:500]}")
    check(all(link.startswith(SITE + "/") for link in site_links), f"links not on {SITE}: {site_links}")
    unsubscribe = str(notification["List-Unsubscribe"]).strip().strip("<>")
    check(unsubscribe.startswith(SITE + "/notifications/unsubscribe/"), f"List-Unsubscribe: {unsubscribe}")
    check(notification["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", "no List-Unsubscribe-Post")
    response = Browser().session.post(
        unsubscribe, data={"List-Unsubscribe": "One-Click"}, timeout=30, allow_redirects=False
    )
    check(response.status_code == 200, f"one-click unsubscribe: {response.status_code}")
    log(f"5. notification '{notification['Subject']}' links to {SITE}; one-click unsubscribe 200")

    avatar = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (64, 64), (200, 30, 30)).save(avatar, format="PNG")
    visitor.submit(
        "/u/newcomer/edit/",
        "/u/newcomer/edit/",
        {"display_name": "New Comer"},
        files={"avatar": ("me.png", avatar.getvalue(), "image/png")},
    )
    profile = visitor.get("/u/newcomer/").text
    media = re.findall(r'src="([^"]*/media/avatars/[^"]+)"', profile)
    check(media, "no avatar on the profile page")
    served = visitor.get(media[0])
    check(served.status_code == 200, f"avatar through nginx: {served.status_code}")
    check(
        served.headers.get("Content-Type") == "image/jpeg",
        f"avatar type {served.headers.get('Content-Type')}",
    )
    check(served.headers.get("X-Content-Type-Options") == "nosniff", "avatar without nosniff")
    log(f"6. avatar served by nginx: {media[0]} image/jpeg, nosniff")

    # A fault: the worker dies (kill -9) with index work still to come. The queued work waits in
    # the database and is done when the worker is back: the new question becomes findable.
    word = f"quokka{secrets.token_hex(4)}"
    worker = stack.processes["worker"]
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=20)
    asked = visitor.submit(
        "/community/ask/",
        "/community/ask/",
        {
            "title": f"Does the {word} adapter fit the widget?",
            "source": "Asking before I buy one.",
            "kind": "question",
        },
    )
    new_topic = urllib.parse.urlsplit(visitor.url(asked.headers["Location"])).path
    stack.start("worker", [PY, "manage.py", "db_worker", "--queue-name", "*"])
    # Search results are cached for a minute per address: allow two.
    wait_until(
        f"{new_topic} in the search results", lambda: new_topic in visitor.get(f"/search/?q={word}").text, 150
    )
    log("7. worker killed (-9) with index work queued, restarted: the new question is found by search")

    stack.manage("run_scheduler", "--run-now", "flush_view_counts")
    health = visitor.get("/health/?format=json")
    check(health.status_code == 200, f"/health/ at the end {health.status_code}: {health.text}")
    stack.alive()
    log("8. scheduler job ran; /health/ 200; every process still up")


def main() -> int:
    from aiosmtpd.controller import Controller

    folder = Path(tempfile.mkdtemp(prefix="community-smoke-"))
    folder.chmod(0o755)
    stack = Stack(folder)
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    started = time.monotonic()
    try:
        database("drop")
        database("create")
        smtp.start()
        log(
            f"SMTP on 127.0.0.1:{SMTP_PORT}; preparing the site (migrate, collectstatic, demo accounts, index)"
        )
        stack.manage("migrate", "--noinput")
        stack.manage("collectstatic", "--noinput")
        stack.manage("seed_demo", "--allow-production")
        # The demo accounts' published password (demo/accounts.py): this site is thrown away.
        stack.staff_password = re.search(
            r'DEMO_PASSWORD = "([^"]+)"', (ROOT / "demo/accounts.py").read_text()
        ).group(1)
        stack.manage("update_index")
        stack.manage("check", "--deploy", "--fail-level", "ERROR")
        stack.start("gunicorn", [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{APP_PORT}",
                                 "--access-logfile", "-", "--timeout", "60",
                                 "--no-control-socket"])  # fmt: skip
        stack.start("worker", [PY, "manage.py", "db_worker", "--queue-name", "*"])
        stack.start("scheduler", [PY, "manage.py", "run_scheduler"])
        stack.start("nginx", ["nginx", "-c", str(nginx_config(folder)), "-g", "daemon off;"])

        import requests

        wait_until(
            "gunicorn",
            lambda: requests.get(f"http://127.0.0.1:{APP_PORT}/health/", timeout=5).status_code < 500,
        )
        wait_until("nginx", lambda: Browser().get("/health/").status_code == 200)
        stack.alive()
        log(
            f"up in {time.monotonic() - started:.0f} s: nginx {SITE}, gunicorn :{APP_PORT} (2 workers), worker, scheduler"
        )
        scenario(stack, inbox)
    except SmokeFailure as failure:
        log(f"FAILED: {failure}")
        print(stack.logs(), file=sys.stderr)
        return 1
    finally:
        stack.stop()
        smtp.stop()
        try:
            database("drop")
        except subprocess.CalledProcessError as exc:
            log(f"could not drop the smoke database: {exc.stderr}")
        shutil.rmtree(folder, ignore_errors=True)
    log(f"passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
