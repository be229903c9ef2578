from datetime import timedelta

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

import pytest

from forum.models import Category, Follow, Post, PostRevision, Topic
from forum.services import posts as post_services
from forum.services import topics as topic_services
from tests.factories import CategoryFactory, PostFactory, TopicFactory, UserFactory

ASK = reverse("forum:ask")


@pytest.fixture
def category(db):
    return CategoryFactory(name="Billing", slug="billing", description="Invoices, plans and payments.")


def _ask_data(cat, **overrides):
    data = {
        "title": "How do I download all my invoices?",
        "source": "I need every invoice from 2025 as PDF for my accountant.",
        "kind": "question",
        "category": str(cat.pk),
        "tags": "invoices, export",
        "website": "",
        "form_token": "a" * 32,
    }
    data.update(overrides)
    return data


# --- the list ---------------------------------------------------------------------------


def test_topic_list_shows_rows_with_kind_status_counts_and_answer_marks(client, category, staff):
    answered = TopicFactory(category=category, title="Where is my invoice for March?")
    reply = PostFactory(topic=answered, author=staff)
    post_services.post_mark_official(actor=staff, post=reply)
    TopicFactory(category=category, title="Dark mode for the dashboard please", kind="idea")
    html = client.get(reverse("forum:index")).content.decode()
    assert "Where is my invoice for March?" in html and "Dark mode for the dashboard please" in html
    assert "✓ Official answer" in html and "badge-answered" in html and "Idea" in html
    assert "2 topics" in html


def test_topic_list_hides_hidden_topics_except_for_moderators(client, category, moderator):
    TopicFactory(category=category, title="A visible topic about billing", is_hidden=False)
    TopicFactory(category=category, title="A hidden spam topic for sale", is_hidden=True)
    html = client.get(reverse("forum:index")).content.decode()
    assert "A visible topic" in html and "hidden spam" not in html
    client.force_login(moderator)
    html = client.get(reverse("forum:index")).content.decode()
    assert "hidden spam" in html and "badge-hidden" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "idea"}, {"idea"}),
        ({"status": "answered"}, {"answered"}),
        ({"unanswered": "1"}, {"question", "idea"}),
        ({"tag": "ios"}, {"tagged"}),
    ],
)
def test_topic_list_filters(client, category, staff, params, expected):
    titles = {
        "question": TopicFactory(category=category, title="question: plain open question"),
        "idea": TopicFactory(category=category, title="idea: an idea for the product", kind="idea"),
        "answered": TopicFactory(category=category, title="answered: with an official answer"),
        "tagged": TopicFactory(category=category, title="tagged: with a tag on it"),
    }
    post_services.post_mark_official(actor=staff, post=PostFactory(topic=titles["answered"], author=staff))
    Topic.objects.filter(pk=titles["answered"].pk).update(has_staff_reply=True)
    Topic.objects.filter(pk=titles["tagged"].pk).update(has_staff_reply=True)
    titles["tagged"].tags.add("iOS")
    html = client.get(reverse("forum:index"), params).content.decode()
    shown = {key for key, topic in titles.items() if topic.title in html}
    assert shown == expected


