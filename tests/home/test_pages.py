from django.test import override_settings

import pytest

from accounts.models import User
from home.models import HomePage


@pytest.mark.django_db
def test_home_page_exists_and_is_the_site_root():
    from wagtail.models import Site

    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page.specific == home


@pytest.mark.django_db
def test_home_page_renders_search_box_ask_button_and_empty_states(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="search"' in html and 'name="q"' in html
    assert "Ask a question" in html
    assert "How can we help?" in html
    assert 'class="empty"' in html


@pytest.mark.django_db
def test_home_page_sends_content_security_policy_without_inline_script(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()


@pytest.mark.django_db
def test_header_shows_account_menu_when_signed_in(client, customer):
    client.force_login(customer)
    html = client.get("/").content.decode()
    assert customer.name in html and "Sign out" in html


@pytest.mark.django_db
def test_unknown_address_renders_the_404_page(client):
    response = client.get("/no-such-page-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "couldn't find that page" in html and 'class="site-header"' in html


def test_500_page_renders_without_database_or_context(rf):
    from home.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_server_error_is_rendered_by_the_handler(client, monkeypatch):
    from home import models as home_models

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(home_models.HomePage, "get_context", explode)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.django_db
def test_admin_login_page_sends_visitors_to_the_sites_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/admin/"


@pytest.mark.django_db
def test_user_model_is_custom():
    assert User._meta.label == "accounts.User"


@pytest.mark.django_db
def test_account_menu_links_to_admin_for_roles_only(client, customer, moderator):
    client.force_login(customer)
    assert 'href="/admin/"' not in client.get("/").content.decode()
    client.force_login(moderator)
    assert 'href="/admin/"' in client.get("/").content.decode()
