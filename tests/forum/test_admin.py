"""The community in the Wagtail admin: menus by role, listings with search and filters, bulk
actions through the services, the moderation queue and member bans."""

from django.test import Client
from django.urls import reverse

import pytest

from forum.models import Flag, Post, Topic, TopicEvent
from forum.services import moderation
from tests.factories import CategoryFactory, PostFactory, TopicFactory, UserFactory, editor_user

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def flagged(customer):
    reply = PostFactory(topic=TopicFactory(title="Printer drivers keep crashing on boot"))
    Topic.objects.filter(pk=reply.topic_id).update(reply_count=1)
    moderation.post_flag(user=customer, post=reply, reason="spam")
    moderation.post_flag(
        user=UserFactory(username="second"), post=reply, reason="other", note="Affiliate links"
    )
    return reply


# --- menus and access ------------------------------------------------------------------------


def _menu(client) -> str:
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


def test_admin_menu_staff_sees_every_community_screen(staff):
    html = _menu(client_for(staff))
    for url in ["/admin/community/moderation/", "/admin/community/topics/", "/admin/community/posts/"]:
        assert url in html
    assert "/admin/community/categories/" in html
    assert "/admin/community/flags/" in html


def test_admin_menu_moderator_sees_queue_but_not_topics(moderator):
    html = _menu(client_for(moderator))
    assert "/admin/community/moderation/" in html
    assert "/admin/community/posts/" in html
    assert "/admin/community/flags/" in html
    assert "/admin/community/topics/" not in html
    assert "/admin/community/categories/" not in html


def test_admin_menu_editor_sees_no_community(db):
    html = _menu(client_for(editor_user(username="ed")))
    assert "/admin/community/" not in html


@pytest.mark.parametrize(
    "url", ["/admin/community/moderation/", "/admin/community/posts/", "/admin/community/flags/"]
)
def test_admin_moderation_screens_allowed_for_moderators_denied_to_editors(moderator, url):
    assert client_for(moderator).get(url).status_code == 200
    denied = client_for(editor_user(username="ed")).get(url)
    assert denied.status_code in (302, 403)


@pytest.mark.parametrize("url", ["/admin/community/topics/", "/admin/community/categories/"])
def test_admin_staff_screens_denied_to_moderators(staff, moderator, url):
    assert client_for(staff).get(url).status_code == 200
    assert client_for(moderator).get(url).status_code in (302, 403)


