"""The site at 390 × 844 (a phone): a one-row header with a menu button that is a proper
disclosure, one search box on the home page, and no page that scrolls sideways. Plus the
avatar that fills its circle and the topic list's filters that apply on change."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.e2e.site_data import build_site, member_pages, public_pages
from tests.factories import PASSWORD

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server, django_db_serialized_rollback):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, device_scale_factor=1)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


def _sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def _check_header(page) -> None:
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 72, header
    button = page.locator(".menu-toggle")
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    menu = page.locator("#" + button.get_attribute("aria-controls"))
    assert not menu.is_visible()
    assert page.get_by_role("button", name="Menu").count() == 1
    button.click()
    assert button.get_attribute("aria-expanded") == "true" and menu.is_visible()
    assert menu.get_by_role("link", name="Community").is_visible()
    menu.get_by_role("link", name="FAQ").focus()
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false" and not menu.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_phone_header_is_one_row_with_a_disclosure_menu(phone):
    site = build_site()
    phone.goto("/community/")
    _check_header(phone)
    _sign_in(phone, site.asker)
    phone.goto("/community/")
    _check_header(phone)
    assert phone.locator(".site-header .notif-link").is_visible()  # the bell stays in the row


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_wide_screens_keep_the_full_header_without_a_menu_button(page, login):
    site = build_site()
    login(site.asker)
    page.goto("/community/")
    assert not page.locator(".menu-toggle").is_visible()
    assert page.locator(".site-header").bounding_box()["height"] <= 72
    for name in ("FAQ", "Community"):
        assert page.locator(".main-nav").get_by_role("link", name=name).is_visible()
    assert page.locator(".account-menu summary").is_visible() and page.locator("#header-q").is_visible()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_phone_home_page_has_one_search_box(phone):
    build_site()
    phone.goto("/")
    assert phone.locator("input[type=search]").count() == 1
    assert phone.get_by_role("search").count() == 1
    assert phone.locator("#home-q").is_visible()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_page_scrolls_sideways_on_a_phone(phone):
    site = build_site()
    wide = []

    def visit(urls):
        for url in urls:
            phone.goto(url)
            width = phone.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide.append((url, width))

    visit(public_pages(site))
    _sign_in(phone, site.asker)
    visit(member_pages(site))
    phone.locator(".menu-toggle").click()  # the open menu does not widen the page either
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not wide, wide


def _png(color=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), color).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_uploaded_avatar_fills_its_circle(page, tmp_path):
    from accounts.services import avatar_process
    from tests.factories import UserFactory

    member = UserFactory(username="pictured")
    member.avatar.save("a.jpg", avatar_process(io.BytesIO(_png())), save=True)
    picture = tmp_path / "avatar.jpg"
    member.avatar.open("rb")
    picture.write_bytes(member.avatar.read())
    member.avatar.close()
    # Media files are served by the web server in production; here the browser is given them.
    page.route("**/media/**", lambda route: route.fulfill(path=str(picture), content_type="image/jpeg"))
    page.goto(f"/u/{member.username}/")
    circle = page.locator(".profile-card .avatar").first
    image = circle.locator("img")
    image.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    outer, inner = circle.bounding_box(), image.bounding_box()
    for key in ("x", "y", "width", "height"):
        assert abs(outer[key] - inner[key]) <= 0.5, (key, outer, inner)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_topic_filters_apply_on_change_with_short_addresses(page):
    build_site()
    page.goto("/community/")
    assert not page.locator(".filter-bar button[type=submit]").is_visible()  # no "Apply" needed
    page.select_option("#f-kind", "idea")
    page.wait_for_url("**/community/?kind=idea")
    assert "Dark mode for the web dashboard" in page.content()
    page.select_option("#f-sort", "newest")
    page.wait_for_url("**/community/?kind=idea&sort=newest")
    page.check("input[name=unanswered]")
    page.wait_for_url("**/community/?kind=idea&sort=newest&unanswered=1")
    page.select_option("#f-kind", "")
    page.wait_for_url("**/community/?sort=newest&unanswered=1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_topic_filters_work_without_javascript(browser, live_server, django_db_serialized_rollback):
    build_site()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/community/")
    page.select_option("#f-kind", "idea")
    page.click(".filter-bar button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/community/?kind=idea")
    assert "Dark mode for the web dashboard" in page.content()
    context.close()
