"""core/http.py: the one safe-redirect helper, both ways."""

from django.test import RequestFactory

import pytest

from core.http import safe_next, wants_json

rf = RequestFactory()


@pytest.mark.parametrize("target", ["/community/t/1/x/", "/faq/?q=a", "http://testserver/community/"])
def test_safe_next_follows_an_address_on_this_site(target):
    assert safe_next(rf.post("/x/", {"next": target}), "/fallback/") == target
    assert safe_next(rf.get("/x/", {"next": target}), "/fallback/") == target


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/path", "javascript:alert(1)", "http:///evil.example", ""],
)
def test_safe_next_refuses_other_hosts_and_schemes(target):
    assert safe_next(rf.post("/x/", {"next": target}), "/fallback/") == "/fallback/"


def test_safe_next_keeps_https_on_a_secure_request():
    request = rf.post("/x/", {"next": "http://testserver/community/"}, secure=True)
    assert safe_next(request, "/fallback/") == "/fallback/"


def test_wants_json_reads_the_accept_header():
    assert wants_json(rf.get("/x/", HTTP_ACCEPT="application/json"))
    assert not wants_json(rf.get("/x/", HTTP_ACCEPT="text/html"))
