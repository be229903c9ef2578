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
6. the faults, each followed by recovery with no 5xx after it and no lost write:
   - the task worker is killed (kill -9) in the middle of a search index rebuild, with index
     work queued behind it, and restarted the way its systemd unit does
     (``requeue_orphaned_tasks`` then ``db_worker``): the index then equals the database (the
     topic ids the search backend holds are the indexable topics);
   - Redis is stopped for a few seconds and started again while a member reads pages and posts
     replies through nginx;
   - PostgreSQL is stopped and started again under the same load; gunicorn's persistent
     connections recover (CONN_HEALTH_CHECKS). Every reply acknowledged (a redirect to the new
     post) is in the database at the end;
7. the scheduler runs a job; /health/ still answers 200; the index still equals the database.

PostgreSQL and Redis are the smoke test's own: a throwaway cluster (``initdb``) and a
``redis-server`` on free ports from ``SMOKE_PORT_BASE + 4``, so they can be restarted without
touching the machine's. ``SMOKE_DATABASE_URL`` or ``SMOKE_REDIS_URL`` use an existing server
instead (the database is created and dropped; that server's restart fault is then skipped, with
the reason printed). Everything started is stopped and removed at the end, also on failure.

Run by .ci/run after the suites; prints each step with its timing and exits 1 on the first
failure (with the processes' logs). Settings: SMOKE_DATABASE_URL, SMOKE_REDIS_URL,
SMOKE_PORT_BASE (default 8160: four fixed ports from there, then the first free ones).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import functools
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throwaway import Postgres, Redis, free_port  # noqa: E402  (deploy/smoke/throwaway.py)

GIVEN_DATABASE_URL = os.environ.get("SMOKE_DATABASE_URL", "")
GIVEN_REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "")
DATABASE_URL = GIVEN_DATABASE_URL  # set in main() when the smoke test runs its own PostgreSQL
REDIS_URL = GIVEN_REDIS_URL
WORKER_ID = "smoke-worker"  # as the systemd unit runs it: one fixed id per machine
OUTAGE_SECONDS = 4.0
PORT_BASE = int(os.environ.get("SMOKE_PORT_BASE", "8160"))
HTTP_PORT, HTTPS_PORT, APP_PORT, SMTP_PORT = PORT_BASE, PORT_BASE + 1, PORT_BASE + 2, PORT_BASE + 3
SITE = f"https://127.0.0.1:{HTTPS_PORT}"
PASSWORD = "smoke-" + secrets.token_urlsafe(12)


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"smoke: [{time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


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
            # Persistent connections, checked before reuse: what recovers from a database restart.
            "DATABASE_CONN_MAX_AGE": "60",
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

    faults(stack, visitor, staff, topic_path, topic_id)


# --- the faults -------------------------------------------------------------------------------


def sql(query: str, *params) -> list[tuple]:
    """One query on the site's database, straight through psycopg (not through the site)."""
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=10) as connection:
        return connection.execute(query, params).fetchall()


INDEX_VS_DATABASE = """
import json
from modelsearch.backends import get_search_backend
from modelsearch.query import MATCH_ALL
from forum.models import Topic
backend = get_search_backend()
expected = {str(pk) for pk in Topic.get_indexed_objects().values_list("pk", flat=True)}
if hasattr(backend, "with_searcher"):  # whoosh: every stored document of the topic type
    from search.backends.whoosh.schema import document_id
    prefix = document_id(Topic, "")
    indexed = backend.with_searcher(lambda searcher: {
        fields["doc_pk"] for fields in searcher.all_stored_fields() if fields["doc_id"].startswith(prefix)
    })
else:
    indexed = {str(topic.pk) for topic in backend.search(MATCH_ALL, Topic.objects.all())}
print(json.dumps({"database": len(expected), "index": len(indexed),
                  "missing": sorted(expected - indexed)[:20], "extra": sorted(indexed - expected)[:20]}))
"""


def index_equals_database(stack: Stack) -> str:
    """The topic ids in the search index are exactly the indexable topics in the database."""
    import json

    found = json.loads(stack.manage("shell", "-c", INDEX_VS_DATABASE).strip().splitlines()[-1])
    check(
        not found["missing"] and not found["extra"],
        f"the search index differs from the database: {found}",
    )
    return f"{found['index']} topics indexed = {found['database']} in the database"


def queue_counts() -> dict[str, int]:
    return dict(sql("SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"))


def wait_for_empty_queue(timeout: float = 120) -> None:
    """Every queued task done (nothing READY that is due, nothing RUNNING)."""
    wait_until(
        "the task queue to drain",
        lambda: (
            not sql(
                "SELECT 1 FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' "
                "OR (status = 'READY' AND (run_after <= now() OR run_after >= '9999-01-01')) LIMIT 1"
            )
        ),
        timeout,
    )


