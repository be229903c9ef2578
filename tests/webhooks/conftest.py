"""A real HTTP receiver on loopback for the webhook tests, and endpoints pointing at it."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from webhooks import services
from webhooks.models import Endpoint, Event


class Receiver:
    """Records every POST; answers each path with the status given by ``answer`` (200 by default)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: dict[str, tuple[int, dict, bytes]] = {}
        self.delays: dict[str, float] = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.answers[path] = (status, headers or {}, body)

    def to(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, headers, answer = receiver.answers.get(self.path, (200, {}, b"ok"))
                if self.path in receiver.delays:
                    time.sleep(receiver.delays[self.path])
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        return Handler

    def close(self):
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_TIMEOUT = 2.0
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def faq_index(db):
    from kb.models import FaqIndexPage

    return FaqIndexPage.objects.get()


@pytest.fixture
def make_endpoint(receiver, staff):
    def make(path: str = "/hook", events=None, **kwargs) -> Endpoint:
        return services.endpoint_create(
            actor=staff, url=receiver.url(path), events=events or list(Event.values), **kwargs
        )

    return make


def verified(endpoint: Endpoint, request: dict, secret: str | None = None) -> dict:
    """The message, after checking its Standard Webhooks signature as a receiver would."""
    return Webhook(secret or endpoint.secret).verify(request["body"], request["headers"])


def payload_of(request: dict) -> dict:
    return json.loads(request["body"])


def resolving(monkeypatch, names: dict[str, list[str]]):
    """Make ``socket.getaddrinfo`` resolve ``names`` as given: each lookup of a name takes the
    next address in its list (the last one repeats), as a rebinding DNS server would."""
    real = socket.getaddrinfo
    calls: dict[str, int] = {}

    def fake(host, *args, **kwargs):
        if host in names:
            answers = names[host]
            i = calls.get(host, 0)
            calls[host] = i + 1
            return real(answers[min(i, len(answers) - 1)], *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return calls
