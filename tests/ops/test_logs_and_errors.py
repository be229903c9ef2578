"""A request id in every log line and response, JSON logs by setting, and Sentry when set."""

import importlib
import io
import json
import logging
import os
import subprocess
import sys

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

import pytest

from config.settings import base
from ops.json_logs import JsonFormatter
from ops.request_id import RequestIdFilter


@pytest.fixture
def request_log():
    """django.request's records, formatted as JSON lines with the request id filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_each_response_carries_a_fresh_request_id(client):
    first = client.get("/community/")["X-Request-ID"]
    second = client.get("/community/")["X-Request-ID"]
    assert len(first) == 32 and first != second


@pytest.mark.django_db
def test_the_proxys_request_id_is_kept(client):
    response = client.get("/community/", HTTP_X_REQUEST_ID="3f2b9c0d1e4a5b6c7d8e9f00aa11bb22")
    assert response["X-Request-ID"] == "3f2b9c0d1e4a5b6c7d8e9f00aa11bb22"


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["<script>alert(1)</script>", "short", "a" * 200, "id with spaces in it"])
def test_a_malformed_request_id_is_replaced(client, given):
    response = client.get("/community/", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] != given and len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_log_lines_of_a_request_carry_its_id(client, request_log):
    response = client.get("/community/t/999999/")
    assert response.status_code == 404
    [line] = [json.loads(line) for line in request_log.getvalue().splitlines()]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert "/community/t/999999/" in line["message"]


def test_json_formatter_writes_one_object_with_the_traceback():
    try:
        raise ValueError("broken \n across lines")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed %s", ("job",), sys.exc_info()
        )
    RequestIdFilter().filter(record)
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "failed job" and line["request_id"] == "-"
    assert "ValueError: broken" in line["exception"] and line["time"].endswith("+00:00")


def test_log_format_json_configures_the_console_handler():
    config = base.logging_config("json", "INFO")
    handler = config["handlers"]["console"]
    assert handler["formatter"] == "json" and handler["filters"] == ["request_id"]
    assert config["formatters"]["json"]["()"] == "ops.json_logs.JsonFormatter"


def test_log_format_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    try:
        with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
            importlib.reload(base)
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_a_process_started_with_log_format_json_writes_json_lines():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "LOG_FORMAT": "json"}
    env.pop("DATABASE_URL", None)
    code = "import django, logging; django.setup(); logging.getLogger('community.test').warning('hello %s', 'there')"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert {"message": "hello there", "request_id": "-", "logger": "community.test"}.items() <= lines[
        -1
    ].items()


# --- Sentry ------------------------------------------------------------------------------


@pytest.fixture
def sentry_events():
    import sentry_sdk
    from sentry_sdk.transport import Transport

    events = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            events.extend(item.payload.json for item in envelope.items if item.type == "event")

    from ops.sentry import init_sentry

    init_sentry(
        dsn="https://public@errors.invalid/1",
        environment="test",
        release="r1",
        traces_sample_rate=0.0,
        transport=Capture,
    )
    yield events
    sentry_sdk.init(dsn=None)  # no client: the integration stays installed but sends nothing


@pytest.mark.django_db
def test_an_unhandled_error_reaches_sentry_with_the_request_id(monkeypatch, sentry_events):
    import sentry_sdk

    def broken():
        raise RuntimeError("selector broke")

    monkeypatch.setattr("forum.selectors.category_list", broken)
    response = Client(raise_request_exception=False).get("/community/")
    sentry_sdk.flush()
    assert response.status_code == 500
    [event] = sentry_events
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["tags"]["request_id"] == response["X-Request-ID"]
    assert event["environment"] == "test" and event["release"] == "r1"
    assert "cookies" not in event.get("request", {})


def test_sentry_is_initialised_only_with_a_dsn(monkeypatch):
    calls = []
    monkeypatch.setattr("ops.sentry.init_sentry", lambda **kwargs: calls.append(kwargs))
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    try:
        importlib.reload(base)
        assert calls == []
        monkeypatch.setenv("SENTRY_DSN", "https://public@errors.invalid/1")
        monkeypatch.setenv("SENTRY_TRACES_SAMPLE_RATE", "0.25")
        importlib.reload(base)
        assert calls == [
            {
                "dsn": "https://public@errors.invalid/1",
                "environment": "production",
                "release": None,
                "traces_sample_rate": 0.25,
            }
        ]
    finally:
        monkeypatch.undo()
        importlib.reload(base)
