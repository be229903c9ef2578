import pytest

from kb.models import FaqArticlePage, HelpfulVote
from kb.services import HELPFUL_RATE_LIMIT
from tests.factories import UserFactory
from tests.kb.conftest import make_article


def _vote(client, article, choice, **headers):
    return client.post(f"/kb/helpful/{article.pk}/", {"helpful": choice}, **headers)


def _counts(article):
    article = FaqArticlePage.objects.get(pk=article.pk)
    return article.helpful_yes_count, article.helpful_no_count


@pytest.mark.django_db
def test_signed_in_visitor_votes_once(client, customer, article):
    client.force_login(customer)
    first = _vote(client, article, "yes")
    assert first.status_code == 302 and first["Location"] == f"{article.url}#helpful"
    _vote(client, article, "no")
    assert _counts(article) == (1, 0)
    assert HelpfulVote.objects.get().user == customer


@pytest.mark.django_db
def test_anonymous_visitor_votes_once_per_session(client, article):
    _vote(client, article, "no")
    _vote(client, article, "yes")
    assert _counts(article) == (0, 1)
    vote = HelpfulVote.objects.get()
    assert vote.user is None and vote.session_key == client.session.session_key


@pytest.mark.django_db
def test_counts_are_exact_across_many_visitors(client_factory, article):
    for n in range(5):
        c = client_factory()
        c.force_login(UserFactory(username=f"voter{n}"))
        _vote(c, article, "yes" if n % 2 == 0 else "no")
    for _ in range(3):
        _vote(client_factory(), article, "yes")
    assert _counts(article) == (6, 2)
    assert HelpfulVote.objects.count() == 8


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


@pytest.mark.django_db
def test_vote_answers_json_for_scripts(client, article):
    response = _vote(client, article, "no", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] and data["created"] and data["ask_comment"] and not data["helpful"]
    again = _vote(client, article, "no", HTTP_ACCEPT="application/json").json()
    assert again["ok"] and not again["created"] and "already" in again["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["", "maybe", "YES", "<script>"])
def test_vote_rejects_bad_choices(client, article, bad):
    response = _vote(client, article, bad, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "Yes" in response.json()["message"]
    assert not HelpfulVote.objects.exists() and _counts(article) == (0, 0)


@pytest.mark.django_db
def test_vote_on_unknown_or_draft_article_is_404(client, section):
    draft = make_article(section, "Draft", publish=False)
    assert client.post("/kb/helpful/999999/", {"helpful": "yes"}).status_code == 404
    assert client.post(f"/kb/helpful/{draft.pk}/", {"helpful": "yes"}).status_code == 404


@pytest.mark.django_db
def test_vote_requires_post(client, article):
    assert client.get(f"/kb/helpful/{article.pk}/").status_code == 405


@pytest.mark.django_db
def test_vote_requires_csrf(article):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert _vote(client, article, "yes").status_code == 403
    assert not HelpfulVote.objects.exists()


@pytest.mark.django_db
def test_comment_on_no_is_kept_as_plain_text(client, article):
    _vote(client, article, "no")
    response = client.post(
        f"/kb/helpful/{article.pk}/comment/",
        {"comment": "Steps <script>alert(1)</script> don't match **the UI**"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200 and response.json()["ok"]
    comment = HelpfulVote.objects.get().comment
    assert "<script" not in comment and "the UI" in comment


@pytest.mark.django_db
def test_comment_too_long_is_refused_with_a_clear_message(client, article):
    _vote(client, article, "no")
    response = client.post(
        f"/kb/helpful/{article.pk}/comment/", {"comment": "x" * 501}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and "under 500 characters" in response.json()["message"]
    assert HelpfulVote.objects.get().comment == ""


@pytest.mark.django_db
def test_comment_needs_a_no_vote_first(client, article):
    response = client.post(
        f"/kb/helpful/{article.pk}/comment/", {"comment": "hello"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and "first" in response.json()["message"]
    _vote(client, article, "yes")
    response = client.post(
        f"/kb/helpful/{article.pk}/comment/", {"comment": "hello"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and "did not help" in response.json()["message"]


@pytest.mark.django_db
def test_empty_comment_is_refused(client, article):
    _vote(client, article, "no")
    response = client.post(f"/kb/helpful/{article.pk}/comment/", {"comment": "   "})
    assert response.status_code == 302
    assert HelpfulVote.objects.get().comment == ""


@pytest.mark.django_db
def test_no_vote_without_javascript_then_shows_the_comment_form(client, article):
    response = _vote(client, article, "no")
    html = client.get(response["Location"].split("#")[0]).content.decode()
    assert "What was missing" in html and "data-kb-comment hidden" not in html
    assert "Thanks for your feedback" in html


@pytest.mark.django_db
def test_voting_is_rate_limited(client, section):
    articles = [make_article(section, f"Question {n}") for n in range(HELPFUL_RATE_LIMIT + 1)]
    for article in articles[:HELPFUL_RATE_LIMIT]:
        assert _vote(client, article, "yes", HTTP_ACCEPT="application/json").status_code == 200
    response = _vote(client, articles[-1], "yes", HTTP_ACCEPT="application/json")
    assert response.status_code == 429 and "try again later" in response.json()["message"]
    assert HelpfulVote.objects.count() == HELPFUL_RATE_LIMIT


@pytest.mark.django_db
def test_feedback_panel_and_report_show_counts_and_comments(client, editor, article):
    _vote(client, article, "no")
    client.post(f"/kb/helpful/{article.pk}/comment/", {"comment": "Missing the EU steps"})
    client.force_login(editor)
    edit = client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    assert "Not helpful" in edit and "Missing the EU steps" in edit
    report = client.get(f"/admin/faq/feedback/?article={article.pk}&comments=1").content.decode()
    assert "Missing the EU steps" in report
