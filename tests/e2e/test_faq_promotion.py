"""An editor turns a community answer into an FAQ article; a customer then finds it.

The tests need what migrations lay down (the home page, /faq/, the roles, their page
permissions and workflow). Another live-server test may have flushed the database before, so
``site_data`` lays it down again when it is missing (the migrations' own functions, which are
idempotent)."""

import os
import re

import pytest

from forum.models import Topic
from kb.models import FaqArticlePage, FaqIndexPage, FaqSectionPage
from tests.factories import CategoryFactory, PostFactory, TopicFactory, UserFactory, editor_user, staff_user

SHOTS = os.environ.get("KB_SHOTS_DIR")


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def site_data(db):
    from importlib import import_module

    from django.apps import apps
    from django.conf import settings

    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from home.models import HomePage

    import_module("accounts.migrations.0002_roles").create_roles(apps, None)
    if not HomePage.objects.exists():
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        home = root.add_child(instance=HomePage(title="Home", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
        )
    import_module("kb.migrations.0002_faq_index").create_faq(apps, None)


@pytest.fixture
def community(site_data):
    """A FAQ section and an answered community topic, the kind the demo has."""
    category = CategoryFactory(name="Billing", slug="billing")
    index = FaqIndexPage.objects.get()
    section = FaqSectionPage(title="Billing and plans", slug="billing", category=category)
    index.add_child(instance=section)
    section.save_revision().publish()
    topic = TopicFactory(
        title="Can I switch from monthly to yearly billing?",
        category=category,
        body="I pay monthly. Can I move to **yearly** billing without losing my data?",
        view_count=420,
        metoo_count=9,
        popularity=42.0,
    )
    answer = PostFactory(
        topic=topic,
        author=staff_user(username="support"),
        is_official=True,
        source="Yes. Open **Billing → Plan**, choose *Yearly* and confirm.\n\n<script>alert('x')</script>",
    )
    Topic.objects.filter(pk=topic.pk).update(official_answer=answer, reply_count=1)
    return topic


@pytest.mark.django_db(transaction=True)
def test_editor_promotes_a_topic_and_a_customer_finds_the_article(page, login, community):
    editor = editor_user(username="eddie")
    login(editor)

    # The candidates report lists the topic; promote it.
    page.goto("/admin/faq/candidates/")
    row = page.locator("tr", has_text="Can I switch from monthly to yearly billing?")
    _shot(page, "admin-candidates")
    row.get_by_role("link", name="Promote to FAQ").click()
    page.wait_for_url(re.compile(r"/admin/faq/promote/\d+/"))
    assert page.locator("select[name=section] option:checked").inner_text() == "Billing and plans"
    page.get_by_role("button", name="Create draft article").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/edit/"))

    article = FaqArticlePage.objects.get(source_topic=community)
    assert not article.live
    assert "<script" not in article.answer

    # Edit the summary and submit it to the FAQ review (editors do not publish directly).
    summary = page.locator("input[name=summary]")
    summary.fill("Yes: choose Yearly under Billing → Plan; the change is prorated.")
    assert page.locator("button[name=action-publish]").count() == 0
    page.locator(".footer .w-dropdown__toggle, footer .w-dropdown__toggle").first.click()
    page.locator("button[name=action-submit]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    article.refresh_from_db()
    assert not article.live and article.workflow_in_progress
    # Staff approve it (the admin's "Approve and publish" runs this).
    article.current_workflow_task_state.approve(user=staff_user(username="reviewer"))
    article.refresh_from_db()
    assert article.live and article.summary.startswith("Yes: choose Yearly")
    assert Topic.objects.get(pk=community.pk).status == Topic.Status.SOLVED

    # A customer finds it in the FAQ...
    page.context.clear_cookies()
    login(UserFactory(username="casey"))
    page.goto("/faq/")
    page.get_by_role("link", name="Billing and plans").first.click()
    page.get_by_role("link", name="Can I switch from monthly to yearly billing?").click()
    assert page.url.endswith(article.url)
    assert page.get_by_role("heading", level=1).inner_text() == "Can I switch from monthly to yearly billing?"
    assert page.get_by_text("From a community discussion").is_visible()
    _shot(page, "article-published")

    # ...votes on it (in place, with JavaScript)...
    page.get_by_role("button", name="Yes").click()
    page.get_by_role("heading", name="Thanks for your feedback!").wait_for()
    assert page.get_by_text("Glad it helped.").is_visible()
    assert FaqArticlePage.objects.get(pk=article.pk).helpful_yes_count == 1

    # ...sees the banner on the topic...
    page.goto(community.get_absolute_url())
    banner = page.locator(".faq-banner")
    assert "This is answered in our FAQ" in banner.inner_text()
    banner.get_by_role("link").click()
    assert page.url.endswith(article.url)

    # ...and finds it from search, above the community topic.
    page.goto("/search/?q=yearly+billing")
    results = page.locator("main a[href]")
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert article.url in hrefs
    topic_links = [h for h in hrefs if h and h.startswith(f"/community/t/{community.pk}/")]
    assert topic_links, "the community topic is found too"
    assert hrefs.index(article.url) < hrefs.index(topic_links[0])
    _shot(page, "search")


@pytest.mark.django_db(transaction=True)
def test_anonymous_visitor_says_no_and_explains_why(page, site_data):
    from kb.models import HelpfulVote

    index = FaqIndexPage.objects.get()
    section = FaqSectionPage(title="Mobile app", slug="mobile-app")
    index.add_child(instance=section)
    section.save_revision().publish()
    article = FaqArticlePage(
        title="How do I turn on camera uploads?", summary="In Settings.", answer="<p>Open Settings.</p>"
    )
    section.add_child(instance=article)
    article.save_revision().publish()

    page.goto(article.url)
    assert not page.locator("form[data-kb-comment]").is_visible()
    page.get_by_role("button", name="No").click()
    comment = page.locator("form[data-kb-comment] textarea")
    comment.wait_for()
    comment.fill("My phone is Android, the steps show iOS screens.")
    page.locator("form[data-kb-comment]").get_by_role("button", name="Send").click()
    page.get_by_text("we'll use this to improve the article").wait_for()
    vote = HelpfulVote.objects.get(article=article)
    assert not vote.helpful and vote.comment.startswith("My phone is Android")
    assert FaqArticlePage.objects.get(pk=article.pk).helpful_no_count == 1


@pytest.mark.django_db(transaction=True)
def test_visitors_served_the_cached_article_vote_in_place(
    browser, live_server, django_db_serialized_rollback, site_data
):
    """Anonymous visitors get the article from the page cache (a CSRF token of their own in its
    form): each one's "Yes" is taken in place by kb.js, in a browser with its own cookies."""
    from forum import cache as page_cache
    from kb.models import HelpfulVote
    from tests.kb.conftest import make_article

    section = FaqSectionPage(title="Accounts", slug="accounts")
    FaqIndexPage.objects.get().add_child(instance=section)
    section.save_revision().publish()
    article = make_article(section, "How do I reset my password?")
    seen = []
    for _ in range(2):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
        page = context.new_page()
        response = page.goto(article.url)
        seen.append(response.headers.get(page_cache.HEADER.lower()))
        page.get_by_role("button", name="Yes").click()
        page.get_by_text("Glad it helped.").wait_for()
        context.close()
    assert seen == ["miss", "hit"]
    assert HelpfulVote.objects.filter(article_id=article.pk, helpful=True).count() == 2
