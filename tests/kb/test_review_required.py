"""Review is required for Editors (KB_EDITORS_MUST_REQUEST_REVIEW, on by default); Staff still
publish FAQ pages directly."""

from django.urls import reverse

from wagtail.actions.publish_page_revision import PublishPagePermissionError

import pytest

from kb.models import FaqArticlePage
from tests.kb.conftest import make_article


@pytest.fixture
def draft(section):
    return make_article(section, title="Draft article", publish=False)


@pytest.mark.django_db
def test_editors_cannot_publish_faq_pages_but_may_submit_them_for_review(editor, section, draft):
    perms = draft.permissions_for_user(editor)
    assert perms.can_edit() and not perms.can_publish()
    assert perms.can_submit_for_moderation()
    assert not section.permissions_for_user(editor).can_publish_subpage()
    assert section.permissions_for_user(editor).can_add_subpage()


@pytest.mark.django_db
def test_staff_still_publish_faq_pages(staff, section, draft):
    assert draft.permissions_for_user(staff).can_publish()
    assert section.permissions_for_user(staff).can_publish_subpage()
    draft.save_revision(user=staff).publish(user=staff)
    assert FaqArticlePage.objects.get(pk=draft.pk).live


@pytest.mark.django_db
def test_a_forged_publish_by_an_editor_is_refused(editor, draft):
    revision = draft.save_revision(user=editor)
    with pytest.raises(PublishPagePermissionError):
        revision.publish(user=editor)
    assert not FaqArticlePage.objects.get(pk=draft.pk).live


@pytest.mark.django_db
def test_the_setting_off_lets_editors_publish(settings, editor, draft):
    settings.KB_EDITORS_MUST_REQUEST_REVIEW = False
    assert draft.permissions_for_user(editor).can_publish()
    draft.save_revision(user=editor).publish(user=editor)
    assert FaqArticlePage.objects.get(pk=draft.pk).live


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "publish_shown"), [("editor", False), ("staff", True)])
def test_the_admin_editor_offers_publish_to_staff_only(client, request, draft, role, publish_shown):
    client.force_login(request.getfixturevalue(role))
    html = client.get(reverse("wagtailadmin_pages:edit", args=[draft.pk])).content.decode()
    assert ('name="action-publish"' in html) is publish_shown
    assert 'name="action-submit"' in html