def start_worker(stack: Stack) -> None:
    """As the systemd unit does: take back this worker's orphaned tasks, then start it."""
    requeued = stack.manage("requeue_orphaned_tasks", "--worker-id", WORKER_ID).strip()
    stack.start(
        "worker",
        [PY, "manage.py", "db_worker", "--queue-name", "*", "--worker-id", WORKER_ID, "--interval", "0.5"],
    )
    return requeued


def restart_exited(stack: Stack, fault: str) -> list[str]:
    """systemd's Restart=always for the worker and the scheduler: restart any that exited."""
    restarted = []
    for name in ("worker", "scheduler"):
        process = stack.processes[name]
        if process.poll() is not None:
            restarted.append(f"{name} (exit {process.returncode})")
            if name == "worker":
                start_worker(stack)
            else:
                stack.start("scheduler", [PY, "manage.py", "run_scheduler"])
    if restarted:
        log(f"   after the {fault}: restarted as systemd would (Restart=always): {', '.join(restarted)}")
    return restarted


def fault_worker_killed(stack: Stack, visitor: Browser) -> None:
    """kill -9 the worker while it rebuilds the search index, with index updates queued behind."""
    started = time.monotonic()
    worker = stack.processes["worker"]
    os.killpg(worker.pid, signal.SIGSTOP)  # hold the queue while the work is lined up
    stack.manage("shell", "-c", "from search.tasks import rebuild_index; rebuild_index.enqueue('default')")
    words = []
    for n in range(3):
        word = f"quokka{secrets.token_hex(4)}"
        words.append(word)
        visitor.submit(
            "/community/ask/",
            "/community/ask/",
            {
                "title": f"Does the {word} adapter fit widget model {n}?",
                "source": "Asking first.",
                "kind": "question",
            },
        )
    waiting = queue_counts().get("READY", 0)
    os.killpg(worker.pid, signal.SIGCONT)
    deadline = time.monotonic() + 30
    running = []
    while time.monotonic() < deadline and not running:
        running = sql(
            "SELECT task_path FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING' ORDER BY started_at"
        )
        if not running:
            time.sleep(0.01)
    check(running, "the worker never started the queued index work")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=20)
    counts = queue_counts()
    log(
        f"7. worker killed (-9) while running {running[0][0].rsplit('.', 1)[-1]} "
        f"({waiting} index tasks were queued; now {counts.get('RUNNING', 0)} left running, "
        f"{counts.get('READY', 0)} waiting)"
    )
    requeued = start_worker(stack)
    wait_for_empty_queue()
    counts = stack.manage(
        "shell", "-c",
        "from modelsearch.backends import get_search_backend; from forum.models import Topic; "
        f"print([len(get_search_backend().search(w, Topic.objects.all())) for w in {words!r}])",
    ).strip().splitlines()[-1]  # fmt: skip
    check(counts == str([1] * len(words)), f"the questions asked meanwhile are not all found: {counts}")
    log(
        f"   restarted ({requeued}); queue drained; {index_equals_database(stack)} "
        f"({time.monotonic() - started:.1f} s)"
    )


class Load(threading.Thread):
    """A member at work through nginx: read the topic, read the list, post a reply, again.

    Every request is recorded with when it started and its status (0: no answer at all); a
    reply counts as acknowledged only when answered with the redirect to the new post."""

    def __init__(self, browser: Browser, topic_path: str, topic_id: str, label: str):
        super().__init__(daemon=True)
        self.browser = browser
        self.topic_path = topic_path
        self.action = f"/community/topics/{topic_id}/reply/"
        self.label = label
        self.stop_event = threading.Event()
        self.records: list[tuple[float, float, str, int]] = []  # (started, ended, what, status)
        self.acknowledged: list[str] = []
        self.sent = 0

    def request(self, what: str, call):
        started = time.monotonic()
        try:
            response = call()
            status = response.status_code
        except Exception:  # noqa: BLE001 - no answer (connection refused or reset, timeout)
            response, status = None, 0
        self.records.append((started, time.monotonic(), what, status))
        return response

    def run(self) -> None:
        while not self.stop_event.is_set():
            page = self.request("GET topic", lambda: self.browser.get(self.topic_path))
            self.request("GET list", lambda: self.browser.get("/community/"))
            if page is not None and page.status_code == 200:
                try:
                    found = form(page.text, page.url, self.action)
                except SmokeFailure:
                    found = None
                if found is not None:
                    self.sent += 1
                    marker = f"smoke-{self.label}-{self.sent}-{secrets.token_hex(3)}"
                    data = {k: v for k, v in found["fields"].items() if v is not None}
                    data["source"] = f"Load reply {marker}: still working here."
                    response = self.request("POST reply", functools.partial(self.post, page.url, data))
                    if (
                        response is not None
                        and response.status_code == 302
                        and "/community/p/" in response.headers.get("Location", "")
                    ):
                        self.acknowledged.append(marker)
            time.sleep(0.05)

    def post(self, referer: str, data: dict):
        return self.browser.session.post(
            SITE + self.action,
            data=data,
            allow_redirects=False,
            timeout=30,
            headers={"Referer": referer, "Origin": SITE},
        )

    def finish(self) -> None:
        self.stop_event.set()
        self.join(timeout=60)

    def phase(self, keep) -> dict:
        """The requests for which ``keep(started, ended)`` is true, summed up."""
        chosen = [(what, status) for started, ended, what, status in self.records if keep(started, ended)]
        return {
            "requests": len(chosen),
            "5xx": sum(1 for _, status in chosen if status >= 500),
            "no answer": sum(1 for _, status in chosen if status == 0),
            "statuses": sorted({status for _, status in chosen}),
        }