def test_topic_list_sorts_by_newest_metoo_and_votes(client, category):
    now = timezone.now()
    old = TopicFactory(category=category, title="Older but popular topic", metoo_count=9, vote_count=1)
    new = TopicFactory(category=category, title="Newer but quiet topic", metoo_count=0, vote_count=5)
    Topic.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=3), last_activity_at=now)
    Topic.objects.filter(pk=new.pk).update(created_at=now, last_activity_at=now - timedelta(days=1))

    def order(sort):
        html = client.get(reverse("forum:index"), {"sort": sort}, follow=True).content.decode()
        return html.index("Older but popular") < html.index("Newer but quiet")

    assert order("activity") and not order("newest") and order("metoo") and not order("votes")


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "nonsense"},
        {"status": "<script>alert(1)</script>"},
        {"sort": "drop table"},
        {"category": "no-such-category"},
        {"tag": "../../etc"},
        {"page": "999"},
        {"page": "abc"},
        {"unanswered": "maybe"},
    ],
)
def test_topic_list_survives_unknown_filters(client, category, params):
    TopicFactory(category=category, title="Still listed whatever you filter")
    response = client.get(reverse("forum:index"), params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    if set(params) & {"kind", "status", "sort", "category", "tag"}:
        assert "ignored" in html


def test_topic_list_paginates(client, category, settings):
    settings.FORUM_TOPICS_PER_PAGE = 3
    for n in range(7):
        TopicFactory(category=category, title=f"Paginated topic number {n}")
    html = client.get(reverse("forum:index"), {"page": 3}).content.decode()
    assert html.count('class="topic-row kind-') == 1 and 'aria-current="page">3<' in html


def test_category_page_lists_only_its_topics_and_404s_unknown(client, category):
    other = CategoryFactory(name="Mobile app", slug="mobile-app")
    TopicFactory(category=category, title="Billing topic in its category")
    TopicFactory(category=other, title="Mobile topic somewhere else")
    html = client.get(category.get_absolute_url()).content.decode()
    assert "Billing topic" in html and "Mobile topic" not in html and "Invoices, plans" in html
    assert client.get("/community/no-such-place/").status_code == 404


def test_category_follow_button_follows_and_unfollows(client, category, customer):
    client.force_login(customer)
    html = client.get(category.get_absolute_url()).content.decode()
    assert "Follow category" in html
    client.post(reverse("forum:category_follow", args=[category.slug]))
    assert Follow.objects.filter(user=customer, category=category).exists()
    assert "✓ Following" in client.get(category.get_absolute_url()).content.decode()
    client.post(reverse("forum:category_unfollow", args=[category.slug]))
    assert not Follow.objects.filter(user=customer, category=category).exists()


def test_topic_list_query_count_is_fixed(client, category, django_assert_max_num_queries, settings):
    settings.FORUM_TOPICS_PER_PAGE = 25
    for n in range(30):
        topic = TopicFactory(category=category if n % 2 else CategoryFactory(), title=f"Counting queries {n}")
        topic.tags.add("tag-a", "tag-b")
    with django_assert_max_num_queries(5):
        response = client.get(reverse("forum:index"))
    assert response.status_code == 200


def test_topic_list_query_count_signed_in_moderator(
    client, category, moderator, django_assert_max_num_queries
):
    for n in range(30):
        TopicFactory(category=category, title=f"Counting queries {n}").tags.add("x")
    client.force_login(moderator)
    # session, user, groups, two permission look-ups and the unread count come from the layout
    with django_assert_max_num_queries(10):
        response = client.get(reverse("forum:index"))
    assert response.status_code == 200


def test_rss_feeds_list_recent_visible_topics(client, category):
    TopicFactory(category=category, title="Feed topic visible to all")
    TopicFactory(category=category, title="Feed topic hidden by mods", is_hidden=True)
    xml = client.get(reverse("forum:feed")).content.decode()
    assert "Feed topic visible to all" in xml and "hidden by mods" not in xml
    xml = client.get(reverse("forum:category_feed", args=[category.slug])).content.decode()
    assert "Feed topic visible to all" in xml
    assert client.get("/community/nowhere/feed/").status_code == 404


# --- asking -------------------------------------------------------------------------------


def test_ask_creates_topic_follows_and_redirects(client, customer, category):
    client.force_login(customer)
    response = client.post(ASK, _ask_data(category))
    topic = Topic.objects.get()
    assert response.status_code == 302 and response["Location"] == topic.get_absolute_url()
    assert topic.author == customer and topic.category == category
    assert sorted(topic.tags.names()) == ["export", "invoices"]
    assert Follow.objects.filter(user=customer, topic=topic).exists()


def test_ask_page_includes_similar_questions_after_title_and_honeypot(client, customer, category):
    client.force_login(customer)
    html = client.get(ASK).content.decode()
    assert 'class="hp-field"' in html and 'name="website"' in html and 'name="form_token"' in html
    assert html.index('name="title"') < html.index('name="source"')
    assert 'data-preview-url="/community/preview/"' in html and 'name="preview"' in html


def test_ask_double_submit_with_same_token_creates_one_topic(client, customer, category):
    client.force_login(customer)
    first = client.post(ASK, _ask_data(category))
    second = client.post(ASK, _ask_data(category))
    assert Topic.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_ask_identical_resubmit_without_token_redirects_to_existing(client, customer, category):
    client.force_login(customer)
    client.post(ASK, _ask_data(category, form_token=""))
    response = client.post(ASK, _ask_data(category, form_token=""))
    assert Topic.objects.count() == 1
    assert response["Location"] == Topic.objects.get().get_absolute_url()


def test_ask_honeypot_silently_rejects(client, customer, category):
    client.force_login(customer)
    response = client.post(ASK, _ask_data(category, website="http://spam.example"))
    assert response.status_code == 302 and not Topic.objects.exists()


def test_ask_preview_button_rerenders_with_preview_and_saves_nothing(client, customer, category):
    client.force_login(customer)
    response = client.post(ASK, _ask_data(category, source="Some **bold** words", preview="1"))
    html = response.content.decode()
    assert response.status_code == 200 and "<strong>bold</strong>" in html
    assert "Some **bold** words" in html and not Topic.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "short"}, "at least 10 characters"),
        ({"title": "x" * 201}, "under 200 characters"),
        ({"title": ""}, "Give your question a title"),
        ({"source": ""}, "the text is empty"),
        ({"source": "x" * 20001}, "under 20,000 characters"),
        ({"category": ""}, "Choose a category"),
        ({"category": "999999"}, "Choose one of the listed categories"),
        ({"kind": "rant"}, "Choose one of the listed kinds"),
        ({"tags": "a,b,c,d,e,f"}, "at most 5 tags"),
        ({"tags": "y" * 40}, "under 30 characters"),
        ({"tags": "<b>bold</b>"}, "not a valid tag"),
    ],
)
def test_ask_bad_input_shows_clear_error_and_saves_nothing(client, customer, category, overrides, message):
    client.force_login(customer)
    response = client.post(ASK, _ask_data(category, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Topic.objects.exists() and not Post.objects.exists()


def test_ask_is_rate_limited_with_a_clear_message(client, customer, category, settings):
    settings.FORUM_POST_RATE_LIMIT = "1/m"
    cache.clear()
    client.force_login(customer)
    client.post(ASK, _ask_data(category, form_token="b" * 32))
    response = client.post(ASK, _ask_data(category, title="A second different question", form_token="c" * 32))
    assert response.status_code == 429 and "posting very quickly" in response.content.decode()
    assert Topic.objects.count() == 1


def test_preview_endpoint_renders_sanitised_html(client, customer):
    client.force_login(customer)
    response = client.post(reverse("forum:preview"), {"source": "**hi** <script>alert(1)</script>"})
    html = response.json()["html"]
    assert "<strong>hi</strong>" in html and "<script" not in html
    too_long = client.post(reverse("forum:preview"), {"source": "x" * 20001})
    assert too_long.status_code == 400 and "20,000" in too_long.json()["error"]
    client.logout()
    assert client.post(reverse("forum:preview"), {"source": "x"}).status_code == 403
    assert client.get(reverse("forum:preview")).status_code == 405


# --- the topic page -----------------------------------------------------------------------


def test_topic_short_and_wrong_slug_redirect_to_canonical(client, category):
    topic = TopicFactory(category=category, title="Where do I change my plan?")
    canonical = topic.get_absolute_url()
    assert canonical == f"/community/t/{topic.pk}/where-do-i-change-my-plan/"
    response = client.get(reverse("forum:topic_short", args=[topic.pk]))
    assert response.status_code in (301, 302) and response["Location"] == canonical
    response = client.get(f"/community/t/{topic.pk}/old-slug/?page=2")
    assert response["Location"] == canonical + "?page=2"
    assert client.get("/community/t/999999/").status_code == 404
    assert client.get("/community/t/999999/x/").status_code == 404


def test_post_permalink_lands_on_the_right_page(client, category, settings):
    settings.FORUM_POSTS_PER_PAGE = 5
    topic = TopicFactory(category=category)
    replies = [PostFactory(topic=topic, created_at=timezone.now() + timedelta(seconds=n)) for n in range(12)]
    response = client.get(reverse("forum:post", args=[replies[11].pk]))
    assert response["Location"] == f"{topic.get_absolute_url()}?page=3#post-{replies[11].pk}"
    response = client.get(reverse("forum:post", args=[replies[0].pk]))
    assert response["Location"] == f"{topic.get_absolute_url()}#post-{replies[0].pk}"
    response = client.get(reverse("forum:post", args=[topic.first_post_id]))
    assert response["Location"] == f"{topic.get_absolute_url()}#post-{topic.first_post_id}"
    page = client.get(f"{topic.get_absolute_url()}?page=3").content.decode()
    assert f'id="post-{replies[11].pk}"' in page


def test_topic_page_shows_official_and_accepted_answers_first_with_labels(client, customer, staff):
    topic = TopicFactory(author=customer, title="Sync stopped after the update")
    PostFactory(topic=topic, source="Me too, same here.")
    official = post_services.post_create(author=staff, topic=topic, source="Official fix: re-login.")
    accepted = PostFactory(topic=topic, source="What worked for me: reinstall.")
    post_services.post_mark_official(actor=staff, post=official)
    post_services.post_accept(actor=customer, post=accepted)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Official answer from Acme<" in html and "Accepted by the asker" in html
    assert "Official answer from Acme Community" not in html
    answers = html.index('class="answers"')
    assert answers < html.index("Me too, same here.")
    assert html.index("Official fix", answers) < html.index('id="replies-heading"')
    assert 'class="badge badge-staff"' in html
    assert 'data-status="answered"' in html


def test_topic_page_one_reply_both_official_and_accepted_is_one_card(client, customer, staff):
    topic = TopicFactory(author=customer)
    reply = post_services.post_create(author=staff, topic=topic, source="The one true answer.")
    post_services.post_mark_official(actor=staff, post=reply)
    post_services.post_accept(actor=customer, post=reply)
    html = client.get(topic.get_absolute_url()).content.decode()
    section = html[html.index('class="answers"') : html.index('id="replies-heading"')]
    assert section.count("<article") == 1
    assert "Official answer from" in section and "Accepted by the asker" in section


def test_topic_page_timeline_duplicates_and_lock_notice(client, staff):
    original = TopicFactory(title="How to export contacts to CSV?")
    dup = TopicFactory(title="Exporting contacts as a spreadsheet")
    topic_services.topic_mark_duplicate(actor=staff, topic=dup, original=original)
    html = client.get(dup.get_absolute_url()).content.decode()
    assert "This is a duplicate." in html and original.get_absolute_url() in html
    assert 'action="/community/topics/' not in html.split('id="reply"')[1].split("</section>")[0]
    assert "marked this topic as a duplicate of" in html and staff.name in html
    html = client.get(original.get_absolute_url()).content.decode()
    assert "Also asked as" in html and "Exporting contacts as a spreadsheet" in html
    topic_services.topic_lock(actor=staff, topic=original)
    html = client.get(original.get_absolute_url()).content.decode()
    assert "This topic is locked." in html and "locked this topic" in html


def test_topic_page_shows_reply_form_to_participants_only(client, customer):
    topic = TopicFactory()
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Sign in</a> or" in html and 'name="source"' not in html
    client.force_login(customer)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert 'name="source"' in html and 'class="hp-field"' in html
    client.force_login(UserFactory(is_banned=True))
    html = client.get(topic.get_absolute_url()).content.decode()
    assert 'name="source"' not in html and "suspended" in html


def test_topic_page_hides_hidden_posts_from_others_and_marks_them_for_moderators(client, moderator):
    topic = TopicFactory()
    author = UserFactory()
    PostFactory(topic=topic, author=author, source="Buy cheap watches now", is_hidden=True)
    assert "cheap watches" not in client.get(topic.get_absolute_url()).content.decode()
    client.force_login(author)
    assert "cheap watches" in client.get(topic.get_absolute_url()).content.decode()
    client.force_login(moderator)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "cheap watches" in html and "badge-hidden" in html


def test_hidden_topic_is_refused_to_others(client, customer, moderator):
    topic = TopicFactory(is_hidden=True)
    client.force_login(customer)
    assert client.get(topic.get_absolute_url()).status_code == 403
    client.force_login(moderator)
    assert client.get(topic.get_absolute_url()).status_code == 200


def test_topic_page_calls_record_view(client, monkeypatch, db):
    calls = []
    monkeypatch.setattr("forum.services.views.topic_record_view", lambda **kw: calls.append(kw))
    topic = TopicFactory()
    client.get(topic.get_absolute_url())
    assert calls and calls[0]["topic"].pk == topic.pk


def test_topic_page_sends_csp_without_unsafe_inline(client, db):
    topic = TopicFactory()
    for url in (topic.get_absolute_url(), reverse("forum:index")):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy


@pytest.mark.parametrize("signed_in", ["anonymous", "customer", "staff"])
def test_topic_page_query_count_does_not_depend_on_replies(
    client, staff, customer, signed_in, django_assert_max_num_queries, settings
):
    settings.FORUM_POSTS_PER_PAGE = 30
    topic = TopicFactory(author=customer)
    topic.tags.add("billing", "export")
    authors = [UserFactory() for _ in range(10)] + [staff]
    now = timezone.now()
    Post.objects.bulk_create(
        [
            Post(
                topic=topic,
                author=authors[n % len(authors)],
                source=f"reply {n}",
                html=f"<p>reply {n}</p>",
                text=f"reply {n}",
                created_at=now + timedelta(seconds=n),
                edit_count=n % 3,
                is_official=authors[n % len(authors)] == staff,
            )
            for n in range(200)
        ]
    )
    replies = list(Post.objects.filter(topic=topic).exclude(pk=topic.first_post_id))
    post_services.post_mark_official(actor=staff, post=replies[150])
    post_services.post_accept(actor=staff, post=replies[3])
    topic_services.topic_lock(actor=staff, topic=topic)
    if signed_in != "anonymous":
        client.force_login(staff if signed_in == "staff" else customer)
    # The first page of a process also reads the Sites record (the canonical link's domain),
    # which Django then keeps in memory.
    with django_assert_max_num_queries(9 if signed_in == "anonymous" else 21):
        response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    with django_assert_max_num_queries(8 if signed_in == "anonymous" else 20):
        response = client.get(topic.get_absolute_url() + "?page=7")
    assert response.status_code == 200 and response.content.decode().count('class="post card') >= 11


# --- replying and editing ----------------------------------------------------------------


def test_reply_posts_and_redirects_to_permalink(client, customer):
    topic = TopicFactory()
    client.force_login(customer)
    response = client.post(
        reverse("forum:reply", args=[topic.pk]), {"source": "Have you tried X?", "form_token": "d" * 32}
    )
    post = Post.objects.exclude(pk=topic.first_post_id).get()
    assert response["Location"] == reverse("forum:post", args=[post.pk])
    again = client.post(
        reverse("forum:reply", args=[topic.pk]), {"source": "Have you tried X?", "form_token": "d" * 32}
    )
    assert again["Location"] == reverse("forum:post", args=[post.pk])
    client.post(reverse("forum:reply", args=[topic.pk]), {"source": "Have you tried X?"})
    assert Post.objects.filter(topic=topic).count() == 2


@pytest.mark.parametrize(("source", "message"), [("", "the text is empty"), ("x" * 20001, "20,000")])
def test_reply_bad_input_shows_error_and_saves_nothing(client, customer, source, message):
    topic = TopicFactory()
    client.force_login(customer)
    response = client.post(reverse("forum:reply", args=[topic.pk]), {"source": source})
    assert response.status_code == 400 and message in response.content.decode()
    assert Post.objects.filter(topic=topic).count() == 1


def test_reply_honeypot_and_preview_save_nothing(client, customer):
    topic = TopicFactory()
    client.force_login(customer)
    client.post(reverse("forum:reply", args=[topic.pk]), {"source": "Spam", "website": "x"})
    response = client.post(reverse("forum:reply", args=[topic.pk]), {"source": "*hello*", "preview": "1"})
    assert "<em>hello</em>" in response.content.decode()
    assert Post.objects.filter(topic=topic).count() == 1


def test_edit_own_reply_keeps_revision_and_shows_edited_marker(client, customer):
    topic = TopicFactory()
    post = PostFactory(topic=topic, author=customer, source="Frist version")
    client.force_login(customer)
    assert client.get(reverse("forum:post_edit", args=[post.pk])).status_code == 200
    response = client.post(reverse("forum:post_edit", args=[post.pk]), {"source": "First version"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert (
        post.source == "First version"
        and PostRevision.objects.get(post=post).source_before == "Frist version"
    )
    html = client.get(topic.get_absolute_url()).content.decode()
    assert reverse("forum:post_revisions", args=[post.pk]) in html and "edited" in html
    history = client.get(reverse("forum:post_revisions", args=[post.pk])).content.decode()
    assert "Frist version" in history and customer.name in history


def test_edit_question_changes_title(client, customer):
    topic = TopicFactory(author=customer, title="Original question title")
    client.force_login(customer)
    client.post(
        reverse("forum:post_edit", args=[topic.first_post_id]),
        {"title": "Clearer question title", "source": topic.first_post.source},
    )
    topic.refresh_from_db()
    assert topic.title == "Clearer question title"
    history = client.get(reverse("forum:post_revisions", args=[topic.first_post_id])).content.decode()
    assert "Original question title" in history


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "short", "source": "ok text"}, "at least 10"),
        ({"title": "A fine title indeed", "source": ""}, "empty"),
    ],
)
def test_edit_question_bad_input_saves_nothing(client, customer, data, message):
    topic = TopicFactory(author=customer, title="Original question title")
    client.force_login(customer)
    response = client.post(reverse("forum:post_edit", args=[topic.first_post_id]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not PostRevision.objects.exists()


# --- staff actions -----------------------------------------------------------------------


def test_staff_actions_through_views(client, staff):
    topic = TopicFactory()
    other = TopicFactory()
    reply = PostFactory(topic=topic)
    new_category = CategoryFactory(name="Integrations", slug="integrations")
    client.force_login(staff)
    client.post(reverse("forum:post_official", args=[reply.pk]))
    client.post(reverse("forum:topic_status", args=[topic.pk]), {"status": "solved"})
    client.post(reverse("forum:topic_lock", args=[topic.pk]))
    client.post(reverse("forum:topic_move", args=[topic.pk]), {"category": new_category.pk})
    client.post(reverse("forum:topic_duplicate", args=[other.pk]), {"original": topic.get_absolute_url()})
    topic.refresh_from_db()
    other.refresh_from_db()
    assert topic.official_answer == reply and topic.status == "solved" and topic.is_locked
    assert topic.category == new_category and Category.objects.get(pk=new_category.pk).topic_count == 1
    assert other.duplicate_of == topic
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Staff tools" in html and "Unlock topic" in html


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("forum:topic_status", {"status": "bogus"}, "Choose one of the listed statuses"),
        ("forum:topic_duplicate", {"original": "not a topic"}, "No topic found"),
        ("forum:topic_duplicate", {"original": ""}, "Say which topic"),
        ("forum:topic_move", {"category": "999999"}, "Choose one of the listed categories"),
    ],
)
def test_staff_action_bad_input_shows_error_and_changes_nothing(client, staff, name, data, message):
    topic = TopicFactory()
    client.force_login(staff)
    response = client.post(reverse(name, args=[topic.pk]), data, follow=True)
    assert message in response.content.decode()
    topic.refresh_from_db()
    assert topic.status == "open" and topic.duplicate_of is None and not topic.events.exists()


