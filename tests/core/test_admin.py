"""The admin plumbing the apps share (core/admin.py): the guarded POST action and the menu
entry for one role, with its waiting count."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory

import pytest

from core.admin import GuardedMenuItem, admin_post_action

BACK = "forum:index"  # any named URL will do as the fallback


class Member:
    def __init__(self, allowed: bool):
        self.allowed = allowed


def only_allowed(user) -> None:
    if not user.allowed:
        raise PermissionDenied("Only the allowed may do this.")


def make_request(method: str = "post", user=None, **data):
    request = getattr(RequestFactory(), method)("/admin/thing/", data)
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request._messages = FallbackStorage(request)
    request.user = user if user is not None else Member(allowed=True)
    return request


def texts(request) -> list[str]:
    return [str(m) for m in get_messages(request)]


def action_that(outcome):
    @admin_post_action(check=only_allowed, back=BACK)
    def act(request):
        """Acts."""
        if isinstance(outcome, Exception):
            raise outcome
        return HttpResponse(outcome)

    return act


def test_admin_post_action_runs_the_view_for_an_allowed_user():
    response = action_that("done")(make_request())
    assert response.status_code == 200 and response.content == b"done"


def test_admin_post_action_check_refuses_before_the_view_runs():
    ran = []

    @admin_post_action(check=only_allowed, back=BACK)
    def act(request):
        ran.append(True)
        return HttpResponse()

    with pytest.raises(PermissionDenied):
        act(make_request(user=Member(allowed=False)))
    assert ran == []


def test_admin_post_action_is_post_only():
    assert action_that("done")(make_request("get")).status_code == 405


@pytest.mark.parametrize(
    "error, message",
    [
        (PermissionDenied("Not on this one."), "Not on this one."),
        (ValidationError(["Too long.", "Too late."]), "Too long. Too late."),
    ],
)
def test_admin_post_action_turns_a_refusal_into_a_message_and_a_redirect(error, message):
    request = make_request()
    response = action_that(error)(request)
    assert response.status_code == 302 and response.url == "/community/"
    assert texts(request) == [message]


def test_admin_post_action_returns_to_a_local_next_but_never_to_another_host():
    request = make_request(next="/admin/thing/?page=2")
    assert action_that(ValidationError("No."))(request).url == "/admin/thing/?page=2"
    request = make_request(next="https://evil.example/")
    assert action_that(ValidationError("No."))(request).url == "/community/"


def test_admin_post_action_keeps_the_view_name():
    assert action_that("done").__name__ == "act"


def menu_item(count=None) -> GuardedMenuItem:
    return GuardedMenuItem(
        "Queue",
        "/admin/queue/",
        shown_to=lambda user: getattr(user, "allowed", False),
        count=count,
        name="queue",
    )


def test_guarded_menu_item_is_shown_only_to_whom_the_rule_admits():
    assert menu_item().is_shown(make_request("get", user=Member(allowed=True)))
    assert not menu_item().is_shown(make_request("get", user=Member(allowed=False)))
    assert not menu_item().is_shown(make_request("get", user=AnonymousUser()))


def test_guarded_menu_item_label_says_how_many_wait():
    request = make_request("get")
    assert menu_item(count=lambda: 7).render_component(request).label == "Queue (7)"
    assert menu_item(count=lambda: 0).render_component(request).label == "Queue"
    assert menu_item().render_component(request).label == "Queue"


def test_guarded_viewset_menu_entry_points_at_its_first_screen_and_keeps_its_rule():
    from django.urls import path

    from core.admin import GuardedViewSet

    class QueueViewSet(GuardedViewSet):
        name = "forum"  # reuse a namespace the test URLs have, so menu_url resolves
        menu_label = "Queue"
        menu_name = "the-queue"
        icon = "warning"
        menu_shown_to = staticmethod(lambda user: getattr(user, "allowed", False))
        menu_count = staticmethod(lambda: 3)

        def get_urlpatterns(self):
            return [path("", lambda request: HttpResponse(), name="index")]

    item = QueueViewSet().get_menu_item(order=2)
    assert (item.url, item.name, item.icon_name, item.order) == ("/community/", "the-queue", "warning", 2)
    assert item.is_shown(make_request("get", user=Member(allowed=True)))
    assert not item.is_shown(make_request("get", user=Member(allowed=False)))
    assert item.render_component(make_request("get")).label == "Queue (3)"


def test_guarded_viewset_without_a_rule_is_shown_to_nobody():
    from core.admin import GuardedViewSet

    class Unsaid(GuardedViewSet):
        name = "forum"
        menu_label = "Unsaid"

        def get_urlpatterns(self):
            return []

        menu_url = "/admin/unsaid/"

    assert not Unsaid().get_menu_item().is_shown(make_request("get", user=Member(allowed=True)))
