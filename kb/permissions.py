"""Who may publish FAQ pages.

With ``KB_EDITORS_MUST_REQUEST_REVIEW`` on (the default), Editors who are not also Staff cannot
publish FAQ pages themselves: Wagtail shows them "Submit to FAQ review" instead of "Publish",
and refuses a forged publish. Staff (and superusers) still publish directly. The rule sits in
the pages' permission tester, so every road Wagtail offers (the edit and create views' action
menus, bulk actions, scheduled publishing from the editor) asks it the same question.
"""

from __future__ import annotations

from django.conf import settings

from wagtail.models import PagePermissionTester

from accounts import roles


def must_request_review(user) -> bool:
    """True when ``user``'s FAQ changes go through review before they are published."""
    if not getattr(settings, "KB_EDITORS_MUST_REQUEST_REVIEW", True):
        return False
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return False
    return not roles.is_staff_member(user)


class ReviewedPagePermissionTester(PagePermissionTester):
    """Wagtail's tester, less the publish rights of people whose changes need review."""

    def __init__(self, user, page):
        super().__init__(user, page)
        self.review_required = must_request_review(user)

    def can_publish(self) -> bool:
        return not self.review_required and super().can_publish()

    def can_publish_subpage(self) -> bool:
        return not self.review_required and super().can_publish_subpage()

    def can_reorder_children(self) -> bool:
        return not self.review_required and super().can_reorder_children()


class ReviewedPublishing:
    """Mixed into the FAQ page models: their permission tester is the reviewed one."""

    def permissions_for_user(self, user):
        return ReviewedPagePermissionTester(user, self)