def under_load(stack: Stack, staff: Browser, topic_path: str, topic_id: str, label: str, outage) -> None:
    """Run ``outage(down, up)`` (stop the service, wait, start it) while a member works; then
    check: no 5xx once the service is back, every acknowledged reply in the database."""
    load = Load(staff, topic_path, topic_id, label)
    load.start()
    time.sleep(3)
    went_down = time.monotonic()
    health_during = outage()
    came_back = time.monotonic()
    time.sleep(6)
    load.finish()
    # Each request in one phase. Before: answered before the service was stopped. During:
    # started before it was back and still waiting when it was stopped (PostgreSQL's fast
    # shutdown cuts off a request in flight). After: started once it was back.
    before = load.phase(lambda started, ended: ended < went_down)
    during = load.phase(lambda started, ended: ended >= went_down and started < came_back)
    after = load.phase(lambda started, ended: started >= came_back)
    stored = {
        row[0]
        for row in sql(
            "SELECT substring(source from %s) FROM forum_post WHERE source LIKE %s",
            f"(smoke-{label}-[0-9]+-[0-9a-f]+)",
            f"%smoke-{label}-%",
        )
    }
    lost = [marker for marker in load.acknowledged if marker not in stored]
    log(
        f"   requests before: {before['requests']} ({before['5xx']} 5xx); during the "
        f"{came_back - went_down:.1f} s outage: {during['requests']} ({during['5xx']} 5xx, "
        f"{during['no answer']} unanswered, statuses {during['statuses']}); after: "
        f"{after['requests']} ({after['5xx']} 5xx); /health/ during the outage: {health_during}"
    )
    log(
        f"   replies: {load.sent} sent, {len(load.acknowledged)} acknowledged, {len(stored)} in the "
        f"database, {len(lost)} acknowledged but missing"
    )
    check(before["5xx"] == 0, f"5xx before the {label} outage: {before}")
    check(after["5xx"] == 0 and after["no answer"] == 0, f"failures after {label} came back: {after}")
    check(after["requests"] > 0, f"no request answered after {label} came back")
    check(not lost, f"acknowledged replies missing from the database: {lost[:5]}")
    check(load.acknowledged, f"no reply was acknowledged during the {label} fault")


def health_status() -> str:
    try:
        response = Browser().get("/health/?format=json")
    except Exception as exc:  # noqa: BLE001
        return f"no answer ({type(exc).__name__})"
    failing = ""
    with contextlib.suppress(ValueError):
        failing = ", ".join(k for k, v in response.json().items() if v not in ("OK", "working"))
    return f"{response.status_code}" + (f" ({failing})" if failing else "")


