from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

import pytest

from forum.services import views as view_counting
from home.models import HomePage
from kb.models import FaqArticlePage, FaqIndexPage, FaqSectionPage
from kb.services import FAQ_VIEWS
from tests.factories import TopicFactory
from tests.kb.conftest import make_article, make_section


class TestFaqPageTree(WagtailPageTestCase):
    """Which page types go where."""

    def test_faq_index_lives_only_under_the_home_page(self):
        self.assertAllowedParentPageTypes(FaqIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(HomePage, {FaqIndexPage})

    def test_sections_live_only_under_the_index(self):
        self.assertAllowedParentPageTypes(FaqSectionPage, {FaqIndexPage})
        self.assertAllowedSubpageTypes(FaqIndexPage, {FaqSectionPage})

    def test_articles_live_only_in_sections_and_have_no_children(self):
        self.assertAllowedParentPageTypes(FaqArticlePage, {FaqSectionPage})
        self.assertAllowedSubpageTypes(FaqSectionPage, {FaqArticlePage})
        self.assertAllowedSubpageTypes(FaqArticlePage, set())

    def test_page_types_cannot_be_created_in_the_wrong_place(self):
        self.assertCanNotCreateAt(HomePage, FaqSectionPage)
        self.assertCanNotCreateAt(HomePage, FaqArticlePage)
        self.assertCanNotCreateAt(FaqIndexPage, FaqArticlePage)
        self.assertCanNotCreateAt(Page, FaqIndexPage)
        self.assertCanCreateAt(FaqIndexPage, FaqSectionPage)
        self.assertCanCreateAt(FaqSectionPage, FaqArticlePage)

    def test_only_one_faq_index(self):
        index = FaqIndexPage.objects.get()
        self.assertFalse(FaqIndexPage.can_create_at(index.get_parent()))

    def test_editor_creates_an_article_through_the_admin(self):
        from tests.factories import editor_user

        index = FaqIndexPage.objects.get()
        section = make_section(index)
        self.client.force_login(editor_user(username="ed"))
        self.assertCanCreate(
            section,
            FaqArticlePage,
            nested_form_data(
                {
                    "title": "How do I export my data?",
                    "slug": "export-data",
                    "summary": "Use Settings → Export.",
                    "question_context": rich_text(""),
                    "answer": rich_text("<p>Open Settings.</p>"),
                    "tags": "",
                    "related_article_links": inline_formset([]),
                    "related_topic_links": inline_formset([]),
                    "comments": inline_formset([]),
                }
            ),
            publish=False,  # editors' articles go to review (KB_EDITORS_MUST_REQUEST_REVIEW)
        )
        self.assertFalse(FaqArticlePage.objects.get(slug="export-data").live)


@pytest.mark.django_db
def test_fresh_site_serves_the_faq_at_slash_faq(client):
    index = FaqIndexPage.objects.get()
    assert index.live and index.url == "/faq/"
    assert index.get_parent().specific == Site.objects.get(is_default_site=True).root_page.specific
    response = client.get("/faq/")
    assert response.status_code == 200
    assert "Frequently asked questions" in response.content.decode()


@pytest.mark.django_db
def test_faq_index_shows_every_section_and_the_most_viewed_articles(
    client, faq_index, django_assert_max_num_queries
):
    billing = make_section(faq_index, "Billing")
    empty = make_section(faq_index, "Security")
    popular = make_article(billing, "How do I pay?")
    quiet = make_article(billing, "Can I pay yearly?")
    FaqArticlePage.objects.filter(pk=popular.pk).update(view_count=500)
    FaqArticlePage.objects.filter(pk=quiet.pk).update(view_count=3)
    make_article(billing, "Draft question", publish=False)
    with django_assert_max_num_queries(30):
        html = client.get("/faq/").content.decode()
    assert "Billing" in html and "Security" in html
    assert html.index("How do I pay?") < html.index("Can I pay yearly?")
    assert "Draft question" not in html
    assert "No articles here yet." in html  # the empty section says so
    assert empty.title in html


@pytest.mark.django_db
def test_faq_index_empty_state(client, faq_index):
    html = client.get("/faq/").content.decode()
    assert "The FAQ is being written" in html


@pytest.mark.django_db
def test_section_lists_pinned_articles_first_then_by_popularity(
    client, section, django_assert_max_num_queries
):
    low = make_article(section, "Low traffic question")
    high = make_article(section, "High traffic question")
    pinned = make_article(section, "Pinned question", order=1)
    FaqArticlePage.objects.filter(pk=low.pk).update(view_count=1)
    FaqArticlePage.objects.filter(pk=high.pk).update(view_count=99)
    FaqArticlePage.objects.filter(pk=pinned.pk).update(view_count=0)
    with django_assert_max_num_queries(25):
        html = client.get(section.url).content.decode()
    assert (
        html.index("Pinned question")
        < html.index("High traffic question")
        < html.index("Low traffic question")
    )
    assert 'aria-label="Breadcrumb"' in html and ">Frequently asked questions<" in html


@pytest.mark.django_db
def test_section_without_articles_shows_an_empty_state(client, section):
    assert "No articles in this section yet." in client.get(section.url).content.decode()


@pytest.mark.django_db
def test_article_page_renders_question_answer_breadcrumbs_and_helpful_form(
    client, article, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        response = client.get(article.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "How do I pay?" in html and "Use a card." in html
    assert ">Billing</a>" in html  # breadcrumb to the section
    assert "Was this helpful?" in html and 'name="csrfmiddlewaretoken"' in html
    assert "js/kb.js" in html


@pytest.mark.django_db
def test_article_views_are_counted_once_per_visitor(client, article):
    client.get(article.url)
    client.get(article.url)
    article.refresh_from_db()
    assert article.view_count == 0  # buffered in the cache: no write on a view
    assert view_counting.pending_view_count(article.pk, kind=FAQ_VIEWS) == 1
    assert view_counting.flush_view_counts() == 1
    article.refresh_from_db()
    assert article.view_count == 1
    assert view_counting.pending_view_count(article.pk, kind=FAQ_VIEWS) == 0


@pytest.mark.django_db
def test_an_article_view_writes_nothing_to_the_database(client, article):
    client.get(article.url)
    other = Client(REMOTE_ADDR="198.51.100.20")
    with CaptureQueriesContext(connection) as queries:
        assert other.get(article.url).status_code == 200
    writes = [
        q["sql"]
        for q in queries
        if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))
    ]
    assert writes == []
    assert view_counting.pending_view_count(article.pk, kind=FAQ_VIEWS) == 2


@pytest.mark.django_db
def test_topic_and_article_views_flush_together(client, article):
    topic = TopicFactory()
    client.get(article.url)
    client.get(topic.get_absolute_url())
    assert view_counting.flush_view_counts() == 2
    article.refresh_from_db()
    topic.refresh_from_db()
    assert (article.view_count, topic.view_count) == (1, 1)


@pytest.mark.django_db
def test_draft_article_is_not_served(client, section):
    draft = make_article(section, "Secret draft", publish=False)
    assert client.get("/faq/billing/" + draft.slug + "/").status_code == 404


@pytest.mark.django_db
def test_publishing_an_old_revision_keeps_live_counters(article):
    revision = article.save_revision()
    FaqArticlePage.objects.filter(pk=article.pk).update(
        view_count=42, helpful_yes_count=7, helpful_no_count=2
    )
    revision.publish()
    article.refresh_from_db()
    assert (article.view_count, article.helpful_yes_count, article.helpful_no_count) == (42, 7, 2)


@pytest.mark.django_db
def test_article_search_fields_boost_the_question():
    fields = {(type(f).__name__, f.field_name): f for f in FaqArticlePage.get_search_fields()}
    assert fields[("SearchField", "title")].boost == 5
    assert ("SearchField", "summary") in fields and ("SearchField", "answer") in fields


@pytest.mark.django_db
def test_home_sections_lists_popular_live_articles(article, section):
    from kb.selectors import home_sections

    make_article(section, "Unpublished", publish=False)
    popular = home_sections(None)["popular_articles"]
    assert [a.title for a in popular] == ["How do I pay?"]
    assert popular[0].url == article.url and popular[0].summary == "Pay by card."


@pytest.mark.django_db
def test_home_page_shows_popular_faq_articles(client, article):
    html = client.get("/").content.decode()
    assert "How do I pay?" in html


@pytest.mark.django_db
def test_review_by_and_order_are_optional(section):
    article = make_article(section, "Q", review_by=timezone.localdate(), order=None)
    assert article.review_by is not None


@pytest.mark.django_db
def test_previews_do_not_count_as_views(article):
    response = article.make_preview_request()
    assert response.status_code == 200 and "Use a card." in response.content.decode()
    assert FaqArticlePage.objects.get(pk=article.pk).view_count == 0


@pytest.mark.django_db
def test_copying_an_article_starts_fresh(article):
    from tests.kb.conftest import make_answered_topic

    topic = make_answered_topic()
    FaqArticlePage.objects.filter(pk=article.pk).update(
        view_count=10, helpful_yes_count=3, source_topic=topic
    )
    article = FaqArticlePage.objects.get(pk=article.pk)
    copy = article.copy(update_attrs={"slug": "copy", "title": "Copy"})
    assert (copy.view_count, copy.helpful_yes_count, copy.source_topic_id) == (0, 0, None)


@pytest.mark.django_db
def test_faq_index_costs_the_same_queries_with_two_sections_or_six(client, faq_index, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.FORUM_PAGE_CACHE_SECONDS = 0  # measure the rendering, not the cache

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/faq/").status_code == 200
        return len(captured.captured_queries)

    for n in range(2):
        make_article(make_section(faq_index, f"Section {n}"), f"Question {n}?")
    queries()  # first request: per-process lookups (site root paths) that later ones reuse
    two = queries()
    for n in range(2, 6):
        section = make_section(faq_index, f"Section {n}")
        for m in range(5):
            make_article(section, f"Question {n}.{m}?")
    assert queries() == two


@pytest.mark.django_db
def test_top_articles_keeps_each_sections_order_and_at_most_n(faq_index):
    from kb import models as kb_models

    billing = make_section(faq_index, "Billing")
    security = make_section(faq_index, "Security")
    empty = make_section(faq_index, "Empty")
    pinned = make_article(billing, "Pinned billing question", order=1)
    busy = make_article(billing, "Busy billing question")
    quiet = make_article(billing, "Quiet billing question")
    make_article(billing, "Draft billing question", publish=False)
    FaqArticlePage.objects.filter(pk=busy.pk).update(view_count=50)
    FaqArticlePage.objects.filter(pk=pinned.pk).update(view_count=0)
    only = make_article(security, "Security question")
    tops = kb_models.top_articles([billing, security, empty], 2)
    assert [a.pk for a in tops[billing.pk]] == [pinned.pk, busy.pk]
    assert [a.pk for a in tops[security.pk]] == [only.pk]
    assert tops[empty.pk] == []
    assert quiet.pk not in [a.pk for a in tops[billing.pk]]
    assert kb_models.top_articles([], 4) == {} and kb_models.top_articles([billing], 0) == {}


@pytest.mark.django_db
def test_faq_index_and_sections_are_cached_for_anonymous_visitors_until_a_page_changes(
    client, faq_index, settings, tmp_path
):
    from forum import cache as page_cache

    settings.FORUM_PAGE_CACHE_STAMP = tmp_path / "stamp"
    settings.FORUM_PAGE_CACHE_SECONDS = 300
    billing = make_section(faq_index, "Billing")
    make_article(billing, "How do I pay?")
    for url in ("/faq/", billing.url):
        assert client.get(url).get(page_cache.HEADER) == "miss"
        assert client.get(url).get(page_cache.HEADER) == "hit"
    make_article(billing, "Can I pay yearly?")
    fresh = client.get("/faq/")
    assert fresh.get(page_cache.HEADER) == "miss" and "Can I pay yearly?" in fresh.content.decode()
    assert "Can I pay yearly?" in client.get(billing.url).content.decode()


@pytest.mark.django_db
def test_faq_index_is_never_cached_for_signed_in_visitors(client, faq_index, customer, settings, tmp_path):
    from forum import cache as page_cache

    settings.FORUM_PAGE_CACHE_STAMP = tmp_path / "stamp"
    settings.FORUM_PAGE_CACHE_SECONDS = 300
    client.force_login(customer)
    client.get("/faq/")
    assert client.get("/faq/").get(page_cache.HEADER) is None
