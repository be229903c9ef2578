from django.contrib.auth.models import Group

import pytest

from accounts import roles
from tests.factories import UserFactory


@pytest.mark.django_db
def test_role_groups_exist_with_admin_access():
    for name in (roles.STAFF, roles.MODERATORS, roles.EDITORS):
        group = Group.objects.get(name=name)
        assert group.permissions.filter(codename="access_admin").exists(), name


@pytest.mark.django_db
def test_role_checks_follow_group_membership(staff, moderator, editor, customer):
    assert roles.is_staff_member(staff) and not roles.is_staff_member(customer)
    assert roles.is_moderator(moderator) and not roles.is_moderator(customer)
    assert roles.is_editor(editor) and not roles.is_editor(staff)


@pytest.mark.django_db
def test_superuser_holds_every_role():
    admin = UserFactory(username="root", is_superuser=True)
    assert roles.is_staff_member(admin) and roles.is_moderator(admin) and roles.is_editor(admin)


@pytest.mark.django_db
def test_inactive_user_holds_no_role(staff):
    staff.is_active = False
    assert not roles.is_staff_member(staff)


def test_anonymous_holds_no_role():
    from django.contrib.auth.models import AnonymousUser

    assert not roles.is_staff_member(AnonymousUser())


@pytest.mark.django_db
def test_user_name_and_initials():
    user = UserFactory(username="jo_smith", display_name="")
    assert user.name == "jo_smith" and user.initials == "JS"
    user.display_name = "Jo Smith"
    assert str(user) == "Jo Smith"


@pytest.mark.django_db
def test_forum_moderators_cannot_publish_pages(moderator):
    from wagtail.models import Page

    home = Page.objects.get(depth=2)
    permissions = home.permissions_for_user(moderator)
    assert not permissions.can_publish()
    assert not permissions.can_edit()


@pytest.mark.django_db
def test_editors_can_edit_the_faq(editor):
    from kb.models import FaqIndexPage

    faq = FaqIndexPage.objects.get()
    assert faq.permissions_for_user(editor).can_edit()
