import datetime
import re

from django.utils import timezone

import pytest

from forum.models import Topic, TopicEvent
from kb.models import FaqArticlePage
from kb.selectors import articles_due_for_review
from kb.services import topic_promote_to_faq
from tests.factories import PostFactory, staff_user
from tests.kb.conftest import make_article

REPORTS = [
    "/admin/faq/review/",
    "/admin/faq/least-helpful/",
    "/admin/faq/feedback/",
    "/admin/faq/candidates/",
]


@pytest.mark.django_db
def test_review_report_lists_articles_past_their_review_date(client, editor, section):
    today = timezone.localdate()
    make_article(section, "Overdue question", review_by=today - datetime.timedelta(days=1))
    make_article(section, "Fresh question", review_by=today + datetime.timedelta(days=30))
    make_article(section, "Undated question")
    assert [a.title for a in articles_due_for_review()] == ["Overdue question"]
    client.force_login(editor)
    html = client.get("/admin/faq/review/").content.decode()
    assert "Overdue question" in html and "Review date passed" in html
    assert "Fresh question" not in html and "Undated question" not in html


@pytest.mark.django_db
def test_review_report_lists_articles_whose_topic_got_a_new_official_answer(
    client, editor, staff, section, answered_topic
):
    article = topic_promote_to_faq(actor=editor, topic=answered_topic, section=section).article
    article.save_revision(user=editor).publish(user=staff)
    assert not articles_due_for_review().exists()

    staff = staff_user(username="support2")
    newer = PostFactory(topic=answered_topic, author=staff, is_official=True, source="The new way.")
    Topic.objects.filter(pk=answered_topic.pk).update(official_answer=newer)
    TopicEvent.objects.create(topic=answered_topic, actor=staff, kind=TopicEvent.Kind.OFFICIAL, post=newer)
    due = list(articles_due_for_review())
    assert [a.pk for a in due] == [article.pk] and due[0].new_official_answer and not due[0].review_overdue
    client.force_login(editor)
    html = client.get("/admin/faq/review/").content.decode()
    assert "New official answer" in html

    # Reviewing and republishing clears it.
    FaqArticlePage.objects.get(pk=article.pk).save_revision(user=editor).publish(user=staff)
    assert not articles_due_for_review().exists()


@pytest.mark.django_db
def test_review_report_ignores_drafts(section):
    make_article(
        section, "Draft overdue", publish=False, review_by=timezone.localdate() - datetime.timedelta(days=3)
    )
    assert not articles_due_for_review().exists()


@pytest.mark.django_db
def test_least_helpful_report_orders_by_share_of_yes(client, editor, section, django_assert_max_num_queries):
    good = make_article(section, "Loved article")
    bad = make_article(section, "Confusing article")
    meh = make_article(section, "Middling article")
    unvoted = make_article(section, "Unvoted article")
    FaqArticlePage.objects.filter(pk=good.pk).update(helpful_yes_count=9, helpful_no_count=1)
    FaqArticlePage.objects.filter(pk=bad.pk).update(helpful_yes_count=1, helpful_no_count=9)
    FaqArticlePage.objects.filter(pk=meh.pk).update(helpful_yes_count=5, helpful_no_count=5)
    client.force_login(editor)
    with django_assert_max_num_queries(40):
        html = client.get("/admin/faq/least-helpful/").content.decode()
    assert html.index("Confusing article") < html.index("Middling article") < html.index("Loved article")
    assert unvoted.title not in html
    assert "10%" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize("role", ["editor", "staff"])
def test_reports_open_to_editors_and_staff(client, request, url, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", REPORTS)
def test_reports_closed_to_moderators(client, moderator, url):
    client.force_login(moderator)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.django_db
@pytest.mark.parametrize("url", REPORTS)
def test_reports_closed_to_customers_and_anonymous(client, customer, url):
    assert client.get(url).status_code == 302
    client.force_login(customer)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_feedback_report_ignores_a_non_numeric_article_filter(client, editor):
    client.force_login(editor)
    assert client.get("/admin/faq/feedback/?article=abc").status_code == 200


@pytest.mark.django_db
def test_feedback_and_review_reports_query_counts(client, editor, section, django_assert_max_num_queries):
    from kb.models import HelpfulVote
    from tests.factories import UserFactory

    overdue = timezone.localdate() - datetime.timedelta(days=1)
    for n in range(10):
        article = make_article(section, f"Question {n}", review_by=overdue)
        HelpfulVote.objects.create(
            article=article, user=UserFactory(), helpful=False, comment=f"feedback-{n}-text"
        )
    client.force_login(editor)
    with django_assert_max_num_queries(25):
        assert (
            len(set(re.findall(r"feedback-\d+-text", client.get("/admin/faq/feedback/").content.decode())))
            == 10
        )
    with django_assert_max_num_queries(25):
        assert client.get("/admin/faq/review/").content.decode().count("Review date passed") == 10