def test_admin_customer_has_no_admin(customer):
    client = client_for(customer)
    response = client.get("/admin/community/moderation/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    # The admin's sign-in gateway tells a signed-in member without access so (a 403).
    assert client.get(response.url).status_code == 403


# --- listings ----------------------------------------------------------------------------------


def test_admin_topics_filters_on_kind_status_category_hidden(staff):
    category = CategoryFactory(name="Billing", slug="billing")
    TopicFactory(title="Invoice shows the wrong currency", kind="problem", category=category)
    TopicFactory(title="Dark mode for the dashboard please", kind="idea")
    hidden = TopicFactory(title="Cheap watches here", kind="question")
    Topic.objects.filter(pk=hidden.pk).update(is_hidden=True)
    client = client_for(staff)
    html = client.get("/admin/community/topics/?kind=idea").content.decode()
    assert "Dark mode for the dashboard" in html and "Invoice shows" not in html
    html = client.get(f"/admin/community/topics/?category={category.pk}").content.decode()
    assert "Invoice shows" in html and "Dark mode" not in html
    html = client.get("/admin/community/topics/?is_hidden=true").content.decode()
    assert "Cheap watches" in html and "Dark mode" not in html
    html = client.get("/admin/community/topics/?status=open").content.decode()
    assert "Dark mode" in html


def test_admin_topics_search(staff):
    TopicFactory(title="Invoice shows the wrong currency")
    TopicFactory(title="Dark mode for the dashboard please")
    call_update_index()
    html = client_for(staff).get("/admin/community/topics/?q=invoice").content.decode()
    assert "Invoice shows the wrong currency" in html
    assert "Dark mode" not in html


def call_update_index():
    from django.core.management import call_command

    call_command("update_index", verbosity=0)


def test_admin_posts_search_and_hidden_filter(moderator):
    visible = PostFactory(source="The fix is to reinstall the driver")
    hidden = PostFactory(source="Buy followers cheap")
    moderation.post_hide(user=moderator, post=hidden)
    client = client_for(moderator)
    html = client.get("/admin/community/posts/?q=reinstall").content.decode()
    assert "reinstall the driver" in html and "Buy followers" not in html
    html = client.get("/admin/community/posts/?is_hidden=true").content.decode()
    assert "Buy followers" in html and visible.text[:20] not in html


def test_admin_posts_cannot_be_edited_or_added(moderator, staff):
    post = PostFactory()
    for user in (moderator, staff):
        client = client_for(user)
        assert client.get(f"/admin/community/posts/edit/{post.pk}/").status_code in (302, 403)
        assert client.get("/admin/community/posts/add/").status_code in (302, 403)
        assert client.get(f"/admin/community/posts/inspect/{post.pk}/").status_code == 200


def test_admin_flags_filter_by_state(moderator, flagged):
    html = client_for(moderator).get("/admin/community/flags/?state=open").content.decode()
    assert "Affiliate links" in html


# --- categories ---------------------------------------------------------------------------------


def test_admin_category_create_and_reserved_slug(staff):
    client = client_for(staff)
    data = {"name": "Mobile app", "slug": "mobile-app", "description": "iOS and Android", "order": 3}
    response = client.post("/admin/community/categories/add/", data)
    assert response.status_code == 302
    response = client.post(
        "/admin/community/categories/add/", {**data, "name": "Moderation", "slug": "moderation"}
    )
    assert response.status_code == 200
    assert "used by the community" in response.content.decode()
    from forum.models import Category

    assert list(Category.objects.values_list("slug", flat=True)) == ["mobile-app"]


# --- bulk actions -------------------------------------------------------------------------------


def _bulk(client, model, action, ids, data=None):
    query = "&".join(f"id={pk}" for pk in ids)
    url = f"/admin/bulk/forum/{model}/{action}/?{query}&next=/admin/community/{model}s/"
    return client.post(url, data or {})


def test_admin_bulk_hide_and_unhide_topics_through_services(staff):
    topics = [TopicFactory(category=CategoryFactory(slug="one", topic_count=2)) for _ in range(2)]
    client = client_for(staff)
    confirm = client.get(f"/admin/bulk/forum/topic/forum_hide_topics/?id={topics[0].pk}&id={topics[1].pk}")
    assert confirm.status_code == 200
    response = _bulk(client, "topic", "forum_hide_topics", [t.pk for t in topics], {"reason": "Spam wave"})
    assert response.status_code == 302
    assert Topic.objects.filter(is_hidden=True).count() == 2
    assert (
        TopicEvent.objects.filter(kind=TopicEvent.Kind.HIDDEN, actor=staff, to_value="Spam wave").count() == 2
    )
    assert topics[0].category.__class__.objects.get(slug="one").topic_count == 0
    _bulk(client, "topic", "forum_unhide_topics", [t.pk for t in topics])
    assert Topic.objects.filter(is_hidden=True).count() == 0


def test_admin_bulk_lock_topics(staff):
    topic = TopicFactory()
    _bulk(client_for(staff), "topic", "forum_lock_topics", [topic.pk])
    assert Topic.objects.get(pk=topic.pk).is_locked
    _bulk(client_for(staff), "topic", "forum_unlock_topics", [topic.pk])
    assert not Topic.objects.get(pk=topic.pk).is_locked


def test_admin_bulk_topic_actions_refused_for_editors(db):
    topic = TopicFactory()
    response = _bulk(client_for(editor_user(username="ed")), "topic", "forum_hide_topics", [topic.pk])
    assert not Topic.objects.get(pk=topic.pk).is_hidden
    assert response.status_code in (200, 302, 403)


def test_admin_bulk_hide_posts(moderator):
    posts = [PostFactory() for _ in range(3)]
    _bulk(client_for(moderator), "post", "forum_hide_posts", [p.pk for p in posts], {"reason": "Spam"})
    assert Post.objects.filter(is_hidden=True, hidden_by=moderator, hidden_reason="Spam").count() == 3


def test_admin_bulk_dismiss_flags_resolves_post(moderator, flagged):
    ids = list(Flag.objects.values_list("pk", flat=True))
    _bulk(client_for(moderator), "flag", "forum_dismiss_flags", ids[:1])
    # the action works on the flags' posts: every open flag on the post is dismissed
    assert set(Flag.objects.values_list("state", flat=True)) == {Flag.State.DISMISSED}
    assert Post.objects.get(pk=flagged.pk).flag_count == 0


# --- the queue and bans -------------------------------------------------------------------------


def test_admin_queue_lists_open_flags_grouped(moderator, flagged):
    html = client_for(moderator).get("/admin/community/moderation/").content.decode()
    assert "Printer drivers keep crashing" in html
    assert html.count(f'id="queue-post-{flagged.pk}"') == 1
    assert "Affiliate links" in html


def test_admin_queue_uphold_hides_post(moderator, flagged):
    response = client_for(moderator).post(
        reverse("forum_moderation:resolve", args=[flagged.pk]), {"decision": "uphold"}
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.is_hidden and flagged.flag_count == 0
    assert set(Flag.objects.values_list("state", flat=True)) == {Flag.State.UPHELD}


def test_admin_queue_bad_decision_changes_nothing(moderator, flagged):
    client = client_for(moderator)
    response = client.post(
        reverse("forum_moderation:resolve", args=[flagged.pk]), {"decision": "nuke"}, follow=True
    )
    assert "Choose uphold or dismiss." in response.content.decode()
    assert Flag.objects.filter(state=Flag.State.OPEN).count() == 2


def test_admin_queue_actions_refused_for_editors(flagged):
    response = client_for(editor_user(username="ed")).post(
        reverse("forum_moderation:resolve", args=[flagged.pk]), {"decision": "uphold"}
    )
    assert response.status_code in (302, 403)  # the admin turns a refusal into a redirect home
    assert Flag.objects.filter(state=Flag.State.OPEN).count() == 2


def test_admin_queue_ban_author_requires_reason(moderator, flagged):
    client = client_for(moderator)
    client.post(reverse("forum_moderation:ban", args=[flagged.author_id]), {"reason": ""})
    flagged.author.refresh_from_db()
    assert not flagged.author.is_banned
    client.post(reverse("forum_moderation:ban", args=[flagged.author_id]), {"reason": "Spam links"})
    flagged.author.refresh_from_db()
    assert flagged.author.is_banned and flagged.author.banned_reason == "Spam links"


def test_admin_banned_members_ban_by_username_and_unban(moderator, customer):
    client = client_for(moderator)
    response = client.post(reverse("forum_moderation:banned"), {"username": "nobody", "reason": "x"})
    assert response.status_code == 400
    assert "No member has that username." in response.content.decode()
    response = client.post(
        reverse("forum_moderation:banned"), {"username": customer.username, "reason": "Abuse"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.is_banned
    html = client.get(reverse("forum_moderation:banned")).content.decode()
    assert customer.username in html and "Abuse" in html
    client.post(reverse("forum_moderation:unban", args=[customer.pk]))
    customer.refresh_from_db()
    assert not customer.is_banned


def test_admin_banned_members_refuses_staff_target(moderator, staff):
    response = client_for(moderator).post(
        reverse("forum_moderation:banned"), {"username": staff.username, "reason": "x"}
    )
    assert response.status_code == 400
    assert "cannot be banned" in response.content.decode()
    staff.refresh_from_db()
    assert not staff.is_banned


def test_admin_users_bulk_ban_and_unban(customer, staff):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = client_for(admin)
    ids = f"id={customer.pk}&id={staff.pk}"
    confirm = client.get(f"/admin/bulk/accounts/user/forum_ban_users/?{ids}")
    assert confirm.status_code == 200
    client.post(f"/admin/bulk/accounts/user/forum_ban_users/?{ids}", {"reason": "Spam"})
    customer.refresh_from_db()
    staff.refresh_from_db()
    assert customer.is_banned and customer.banned_reason == "Spam"
    assert not staff.is_banned  # staff cannot be banned: left out of the action
    client.post(f"/admin/bulk/accounts/user/forum_unban_users/?id={customer.pk}")
    customer.refresh_from_db()
    assert not customer.is_banned


def test_admin_menu_queue_shows_waiting_count(moderator, flagged):
    assert "Moderation queue (1)" in _menu(client_for(moderator))
