from django.core.exceptions import PermissionDenied

import pytest
from bs4 import BeautifulSoup

from forum import events
from forum.models import Topic, TopicEvent
from kb.models import FaqArticlePage
from kb.services import html_to_rich_text, topic_promote_to_faq
from tests.factories import PostFactory, TopicFactory
from tests.kb.conftest import make_answered_topic, make_section

SAFE_TAGS = {"p", "b", "i", "a", "code", "pre", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "br", "hr"}
HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<p style="color:red" onclick="steal()">styled</p>',
]


@pytest.mark.django_db
def test_promote_creates_a_prefilled_draft_in_the_section(editor, section, answered_topic):
    promotion = topic_promote_to_faq(actor=editor, topic=answered_topic, section=section)
    article = promotion.article
    assert promotion.created
    assert isinstance(article, FaqArticlePage)
    assert not article.live and article.has_unpublished_changes
    assert article.get_parent().specific == section
    assert article.title == "How do I change my plan?"
    assert "<b>Billing</b>" in article.answer
    assert "nothing" in article.question_context  # the question body is the context
    assert article.summary.startswith("Go to Billing")
    assert article.source_topic_id == answered_topic.pk
    assert article.source_answer_id == answered_topic.official_answer_id
    assert article.latest_revision is not None and article.latest_revision.user == editor
    answered_topic.refresh_from_db()
    assert answered_topic.faq_page_id == article.pk
    # A draft is not in the FAQ yet: the timeline says so only when it is published.
    assert not TopicEvent.objects.filter(topic=answered_topic, kind=TopicEvent.Kind.PROMOTED).exists()


@pytest.mark.django_db
def test_promote_prefers_the_official_answer_over_the_accepted_one(editor, section):
    topic = make_answered_topic(official="The official way.", accepted="The community way.")
    article = topic_promote_to_faq(actor=editor, topic=topic, section=section).article
    assert "The official way." in article.answer and "community way" not in article.answer


@pytest.mark.django_db
def test_promote_falls_back_to_the_accepted_answer(editor, section):
    topic = make_answered_topic(official=None, accepted="Restart the **agent**.")
    article = topic_promote_to_faq(actor=editor, topic=topic, section=section).article
    assert "<b>agent</b>" in article.answer
    assert article.source_answer_id == topic.accepted_answer_id


@pytest.mark.django_db
def test_promote_skips_a_hidden_official_answer(editor, section):
    topic = make_answered_topic(official="Hidden text.", accepted="Visible text.")
    topic.official_answer.is_hidden = True
    topic.official_answer.save()
    article = topic_promote_to_faq(actor=editor, topic=topic, section=section).article
    assert "Visible text." in article.answer and "Hidden" not in article.answer


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", HOSTILE)
def test_promote_never_lets_hostile_markup_into_rich_text(editor, section, hostile):
    topic = make_answered_topic(official=f"Before {hostile} after")
    article = topic_promote_to_faq(actor=editor, topic=topic, section=section).article
    soup = BeautifulSoup(article.answer, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name in SAFE_TAGS, tag
        assert set(tag.attrs) <= {"href", "data-block-key"}, tag
        if "href" in tag.attrs:
            assert tag["href"].startswith(("http://", "https://", "mailto:")), tag
    stored = article.answer
    assert "after" in stored


@pytest.mark.django_db
def test_promote_keeps_only_the_answer_features():
    from kb.models import ANSWER_FEATURES

    html = (
        "<h1>Big</h1><h6>Small</h6><table><tr><td>a</td><td>b</td></tr></table>"
        '<p><img src="https://example.com/p.png" alt="diagram"></p><pre><code>line 1\nline 2</code></pre>'
    )
    stored = html_to_rich_text(html, features=ANSWER_FEATURES)
    assert "<h2" in stored and "<h4" in stored and "<h1" not in stored and "<h6" not in stored
    assert "<table" not in stored and "a | b" in stored
    assert '<a href="https://example.com/p.png">diagram</a>' in stored
    assert "line 1\nline 2</pre>" in stored


@pytest.mark.django_db
def test_promoting_twice_returns_the_first_article(editor, staff, section, answered_topic):
    first = topic_promote_to_faq(actor=editor, topic=answered_topic, section=section)
    second = topic_promote_to_faq(actor=staff, topic=answered_topic, section=section)
    assert not second.created and second.article.pk == first.article.pk
    assert FaqArticlePage.objects.count() == 1


@pytest.mark.django_db
def test_promoting_a_draft_sends_no_topic_promoted(
    editor, section, answered_topic, django_capture_on_commit_callbacks
):
    """The asker's "now in the FAQ" notice would link to a draft, a 404 for them."""
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    events.topic_promoted.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            topic_promote_to_faq(actor=editor, topic=answered_topic, section=section)
    finally:
        events.topic_promoted.disconnect(receiver)
    assert received == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "staff"])
