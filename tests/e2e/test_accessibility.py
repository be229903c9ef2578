"""axe-core (vendored, tests/e2e/vendor) on every public page and every account page: no serious
or critical violation. The totals are printed (run with -s to see them)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.e2e.axe import blocking, run_axe, summarise
from tests.e2e.site_data import build_site, member_pages, public_pages
from tests.factories import PASSWORD


def _check(context, urls: list[str], label: str) -> None:
    page = context.new_page()
    totals: Counter = Counter()
    failures = []
    for url in urls:
        page.goto(url)
        page.wait_for_load_state()
        violations = run_axe(page)
        totals.update(summarise(violations))
        for violation in blocking(violations):
            failures.append((url, violation["id"], violation["impact"], violation["nodes"]))
        for width in (390,):
            page.set_viewport_size({"width": width, "height": 844})
            narrow = run_axe(page)
            totals.update(summarise(narrow))
            failures.extend((f"{url} @{width}px", v["id"], v["impact"], v["nodes"]) for v in blocking(narrow))
            page.set_viewport_size({"width": 1280, "height": 900})
    print(
        f"\naxe {label}: {len(urls)} pages at 1280 and 390 px, violations by impact: {dict(totals) or 'none'}"
    )
    assert not failures, failures


@pytest.fixture
def axe_context(browser, live_server, django_db_serialized_rollback):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_public_pages_have_no_serious_or_critical_axe_violations(axe_context):
    site = build_site()
    _check(axe_context, public_pages(site), "public pages (signed out)")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_account_pages_have_no_serious_or_critical_axe_violations(axe_context):
    site = build_site()
    page = axe_context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", site.asker.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    _check(axe_context, member_pages(site), "member and account pages (signed in)")
    # A form with errors, too: the sign-up form sent empty.
    page.context.clear_cookies()
    page.goto("/accounts/signup/")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert not blocking(run_axe(page))
