"""Search engines: sitemap, robots.txt, canonical/OpenGraph/Twitter tags, JSON-LD and noindex."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parses the site's own sitemap
from datetime import timedelta

from django.contrib.sites.models import Site
from django.utils import timezone

import extruct
import pytest

from forum.models import Topic
from forum.services import posts as post_services
from tests.factories import CategoryFactory, PostFactory, TopicFactory, UserFactory
from tests.kb.conftest import make_article, make_section

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ROOT = "http://community.example"


@pytest.fixture
def faq_index(db):
    from kb.models import FaqIndexPage

    return FaqIndexPage.objects.get()


@pytest.fixture(autouse=True)
def _site(db):
    Site.objects.update_or_create(pk=1, defaults={"domain": "community.example", "name": "Acme"})


def json_ld(response) -> list[dict]:
    return extruct.extract(response.content.decode(), syntaxes=["json-ld"], uniform=False)["json-ld"]


def of_type(items: list[dict], kind: str) -> dict:
    found = [item for item in items if item.get("@type") == kind]
    assert len(found) == 1, [item.get("@type") for item in items]
    return found[0]


def locations(response) -> list[str]:
    tree = ET.fromstring(response.content)  # noqa: S314
    return [el.text for el in tree.findall(".//s:loc", NS)]


@pytest.fixture
def answered(staff):
    category = CategoryFactory(name="Billing", slug="billing")
    asker = UserFactory(username="asker", display_name="Asker Ann")
    topic = TopicFactory(
        title="How do I get an invoice?", category=category, author=asker, body="Where are **invoices**?"
    )
    official = PostFactory(topic=topic, author=staff, source="Open Billing, then Invoices.", is_official=True)
    other = PostFactory(
        topic=topic, author=UserFactory(username="helper"), source="I found it under Account."
    )
    hidden = PostFactory(topic=topic, source="Buy cheap pills at spam.example", is_hidden=True)
    Topic.objects.filter(pk=topic.pk).update(reply_count=2, metoo_count=4)
    topic.refresh_from_db()
    post_services.post_mark_official(actor=staff, post=official)
    official.refresh_from_db()
    type(official).objects.filter(pk=official.pk).update(vote_count=7)
    return {"topic": topic, "official": official, "other": other, "hidden": hidden}


# --- JSON-LD -----------------------------------------------------------------------------


def test_topic_with_official_answer_is_a_qapage_with_googles_required_properties(client, answered, moderator):
    topic = answered["topic"]
    for _ in range(2):  # rendered, then served from the anonymous page cache
        items = json_ld(client.get(topic.get_absolute_url()))
        page = of_type(items, "QAPage")
        question = page["mainEntity"]
        assert question["@type"] == "Question"
        assert question["name"] == "How do I get an invoice?"
        assert question["text"] == "Where are invoices?"
        assert question["answerCount"] == 2
        assert question["upvoteCount"] == 4
        assert question["author"] == {"@type": "Person", "name": "Asker Ann", "url": f"{ROOT}/u/asker/"}
        assert question["datePublished"].startswith(str(topic.created_at.date()))
        accepted = question["acceptedAnswer"]
        assert accepted["@type"] == "Answer" and accepted["text"] == "Open Billing, then Invoices."
        assert accepted["upvoteCount"] == 7 and accepted["author"]["name"]
        assert accepted["url"] == f"{ROOT}{topic.get_absolute_url()}#post-{answered['official'].pk}"
        assert accepted["datePublished"]
        suggested = question["suggestedAnswer"]
        assert [a["text"] for a in suggested] == ["I found it under Account."]
        assert "spam.example" not in str(items)
        crumbs = of_type(items, "BreadcrumbList")["itemListElement"]
        assert [c["name"] for c in crumbs] == ["Home", "Community", "Billing", "How do I get an invoice?"]
        assert crumbs[2]["item"] == f"{ROOT}/community/billing/" and crumbs[0]["position"] == 1


def test_topic_with_accepted_and_official_answers_lists_both_as_accepted(client, answered):
    topic, other = answered["topic"], answered["other"]
    post_services.post_accept(actor=topic.author, post=other)
    question = of_type(json_ld(client.get(topic.get_absolute_url())), "QAPage")["mainEntity"]
    assert {a["text"] for a in question["acceptedAnswer"]} == {
        "Open Billing, then Invoices.",
        "I found it under Account.",
    }
    assert "suggestedAnswer" not in question


def test_topic_without_answer_is_a_discussion_forum_posting(client, db):
    topic = TopicFactory(title="Dark mode please", kind="idea")
    PostFactory(topic=topic, source="Yes, my eyes hurt.")
    items = json_ld(client.get(topic.get_absolute_url()))
    assert not [i for i in items if i["@type"] == "QAPage"]
    posting = of_type(items, "DiscussionForumPosting")
    assert posting["headline"] == "Dark mode please"
    assert posting["author"]["name"] and posting["datePublished"] and posting["text"]
    assert [c["text"] for c in posting["comment"]] == ["Yes, my eyes hurt."]
    of_type(items, "BreadcrumbList")


def test_json_ld_escapes_script_breaking_text(client, db):
    title = "</script><script>alert(1)</script> & <b>co</b>"
    topic = TopicFactory(title=title, body="Body with </script> inside")
    response = client.get(topic.get_absolute_url())
    html = response.content.decode()
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\\u003C/script\\u003E" in block
    posting = of_type(json_ld(response), "DiscussionForumPosting")
    assert posting["headline"] == title


def test_members_pages_carry_no_structured_data(client, answered, moderator):
    client.force_login(moderator)
    response = client.get(answered["topic"].get_absolute_url())
    assert b"Buy cheap pills" in response.content  # the moderator sees the hidden reply
    assert json_ld(response) == []
    assert b'<link rel="canonical"' in response.content


def test_hidden_topic_has_no_structured_data_and_says_noindex(client, moderator):
    topic = TopicFactory(title="Spam topic", is_hidden=True)
    client.force_login(moderator)
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    assert json_ld(response) == []
    assert b'<meta name="robots" content="noindex">' in response.content


def test_faq_article_is_a_faqpage_with_breadcrumbs(client, faq_index):
    section = make_section(faq_index, "Billing")
    article = make_article(section, "How do I pay?", answer="<p>Use a <b>card</b> &amp; save.</p>")
    items = json_ld(client.get(article.url))
    faq = of_type(items, "FAQPage")
    question = faq["mainEntity"][0]
    assert question["@type"] == "Question" and question["name"] == "How do I pay?"
    assert question["acceptedAnswer"] == {
        "@type": "Answer",
        "text": "Use a card & save.",
        "url": f"{ROOT}{article.url}",
    }
    crumbs = of_type(items, "BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs][-2:] == ["Billing", "How do I pay?"]
    assert all(c["item"].startswith(ROOT) for c in crumbs)
    section_items = json_ld(client.get(section.url))
    assert [i["@type"] for i in section_items] == ["BreadcrumbList"]


# --- head tags and noindex ----------------------------------------------------------------


def test_topic_page_has_canonical_opengraph_and_twitter_tags(client, answered):
    topic = answered["topic"]
    html = client.get(topic.get_absolute_url() + "?utm_source=x&page=1").content.decode()
    url = f"{ROOT}{topic.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:title" content="How do I get an invoice?">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:description" content="Where are invoices?">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    assert 'name="robots"' not in html


def test_canonical_keeps_later_pages_and_drops_filters(client, db):
    CategoryFactory(slug="billing")
    html = client.get("/community/?kind=idea&page=3").content.decode()
    assert f'<link rel="canonical" href="{ROOT}/community/?page=3">' in html


@pytest.mark.parametrize(
    ("age_days", "answered_topic", "noindex"),
    [(400, False, True), (10, False, False), (400, True, False)],
)
def test_noindex_on_unanswered_topics_older_than_the_setting(
    client, settings, staff, age_days, answered_topic, noindex
):
    settings.SEO_NOINDEX_UNANSWERED_DAYS = 180
    topic = TopicFactory(created_at=timezone.now() - timedelta(days=age_days))
    if answered_topic:
        post_services.post_create(author=staff, topic=topic, source="Staff answer here.")
    html = client.get(topic.get_absolute_url()).content.decode()
    assert ('<meta name="robots" content="noindex">' in html) is noindex
    sitemap = client.get("/sitemap.xml")
    assert (f"{ROOT}{topic.get_absolute_url()}" in locations(sitemap)) is not noindex


def test_search_and_account_pages_say_noindex(client, db):
    for url in ("/search/?q=invoice", "/accounts/login/"):
        assert b'<meta name="robots" content="noindex">' in client.get(url).content, url


# --- sitemap and robots.txt -----------------------------------------------------------------


def test_sitemap_lists_visible_topics_categories_and_live_faq_pages_with_lastmod(client, answered, faq_index):
    hidden = TopicFactory(title="Hidden topic", is_hidden=True)
    section = make_section(faq_index, "Billing")
    article = make_article(section, "How do I pay?")
    draft = make_article(section, "A draft", publish=False)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    tree = ET.fromstring(response.content)  # noqa: S314
    assert tree.tag == f"{{{NS['s']}}}urlset"
    found = locations(response)
    topic = answered["topic"]
    assert f"{ROOT}{topic.get_absolute_url()}" in found
    assert f"{ROOT}/community/billing/" in found
    assert f"{ROOT}{article.url}" in found and f"{ROOT}/faq/" in found
    assert f"{ROOT}{hidden.get_absolute_url()}" not in found
    assert not [loc for loc in found if draft.slug in loc]
    assert all(loc.startswith(ROOT + "/") for loc in found)
    lastmods = {url.find("s:loc", NS).text: url.find("s:lastmod", NS) for url in tree.findall("s:url", NS)}
    for path in (topic.get_absolute_url(), "/community/billing/", article.url):
        assert lastmods[f"{ROOT}{path}"] is not None, path
    assert lastmods[f"{ROOT}{topic.get_absolute_url()}"].text == str(topic.last_activity_at.date())


def test_sitemap_becomes_an_index_of_sections_beyond_the_limit(client, settings, db):
    settings.SITEMAP_LIMIT = 2
    category = CategoryFactory(slug="billing")
    topics = [TopicFactory(category=category) for _ in range(5)]
    response = client.get("/sitemap.xml")
    tree = ET.fromstring(response.content)  # noqa: S314
    assert tree.tag == f"{{{NS['s']}}}sitemapindex"
    parts = locations(response)
    assert f"{ROOT}/sitemap-topics.xml" in parts
    assert f"{ROOT}/sitemap-topics.xml?p=2" in parts and f"{ROOT}/sitemap-topics.xml?p=3" in parts
    assert f"{ROOT}/sitemap-topics.xml?p=4" not in parts
    listed = []
    for part in [p for p in parts if "topics" in p]:
        page = client.get(part.removeprefix(ROOT))
        assert page.status_code == 200
        assert len(locations(page)) <= 2
        listed += locations(page)
    assert sorted(listed) == sorted(f"{ROOT}{t.get_absolute_url()}" for t in topics)
    assert client.get("/sitemap-nothing.xml").status_code == 404
    assert client.get("/sitemap-topics.xml?p=99").status_code == 404


def test_robots_txt_names_the_sitemap_and_keeps_private_pages_out(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert f"Sitemap: {ROOT}/sitemap.xml" in text
    for rule in (
        "Disallow: /search/",
        "Disallow: /accounts/",
        "Disallow: /admin/",
        "Disallow: /community/preview/",
    ):
        assert rule in text.splitlines()
    assert "Disallow: /community/\n" not in text and "Disallow: /faq/" not in text