def test_promote_is_allowed_for_editors_and_staff(request, role, section, answered_topic):
    user = request.getfixturevalue(role)
    assert topic_promote_to_faq(actor=user, topic=answered_topic, section=section).created


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["customer", "moderator"])
def test_promote_is_denied_to_customers_and_moderators(request, role, section, answered_topic):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        topic_promote_to_faq(actor=user, topic=answered_topic, section=section)
    assert not FaqArticlePage.objects.exists()
    assert Topic.objects.get(pk=answered_topic.pk).faq_page_id is None


@pytest.mark.django_db
def test_promote_is_denied_for_a_topic_without_an_answer(editor, section):
    topic = TopicFactory()
    PostFactory(topic=topic)
    with pytest.raises(PermissionDenied, match="official or accepted answer"):
        topic_promote_to_faq(actor=editor, topic=topic, section=section)


@pytest.mark.django_db
def test_promote_copies_the_topic_tags(editor, section, answered_topic):
    answered_topic.tags.add("billing", "plans")
    article = topic_promote_to_faq(actor=editor, topic=answered_topic, section=section).article
    assert set(FaqArticlePage.objects.get(pk=article.pk).tags.names()) == {"billing", "plans"}


# --- the admin screens -------------------------------------------------------------------------


@pytest.mark.django_db
def test_candidates_report_lists_answered_unpromoted_topics_by_popularity(client, editor, section):
    low = make_answered_topic(title="Low popularity question")
    high = make_answered_topic(title="High popularity question")
    make_answered_topic(title="Hidden question", is_hidden=True)
    TopicFactory(title="Unanswered question")
    promoted = make_answered_topic(title="Already promoted question")
    topic_promote_to_faq(actor=editor, topic=promoted, section=section)
    Topic.objects.filter(pk=low.pk).update(popularity=1.0)
    Topic.objects.filter(pk=high.pk).update(popularity=9.0, nominated_for_faq=True)
    client.force_login(editor)
    html = client.get("/admin/faq/candidates/").content.decode()
    assert html.index("High popularity question") < html.index("Low popularity question")
    for absent in ("Hidden question", "Unanswered question", "Already promoted question"):
        assert absent not in html
    assert "Promote to FAQ" in html
    nominated = client.get("/admin/faq/candidates/?nominated=1").content.decode()
    assert "High popularity question" in nominated and "Low popularity question" not in nominated


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "staff"])
def test_candidates_report_is_open_to_editors_and_staff(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/admin/faq/candidates/").status_code == 200


@pytest.mark.django_db
def test_candidates_report_is_denied_to_moderators(client, moderator):
    """Wagtail turns a denied admin view into a redirect to the dashboard with the message."""
    client.force_login(moderator)
    response = client.get("/admin/faq/candidates/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert "do not have permission" in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_candidates_report_keeps_customers_out_of_the_admin(client, customer):
    client.force_login(customer)
    response = client.get("/admin/faq/candidates/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_faq_menu_is_shown_to_editors_not_moderators(client, editor, moderator):
    client.force_login(editor)
    assert "/admin/faq/candidates/" in client.get("/admin/").content.decode()
    client.force_login(moderator)
    assert "/admin/faq/candidates/" not in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_promote_view_asks_for_the_section_suggesting_the_categorys(
    client, editor, faq_index, answered_topic
):
    make_section(faq_index, "Other")
    tied = make_section(faq_index, "Plans", category=answered_topic.category)
    client.force_login(editor)
    response = client.get(f"/admin/faq/promote/{answered_topic.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{tied.pk}" selected>' in html


@pytest.mark.django_db
def test_promote_view_creates_the_draft_and_opens_the_editor(client, editor, section, answered_topic):
    client.force_login(editor)
    response = client.post(f"/admin/faq/promote/{answered_topic.pk}/", {"section": section.pk})
    article = FaqArticlePage.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/pages/{article.pk}/edit/"
    assert client.get(response["Location"]).status_code == 200
    again = client.get(f"/admin/faq/promote/{answered_topic.pk}/")
    assert again["Location"] == f"/admin/pages/{article.pk}/edit/"
    assert FaqArticlePage.objects.count() == 1


@pytest.mark.django_db
def test_promote_view_rejects_an_unknown_section(client, editor, section, answered_topic):
    client.force_login(editor)
    response = client.post(f"/admin/faq/promote/{answered_topic.pk}/", {"section": 999999})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not FaqArticlePage.objects.exists()


@pytest.mark.django_db
def test_promote_view_unknown_topic_is_404(client, editor):
    client.force_login(editor)
    assert client.get("/admin/faq/promote/999999/").status_code == 404


@pytest.mark.django_db
def test_promote_view_is_forbidden_to_moderators(client, moderator, section, answered_topic):
    client.force_login(moderator)
    response = client.post(f"/admin/faq/promote/{answered_topic.pk}/", {"section": section.pk})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not FaqArticlePage.objects.exists()


@pytest.mark.django_db
def test_promote_view_without_sections_explains_what_to_do(client, editor, faq_index, answered_topic):
    client.force_login(editor)
    html = client.get(f"/admin/faq/promote/{answered_topic.pk}/").content.decode()
    assert "The FAQ has no sections yet" in html


@pytest.mark.django_db
def test_promote_view_for_a_topic_without_answer_goes_back_with_a_message(client, editor, section):
    topic = TopicFactory()
    client.force_login(editor)
    response = client.get(f"/admin/faq/promote/{topic.pk}/", follow=True)
    assert "Only topics with an official or accepted answer" in response.content.decode()


@pytest.mark.django_db
def test_promoted_draft_is_editable_by_staff_in_the_admin(client, staff, section, answered_topic):
    article = topic_promote_to_faq(actor=staff, topic=answered_topic, section=section).article
    client.force_login(staff)
    html = client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    assert "How do I change my plan?" in html and "Feedback" in html


@pytest.mark.django_db
def test_promote_summary_is_readable_plain_text(editor, section):
    topic = make_answered_topic(
        official="Open **Billing → Invoices**, pick a range.\n\n- then *Download all*"
    )
    article = topic_promote_to_faq(actor=editor, topic=topic, section=section).article
    assert article.summary == "Open Billing → Invoices, pick a range. then Download all"


@pytest.mark.django_db
def test_promote_summary_of_a_long_answer_stops_at_a_sentence(editor, section):
    sentence = "This sentence explains one more step of the long procedure in detail. "
    topic = make_answered_topic(official=sentence * 12)
    article = topic_promote_to_faq(actor=editor, topic=topic, section=section).article
    assert len(article.summary) <= 300 and article.summary.endswith("detail.")


@pytest.mark.django_db
def test_candidates_report_query_count_does_not_grow_with_topics(
    client, editor, django_assert_max_num_queries
):
    for n in range(20):
        make_answered_topic(title=f"Answered question number {n}")
    client.force_login(editor)
    with django_assert_max_num_queries(25):
        response = client.get("/admin/faq/candidates/")
    assert response.content.decode().count("Promote to FAQ") == 20


@pytest.mark.django_db
def test_a_duplicate_is_never_a_promotion_candidate(section):
    from kb.selectors import promotion_candidates

    original = make_answered_topic(title="Original question")
    duplicate = make_answered_topic(title="Duplicate question")
    Topic.objects.filter(pk=duplicate.pk).update(duplicate_of=original, status=Topic.Status.DUPLICATE)
    assert list(promotion_candidates()) == [original]