def faults(stack: Stack, visitor: Browser, staff: Browser, topic_path: str, topic_id: str) -> None:
    fault_worker_killed(stack, visitor)

    if stack.redis is None:
        log("8. Redis restart skipped: SMOKE_REDIS_URL names a Redis this test must not restart")
    else:
        started = time.monotonic()

        def redis_outage() -> str:
            stack.redis.stop()
            time.sleep(OUTAGE_SECONDS / 2)
            health = health_status()
            time.sleep(OUTAGE_SECONDS / 2)
            stack.redis.start()
            return health

        log(f"8. Redis stopped for {OUTAGE_SECONDS:.0f} s and started again under load")
        under_load(stack, staff, topic_path, topic_id, "redis", redis_outage)
        restart_exited(stack, "Redis restart")
        wait_until("/health/ 200 after Redis", lambda: Browser().get("/health/").status_code == 200, 30)
        log(f"   recovered: /health/ 200 ({time.monotonic() - started:.1f} s)")

    if stack.postgres is None:
        log("9. PostgreSQL restart skipped: SMOKE_DATABASE_URL names a server this test must not restart")
    else:
        started = time.monotonic()

        def postgres_outage() -> str:
            stack.postgres.stop()
            time.sleep(OUTAGE_SECONDS / 2)
            health = health_status()
            time.sleep(OUTAGE_SECONDS / 2)
            stack.postgres.start()
            return health

        log(f"9. PostgreSQL stopped (fast shutdown) for {OUTAGE_SECONDS:.0f} s and started again under load")
        under_load(stack, staff, topic_path, topic_id, "postgres", postgres_outage)
        restart_exited(stack, "PostgreSQL restart")
        wait_until("/health/ 200 after PostgreSQL", lambda: Browser().get("/health/").status_code == 200, 60)
        log(f"   recovered: /health/ 200 ({time.monotonic() - started:.1f} s)")

    stack.manage("run_scheduler", "--run-now", "flush_view_counts")
    wait_for_empty_queue()
    health = visitor.get("/health/?format=json")
    check(health.status_code == 200, f"/health/ at the end {health.status_code}: {health.text}")
    stack.alive()
    log(f"10. scheduler job ran; /health/ 200; every process up; {index_equals_database(stack)}")


def main() -> int:
    global DATABASE_URL, REDIS_URL  # noqa: PLW0603 - set once, before anything reads them
    from aiosmtpd.controller import Controller

    folder = Path(tempfile.mkdtemp(prefix="community-smoke-"))
    folder.chmod(0o755)
    fixed = {HTTP_PORT, HTTPS_PORT, APP_PORT, SMTP_PORT}
    postgres = redis_server = None
    if not GIVEN_DATABASE_URL:
        postgres = Postgres(folder / "postgres", free_port(PORT_BASE + 4, fixed))
        fixed.add(postgres.port)
    if not GIVEN_REDIS_URL:
        redis_server = Redis(folder / "redis", free_port(PORT_BASE + 4, fixed))
    if postgres is not None:
        DATABASE_URL = postgres.database_url("community_smoke")
    if redis_server is not None:
        REDIS_URL = redis_server.url
    stack = Stack(folder)
    stack.postgres, stack.redis = postgres, redis_server
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    started = time.monotonic()
    try:
        if postgres is not None:
            (folder / "postgres").mkdir()
            postgres.start()
            log(f"PostgreSQL of its own on 127.0.0.1:{postgres.port} ({time.monotonic() - started:.1f} s)")
        else:
            log("PostgreSQL from SMOKE_DATABASE_URL: its restart fault will be skipped")
        if redis_server is not None:
            redis_server.start()
            log(f"Redis of its own on 127.0.0.1:{redis_server.port}")
        else:
            log("Redis from SMOKE_REDIS_URL: its restart fault will be skipped")
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
        start_worker(stack)
        stack.start("scheduler", [PY, "manage.py", "run_scheduler"])
        stack.start("nginx", ["nginx", "-c", str(nginx_config(folder)), "-g", "daemon off;"])

        import requests

        wait_until(
            "gunicorn",
            lambda: requests.get(f"http://127.0.0.1:{APP_PORT}/health/", timeout=5).status_code < 500,
        )
        wait_until("nginx", lambda: Browser().get("/health/").status_code == 200)
        # The demo content queued its own mail and index work; let the worker finish it first, so
        # the mail the scenario waits for is not stuck behind it on a busy machine.
        wait_for_empty_queue(timeout=600)
        stack.alive()
        log(
            f"up in {time.monotonic() - started:.0f} s: nginx {SITE}, gunicorn :{APP_PORT} (2 workers), worker, scheduler"
        )
        scenario(stack, inbox)
    except (SmokeFailure, RuntimeError, subprocess.SubprocessError) as failure:
        log(f"FAILED: {failure}")
        print(stack.logs(), file=sys.stderr)
        for server in (postgres, redis_server):
            if server is not None and server.logfile.exists():
                lines = server.logfile.read_text(errors="replace").splitlines()[-20:]
                print(f"--- {server.logfile.name} (last lines)\n" + "\n".join(lines), file=sys.stderr)
        return 1
    finally:
        stack.stop()
        smtp.stop()
        if postgres is None:
            try:
                database("drop")
            except subprocess.CalledProcessError as exc:
                log(f"could not drop the smoke database: {exc.stderr}")
        else:
            postgres.destroy()
        if redis_server is not None:
            redis_server.destroy()
        shutil.rmtree(folder, ignore_errors=True)
    log(f"passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
