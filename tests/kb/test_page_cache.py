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


def _form_token(response) -> str:
    import re

    [token] = set(
        re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', response.content.decode())
    )
    return token


@pytest.mark.django_db
def test_an_article_is_cached_for_visitors_each_with_a_csrf_token_of_their_own(faq_index):
    """The article's "Was this helpful?" form carries a CSRF token: the page is kept with a hole
    there, and each visitor served from the cache gets a token that matches their own cookie,
    never another visitor's, and can vote with it."""
    from django.conf import settings
    from django.middleware.csrf import _unmask_cipher_token

    from kb.models import HelpfulVote

    article = make_article(make_section(faq_index, "Billing"), "How do I pay?")
    tokens = []
    for number in range(3):
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get(article.url)
        assert page[page_cache.HEADER] == ("miss" if number == 0 else "hit")
        token = _form_token(page)
        secret = page.cookies[settings.CSRF_COOKIE_NAME].value
        assert _unmask_cipher_token(token) == secret
        assert "\x00" not in page.content.decode()
        tokens.append(secret)
        # The token works: the vote is taken (the visitor gets a session with it).
        voted = visitor.post(f"/kb/helpful/{article.pk}/", {"helpful": "yes", "csrfmiddlewaretoken": token})
        assert voted.status_code == 302
    assert len(set(tokens)) == 3
    assert HelpfulVote.objects.filter(article_id=article.pk).count() == 3
    # A visitor who already holds a CSRF cookie keeps it: the hole is filled from it.
    returning = Client(enforce_csrf_checks=True)
    first = returning.get(article.url)
    secret = first.cookies[settings.CSRF_COOKIE_NAME].value
    again = returning.get(article.url)
    assert again[page_cache.HEADER] == "hit"
    assert _unmask_cipher_token(_form_token(again)) == secret


@pytest.mark.django_db
def test_the_kept_page_holds_no_visitors_token(faq_index, rf):
    """What the cache keeps has a hole where the token was; a page that shows the token
    anywhere else (a data attribute, a script) is not kept at all."""
    from django.middleware.csrf import _unmask_cipher_token, get_token

    request = rf.get("/faq/")
    token = get_token(request)
    secret = request.META["CSRF_COOKIE"]
    field = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    kept = page_cache._with_token_holes(request, f"<form>{field}</form><form>{field}</form>".encode())
    assert kept is not None and token.encode() not in kept and secret.encode() not in kept
    assert kept.count(page_cache._TOKEN_HOLE) == 2
    for elsewhere in (f'<div data-csrf="{get_token(request)}">', f"<script>var s = '{secret}';</script>"):
        assert _unmask_cipher_token(get_token(request)) == secret
        assert page_cache._with_token_holes(request, f"<form>{field}</form>{elsewhere}".encode()) is None
    # A page that used no token is kept as it is.
    plain = rf.get("/faq/")
    assert page_cache._with_token_holes(plain, b"<p>no form</p>") == b"<p>no form</p>"


@pytest.mark.django_db
def test_an_article_shows_its_source_topics_new_reply_at_once(faq_index, staff, answered_topic):
    from forum.services import posts as post_services

    billing = make_section(faq_index, "Billing")
    article = make_article(billing, "How do I change my plan?", source_topic=answered_topic)
    visitor = Client()
    before = visitor.get(article.url)
    assert visitor.get(article.url)[page_cache.HEADER] == "hit"
    answered_topic.refresh_from_db()
    count = answered_topic.reply_count
    assert "This answer grew out of" in before.content.decode()
    assert f"with {count + 1} repl" not in before.content.decode()
    post_services.post_create(author=staff, topic=answered_topic, source="One more way to do it.")
    after = visitor.get(article.url)
    assert after[page_cache.HEADER] == "miss"
    assert f"with {count + 1} repl" in after.content.decode()


@pytest.mark.django_db
def test_a_visitor_with_a_session_sees_their_own_vote_never_a_cached_page(faq_index):
    article = make_article(make_section(faq_index, "Billing"), "How do I pay?")
    Client().get(article.url)
    voter = Client()
    voter.post(f"/kb/helpful/{article.pk}/", {"helpful": "yes"})
    page = voter.get(article.url)
    assert not page.has_header(page_cache.HEADER)
    assert "Thanks for your feedback!" in page.content.decode()
    assert "Thanks for your feedback!" not in Client().get(article.url).content.decode()
