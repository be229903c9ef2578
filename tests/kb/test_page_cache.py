"""The FAQ and the page cache (forum/cache.py): publishing expires the FAQ's pages and the
topic an article answers, through Wagtail's own signals; FAQ views and helpful votes expire
nothing."""

from django.test import Client

import pytest

from forum import cache as page_cache
from forum.services.views import flush_view_counts
from kb import services
from tests.factories import TopicFactory, UserFactory
from tests.kb.conftest import make_article, make_section


@pytest.mark.django_db
def test_publishing_an_article_refreshes_the_faq_pages_and_its_topic_but_no_other_topic(
    client, faq_index, editor, staff, answered_topic, django_capture_on_commit_callbacks
):
    billing = make_section(faq_index, "Billing")
    make_article(billing, "How do I pay?")
    other = TopicFactory(title="Unrelated topic about printers")
    member = Client()
    member.force_login(UserFactory(username="reader"))
    addresses = ("/faq/", billing.url, answered_topic.get_absolute_url(), other.get_absolute_url())
    for url in addresses:
        client.get(url)
        assert client.get(url)[page_cache.HEADER] == "hit"
        member.get(url)

    draft = services.topic_promote_to_faq(actor=editor, topic=answered_topic, section=billing).article
    with django_capture_on_commit_callbacks(execute=True):
        # Editors submit for review (KB_EDITORS_MUST_REQUEST_REVIEW); staff publish.
        draft.save_revision(user=editor).publish(user=staff)

    for url in ("/faq/", billing.url):
        fresh = client.get(url)
        assert fresh[page_cache.HEADER] == "miss" and draft.title in fresh.content.decode()
    topic_url = answered_topic.get_absolute_url()
    anon = client.get(topic_url)
    assert anon[page_cache.HEADER] == "miss" and "answered in our FAQ" in anon.content.decode()
    assert "answered in our FAQ" in member.get(topic_url).content.decode()
    assert client.get(other.get_absolute_url())[page_cache.HEADER] == "hit"


@pytest.mark.django_db
def test_faq_views_and_helpful_votes_expire_nothing(client, faq_index, answered_topic):
    billing = make_section(faq_index, "Billing")
    article = make_article(billing, "How do I pay?")
    topic_url = answered_topic.get_absolute_url()
    for url in ("/faq/", billing.url, topic_url, "/community/"):
        client.get(url)
    reader = Client()
    assert reader.get(article.url).status_code == 200  # an anonymous view, counted
    assert flush_view_counts() == 2  # the article's view and the topic's
    article.refresh_from_db()
    assert article.view_count == 1
    voter = UserFactory(username="voter")
    services.article_vote_helpful(
        article=article,
        visitor=services.Visitor(user=voter, session_key="", address="10.0.0.1"),
        helpful=True,
    )
    for url in ("/faq/", billing.url, topic_url, "/community/"):
        assert client.get(url)[page_cache.HEADER] == "hit"