def test_duplicate_of_itself_is_refused_with_message(client, staff):
    topic = TopicFactory()
    client.force_login(staff)
    response = client.post(
        reverse("forum:topic_duplicate", args=[topic.pk]), {"original": str(topic.pk)}, follow=True
    )
    assert "cannot be a duplicate of itself" in response.content.decode()


def test_home_page_lists_recent_unanswered_and_categories(client, category):
    TopicFactory(category=category, title="Home page recent topic")
    html = client.get("/").content.decode()
    assert "Home page recent topic" in html and "Billing" in html


def test_editors_get_the_faq_tools_without_staff_tools(client, editor, staff):
    topic = TopicFactory()
    post_services.post_mark_official(actor=staff, post=PostFactory(topic=topic, author=staff))
    client.force_login(editor)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Promote to FAQ" in html and "Staff tools" not in html


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_actions_never_redirect_off_site(client, customer, next_url):
    topic = TopicFactory()
    client.force_login(customer)
    response = client.post(reverse("forum:topic_follow", args=[topic.pk]), {"next": next_url})
    assert response["Location"] == topic.get_absolute_url()


def test_banned_member_sees_the_ban_reason_wherever_a_write_is_refused(client, db):
    """The ban form says the reason is shown to the member: on the ask page's refusal, in
    place of the reply box, and in the answer to a vote; escaped like any text."""
    topic = TopicFactory()
    reply = PostFactory(topic=topic)
    client.force_login(UserFactory(is_banned=True, banned_reason="Spam links <b>x</b>"))
    response = client.get(reverse("forum:ask"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Reason: Spam links &lt;b&gt;x&lt;/b&gt;" in html
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Reason: Spam links &lt;b&gt;x&lt;/b&gt;" in html
    response = client.post(reverse("forum:vote", args=[reply.pk]), HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and "Reason: Spam links <b>x</b>" in response.json()["error"]


def test_banned_member_without_a_reason_gets_the_plain_refusal(client, db):
    client.force_login(UserFactory(is_banned=True, banned_reason=""))
    html = client.get(reverse("forum:ask")).content.decode()
    assert "Your account has been suspended from posting." in html and "Reason:" not in html


def test_staff_accepting_for_the_asker_is_labelled_with_their_name(client, customer, staff):
    topic = TopicFactory(author=customer)
    reply = PostFactory(topic=topic, source="Try the other cable.")
    post_services.post_accept(actor=staff, post=reply)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert f"Accepted by {staff.name} for the asker" in html
    assert "Accepted by the asker" not in html
    # The asker accepting it themselves afterwards is labelled as theirs.
    post_services.post_unaccept(actor=customer, post=reply)
    post_services.post_accept(actor=customer, post=reply)
    cache.clear()
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Accepted by the asker" in html and "for the asker" not in html


def test_the_answer_is_shown_once_in_full_and_as_an_excerpt_in_its_place(client, customer, staff):
    topic = TopicFactory(author=customer)
    PostFactory(topic=topic, source="Me too.")
    long_text = "Open Billing and choose Plan. " + " ".join(f"word{n}" for n in range(80)) + " THE-END"
    official = post_services.post_create(author=staff, topic=topic, source=long_text)
    post_services.post_mark_official(actor=staff, post=official)
    html = client.get(topic.get_absolute_url()).content.decode()
    shown = html.split('<script type="application/ld+json"')[0]  # the page, not its JSON-LD
    assert shown.count("THE-END") == 1  # the full text once, in the answer card
    replies = html[html.index('id="replies-heading"') :]
    assert f'id="post-{official.pk}"' in replies and "post-excerpt" in replies
    assert f'href="#answer-{official.pk}"' in replies and f'id="answer-{official.pk}"' in html
    assert "Open Billing and choose Plan." in replies


def test_official_answers_are_signed_with_the_company_and_the_staff_title(client, customer, settings):
    from tests.factories import staff_user

    settings.COMMUNITY_COMPANY_NAME = "Globex"
    sam = staff_user(username="samuel", display_name="Sam", staff_title="Support team")
    topic = TopicFactory(author=customer)
    official = post_services.post_create(author=sam, topic=topic, source="Restart the sync agent.")
    post_services.post_mark_official(actor=sam, post=official)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Official answer from Globex" in html
    assert "— Sam, Support team" in html and '<span class="staff-title">Support team</span>' in html


def test_topic_list_redirects_empty_filters_to_a_short_address(client, category):
    response = client.get(
        reverse("forum:index"), {"kind": "idea", "status": "", "category": "", "sort": "activity"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("forum:index") + "?kind=idea"
    response = client.get(reverse("forum:index"), {"status": "", "sort": "activity"})
    assert response.status_code == 302 and response["Location"] == reverse("forum:index")
    assert client.get(reverse("forum:index"), {"kind": "idea", "sort": "metoo"}).status_code == 200
    html = client.get(reverse("forum:index")).content.decode()
    assert "data-autosubmit" in html and 'class="btn btn-small filter-apply"' in html
