"""The page cache (forum/cache.py): what is stored, how keys are bounded, and how scope
versions move. What each kind of write makes stale is in test_invalidation.py."""

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

import pytest

from forum import cache as page_cache
from forum.models import Topic
from tests.factories import TopicFactory

rf = RequestFactory()


@pytest.fixture(autouse=True)
def _stamp(settings, tmp_path):
    settings.FORUM_PAGE_CACHE_STAMP = tmp_path / "page-cache-versions"
    settings.FORUM_PAGE_CACHE_SECONDS = 300


class CountingView:
    """A view listing topic titles that counts how often it really ran."""

    def __init__(self, **response_kwargs):
        self.calls = 0
        self.hits = []
        self.response_kwargs = response_kwargs

    def __call__(self, request, pk=None):
        self.calls += 1
        titles = ", ".join(Topic.objects.order_by("pk").values_list("title", flat=True))
        return HttpResponse(titles, **self.response_kwargs)

    def on_hit(self, request, pk=None, response=None):
        self.hits.append((pk, response.content.decode() if response is not None else None))


def cached(view, **kwargs):
    kwargs.setdefault("scopes", (page_cache.LISTS,))
    kwargs.setdefault("params", {"page": page_cache.page_number})
    return page_cache.anonymous_page_cache(**kwargs)(view)


@pytest.mark.django_db
def test_page_cache_serves_the_second_anonymous_request_from_cache():
    TopicFactory(title="First topic")
    view = CountingView()
    wrapped = cached(view)

    first = wrapped(rf.get("/community/"))
    second = wrapped(rf.get("/community/"))

    assert view.calls == 1
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content == b"First topic"
    assert second["Content-Type"] == first["Content-Type"]


@pytest.mark.django_db
def test_page_cache_keys_on_the_full_address():
    view = CountingView()
    wrapped = cached(view)

    wrapped(rf.get("/community/?page=1"))
    wrapped(rf.get("/community/?page=2"))

    assert view.calls == 2


def _entries():
    from django.core.cache import cache

    return [key for key in cache._cache if page_cache.PAGE_KEY in key]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["?evict=1", "?page=2&evict=1", "?page=abc", "?page=0", "?page=1001", "?page=1&page=2", "?page=%00"],
)
def test_page_cache_creates_no_entry_for_unknown_parameters_or_unbounded_values(query):
    view = CountingView()
    wrapped = cached(view)
    wrapped(rf.get("/community/"))
    before = _entries()

    for _ in range(2):
        response = wrapped(rf.get("/community/" + query))
        assert response.status_code == 200 and "X-Page-Cache" not in response

    assert _entries() == before
    assert view.calls == 3  # rendered each time, never stored


@pytest.mark.django_db
def test_page_cache_key_is_the_normalised_query():
    view = CountingView()
    wrapped = cached(view, params={"page": page_cache.page_number, "sort": page_cache.choice("new", "old")})

    wrapped(rf.get("/community/?page=2&sort=new"))
    assert wrapped(rf.get("/community/?sort=new&page=2"))["X-Page-Cache"] == "hit"
    assert wrapped(rf.get("/community/?sort=&page=2"))["X-Page-Cache"] == "miss"  # empty: dropped
    assert wrapped(rf.get("/community/?page=2"))["X-Page-Cache"] == "hit"
    assert view.calls == 2


@pytest.mark.django_db
def test_view_can_refuse_to_store_an_address_with_unknown_values():
    calls = []

    def view(request):
        calls.append(1)
        page_cache.do_not_store(request)
        return HttpResponse("no such tag")

    wrapped = cached(view)
    wrapped(rf.get("/community/"))
    assert "X-Page-Cache" not in wrapped(rf.get("/community/"))
    assert len(calls) == 2 and _entries() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    [
        "/community/?evict=5",
        "/community/?tag=no-such-tag",
        "/community/?category=nope",
        "/community/?page=99999",
    ],
)
def test_real_list_pages_create_no_entries_for_junk_addresses(client, address):
    TopicFactory()
    client.get("/community/")
    before = _entries()
    for _ in range(2):
        response = client.get(address)
        assert response.status_code == 200 and page_cache.HEADER not in response
    assert _entries() == before


@pytest.mark.django_db
def test_junk_query_parameters_on_a_topic_page_create_no_entries(client):
    topic = TopicFactory()
    url = topic.get_absolute_url()
    client.get(url)
    before = _entries()
    for n in range(3):
        assert page_cache.HEADER not in client.get(url, {"utm": str(n)})
    assert _entries() == before
    assert client.get(url)[page_cache.HEADER] == "hit"


@pytest.mark.django_db
def test_cached_and_uncached_pages_vary_on_cookie(client, customer):
    topic = TopicFactory()
    url = topic.get_absolute_url()
    for response in (
        client.get(url),
        client.get(url),
        client.get("/community/"),
        client.get(url, {"x": "1"}),
    ):
        assert "Cookie" in response["Vary"]
    client.force_login(customer)
    assert "Cookie" in client.get(url)["Vary"]


@pytest.mark.django_db
def test_page_cache_is_bypassed_with_a_session_or_messages_cookie():
    view = CountingView()
    wrapped = cached(view)
    for cookie in (settings.SESSION_COOKIE_NAME, "messages"):
        request = rf.get("/community/")
        request.COOKIES[cookie] = "x"
        response = wrapped(request)
        assert "X-Page-Cache" not in response
    assert view.calls == 2
    wrapped(rf.get("/community/"))
    assert view.calls == 3


@pytest.mark.django_db
def test_page_cache_ignores_posts_and_other_methods():
    view = CountingView()
    wrapped = cached(view)

    wrapped(rf.post("/community/"))
    wrapped(rf.post("/community/"))

    assert view.calls == 2


@pytest.mark.django_db
def test_page_cache_dropped_when_its_scope_expires_and_kept_for_others():
    topic = TopicFactory(title="Old title")
    view = CountingView()
    lists = cached(view)
    one_topic = cached(view, scopes=(page_cache.topic_scope(topic.pk),))
    lists(rf.get("/community/"))
    one_topic(rf.get("/community/t/1/x/"))

    Topic.objects.filter(pk=topic.pk).update(title="New title")  # a write alone expires nothing
    assert lists(rf.get("/community/"))["X-Page-Cache"] == "hit"

    page_cache.expire(page_cache.topic_scope(topic.pk))
    assert lists(rf.get("/community/"))["X-Page-Cache"] == "hit"
    fresh = one_topic(rf.get("/community/t/1/x/"))
    assert fresh["X-Page-Cache"] == "miss" and fresh.content == b"New title"

    page_cache.expire(page_cache.LISTS)
    assert lists(rf.get("/community/")).content == b"New title"
    page_cache.expire(page_cache.SITE)  # everything
    assert lists(rf.get("/community/"))["X-Page-Cache"] == "miss"
    assert one_topic(rf.get("/community/t/1/x/"))["X-Page-Cache"] == "miss"


@pytest.mark.django_db
def test_page_cache_not_invalidated_by_view_counts_or_logins(client, customer):
    from django.db.models import F

    from forum.services.views import flush_view_counts

    topic = TopicFactory()
    url = topic.get_absolute_url()
    client.get(url)
    client.get("/community/")

    Topic.objects.filter(pk=topic.pk).update(view_count=F("view_count") + 5)
    flush_view_counts()
    client.force_login(customer)  # a login writes last_login
    client.logout()

    assert client.get(url)[page_cache.HEADER] == "hit"
    assert client.get("/community/")[page_cache.HEADER] == "hit"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_expiry_happens_at_once_and_again_after_commit(customer):
    from django.db import transaction

    from forum.services import posts as post_services

    topic = TopicFactory()
    scope = page_cache.topic_scope(topic.pk)
    seen = [page_cache.versions(scope)]
    with transaction.atomic():
        post_services.post_create(author=customer, topic=topic, source="A reply in a transaction.")
        seen.append(page_cache.versions(scope))
    seen.append(page_cache.versions(scope))
    assert len(set(seen)) == 3


@pytest.mark.django_db
def test_expiry_after_commit_is_dropped_on_rollback(customer, django_capture_on_commit_callbacks):
    from django.db import transaction

    from forum.services import posts as post_services

    topic = TopicFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                post_services.post_create(author=customer, topic=topic, source="Rolled back reply.")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []


@pytest.mark.django_db
def test_page_cache_does_not_store_pages_with_a_csrf_token():
    calls = []

    def view(request):
        calls.append(1)
        return HttpResponse(f"<form>{get_token(request)}</form>")

    wrapped = cached(view)
    wrapped(rf.get("/community/"))
    response = wrapped(rf.get("/community/"))

    assert len(calls) == 2
    assert "X-Page-Cache" not in response


@pytest.mark.django_db
@pytest.mark.parametrize("status", [302, 404, 500])
def test_page_cache_does_not_store_other_statuses(status):
    view = CountingView(status=status)
    wrapped = cached(view)

    wrapped(rf.get("/community/"))
    wrapped(rf.get("/community/"))

    assert view.calls == 2


@pytest.mark.django_db
def test_page_cache_does_not_store_responses_that_set_cookies_or_cache_control():
    def with_cookie(request):
        response = HttpResponse("x")
        response.set_cookie("seen", "1")
        return response

    def private(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "private"
        return response

    for view in (with_cookie, private):
        wrapped = cached(view)
        wrapped(rf.get("/community/"))
        assert "X-Page-Cache" not in wrapped(rf.get("/community/"))


@pytest.mark.django_db
def test_page_cache_runs_on_hit_for_hits_only_with_the_cached_response():
    TopicFactory(title="Cached title")
    view = CountingView()
    wrapped = cached(view, on_hit=view.on_hit)

    wrapped(rf.get("/community/t/7/x/"), pk=7)
    wrapped(rf.get("/community/t/7/x/"), pk=7)

    assert view.hits == [(7, "Cached title")]


@pytest.mark.django_db
def test_page_cache_off_with_zero_seconds(settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 0
    view = CountingView()
    wrapped = cached(view)

    wrapped(rf.get("/community/"))
    wrapped(rf.get("/community/"))

    assert view.calls == 2


@pytest.mark.django_db
def test_versions_live_in_a_shared_cache_when_there_is_one(settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "c"),
        }
    }
    settings.FORUM_PAGE_CACHE_STAMP = tmp_path / "unused"
    scope = page_cache.topic_scope(7)
    before = page_cache.versions(scope), page_cache.versions(page_cache.LISTS)

    page_cache.expire(scope)

    assert page_cache.versions(scope) != before[0]
    assert page_cache.versions(page_cache.LISTS) == before[1]  # other scopes unchanged
    assert not (tmp_path / "unused").exists()


@pytest.mark.django_db
def test_versions_of_a_per_process_cache_are_stamp_files_every_process_sees(settings, tmp_path):
    scope = page_cache.topic_scope(7)
    before = page_cache.versions(scope)
    page_cache.expire(scope)
    assert (tmp_path / "page-cache-versions" / "topic-7").exists()
    after = page_cache.versions(scope)
    page_cache.caches["default"].clear()  # another process: its own empty cache, same files
    assert page_cache.versions(scope) == after != before


def test_scope_names_are_checked():
    with pytest.raises(ValueError):
        page_cache.versions("topic:../../etc")


@pytest.mark.django_db
def test_count_topic_view_counts_a_cached_topic_view(monkeypatch):
    seen = []
    monkeypatch.setattr(
        "forum.services.views.topic_record_view", lambda *, request, topic: seen.append(topic.pk) or True
    )

    page_cache.count_topic_view(rf.get("/community/t/5/x/"), pk=5, slug="x")

    assert seen == [5]


@pytest.mark.django_db
def test_topic_page_and_list_are_cached_for_anonymous_visitors_until_staff_answer(client, staff):
    from forum.services import posts as post_services

    topic = TopicFactory()
    url = topic.get_absolute_url()
    assert client.get(url).get(page_cache.HEADER) != "hit"
    second = client.get(url)
    assert second.get(page_cache.HEADER) == "hit"
    assert "csrfmiddlewaretoken" not in second.content.decode()
    client.get("/community/")
    assert client.get("/community/").get(page_cache.HEADER) == "hit"

    post_services.post_create(author=staff, topic=topic, source="The official fix: clear the cache.")

    fresh = client.get(url)
    assert fresh.get(page_cache.HEADER) != "hit"
    assert "The official fix: clear the cache." in fresh.content.decode()
    assert client.get("/community/").get(page_cache.HEADER) != "hit"


@pytest.mark.django_db
def test_topic_page_is_never_cached_for_signed_in_members(client, customer):
    topic = TopicFactory()
    client.force_login(customer)
    client.get(topic.get_absolute_url())
    assert client.get(topic.get_absolute_url()).get(page_cache.HEADER) != "hit"


# --- fragments shared by signed-in visitors ---------------------------------------------------


@pytest.mark.django_db
def test_content_fragment_renders_once_per_content_version():
    calls = []

    def render():
        calls.append(1)
        return "<li>rows</li>"

    lists = (page_cache.LISTS,)
    first = page_cache.content_fragment("rows", ("/community/", "public"), render, scopes=lists)
    second = page_cache.content_fragment("rows", ("/community/", "public"), render, scopes=lists)
    assert first == second == "<li>rows</li>" and len(calls) == 1
    page_cache.content_fragment("rows", ("/community/", "moderator"), render, scopes=lists)
    assert len(calls) == 2  # other parts, another fragment
    page_cache.expire(page_cache.topic_scope(1))
    page_cache.content_fragment("rows", ("/community/", "public"), render, scopes=lists)
    assert len(calls) == 2  # another scope changed
    page_cache.expire(page_cache.LISTS)
    page_cache.content_fragment("rows", ("/community/", "public"), render, scopes=lists)
    assert len(calls) == 3  # its scope changed
    page_cache.content_fragment("rows", None, render, scopes=lists)
    assert len(calls) == 4  # no parts (an address with unknown values): never shared


@pytest.mark.django_db
def test_content_fragment_renders_every_time_with_the_cache_off(settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 0
    calls = []
    for _ in range(2):
        page_cache.content_fragment("rows", (), lambda: calls.append(1) or "x", scopes=())
    assert len(calls) == 2


@pytest.mark.django_db
def test_signed_in_topic_list_reuses_the_rows_and_shows_new_topics_at_once(
    client, customer, django_assert_max_num_queries
):
    TopicFactory(title="Sync stops at 99 percent")
    client.force_login(customer)
    client.get("/community/")
    with django_assert_max_num_queries(6):  # session, user, groups, bell, categories: no topic rows
        html = client.get("/community/").content.decode()
    assert "Sync stops at 99 percent" in html
    TopicFactory(title="Invoices missing in March")
    html = client.get("/community/").content.decode()
    assert "Invoices missing in March" in html and "Sync stops at 99 percent" in html


@pytest.mark.django_db
def test_topic_list_rows_of_moderators_never_reach_customers(client, customer, moderator):
    TopicFactory(title="Visible to all")
    TopicFactory(title="Hidden spam topic", is_hidden=True)
    client.force_login(moderator)
    assert "Hidden spam topic" in client.get("/community/").content.decode()
    client.force_login(customer)
    html = client.get("/community/").content.decode()
    assert "Visible to all" in html and "Hidden spam topic" not in html


@pytest.mark.django_db
def test_topic_list_rows_follow_the_filters_and_page(client, customer):
    TopicFactory(title="An idea for folders", kind="idea")
    TopicFactory(title="A question on billing", kind="question")
    client.force_login(customer)
    client.get("/community/")
    html = client.get("/community/", {"kind": "idea"}).content.decode()
    assert "An idea for folders" in html and "A question on billing" not in html


# --- objects shared by signed-in visitors (the topic page's data) ------------------------------


@pytest.mark.django_db
def test_content_object_is_computed_once_per_content_version_and_read_as_a_copy():
    calls = []

    def compute():
        calls.append(1)
        return {"titles": ["A"]}

    scopes = (page_cache.topic_scope(1),)
    first = page_cache.content_object("thing", (1,), compute, scopes=scopes)
    first["titles"].append("changed by a caller")
    second = page_cache.content_object("thing", (1,), compute, scopes=scopes)
    assert second == {"titles": ["A"]} and len(calls) == 1
    page_cache.content_object("thing", (2,), compute, scopes=scopes)
    assert len(calls) == 2
    page_cache.expire(page_cache.topic_scope(2))
    page_cache.content_object("thing", (1,), compute, scopes=scopes)
    assert len(calls) == 2
    page_cache.expire(page_cache.topic_scope(1))
    page_cache.content_object("thing", (1,), compute, scopes=scopes)
    assert len(calls) == 3


@pytest.mark.django_db
def test_content_object_computes_every_time_with_the_cache_off(settings):
    settings.FORUM_PAGE_CACHE_SECONDS = 0
    calls = []
    for _ in range(2):
        page_cache.content_object("thing", (), lambda: calls.append(1), scopes=())
    assert len(calls) == 2


def _replies(topic, count, **kwargs):
    from tests.factories import PostFactory

    return [PostFactory(topic=topic, source=f"Reply {i} text", **kwargs) for i in range(count)]


@pytest.mark.django_db
def test_signed_in_topic_page_reuses_the_shared_data_and_shows_a_new_reply_at_once(
    client, customer, staff, django_assert_max_num_queries
):
    from forum.services import posts as post_services

    topic = TopicFactory(title="Export stops halfway")
    _replies(topic, 3)
    client.force_login(customer)
    client.get(topic.get_absolute_url())
    # session, user, groups, the bell, the verified email, this member's marks: no topic data
    with django_assert_max_num_queries(6):
        html = client.get(topic.get_absolute_url()).content.decode()
    assert "Export stops halfway" in html and "Reply 2 text" in html
    post_services.post_create(author=staff, topic=topic, source="Staff say: update to 4.2.")
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Staff say: update to 4.2." in html
    assert "4 replies" in html


@pytest.mark.django_db
def test_shared_topic_page_never_hides_a_members_own_hidden_reply_or_shows_it_to_others(
    client, customer, moderator
):
    from tests.factories import UserFactory

    topic = TopicFactory()
    _replies(topic, 2)
    author = UserFactory(username="hidden-author")
    _replies(topic, 1, author=author, is_hidden=True)
    other = UserFactory(username="other-member")
    client.force_login(other)
    html = client.get(topic.get_absolute_url()).content.decode()  # fills the shared data
    assert "Reply 0 text" in html and "is-hidden" not in html
    client.force_login(author)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Reply 0 text" in html and "is-hidden" in html  # their own, marked
    client.force_login(moderator)
    assert "is-hidden" in client.get(topic.get_absolute_url()).content.decode()
    client.force_login(other)
    assert "is-hidden" not in client.get(topic.get_absolute_url()).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asked", "shown"), [("2", "Reply 3 text"), ("99", "Reply 3 text"), ("abc", "Reply 0 text")]
)
def test_shared_topic_page_turns_odd_page_numbers_into_real_pages(client, customer, settings, asked, shown):
    settings.FORUM_POSTS_PER_PAGE = 3
    topic = TopicFactory()
    _replies(topic, 4)
    client.force_login(customer)
    response = client.get(topic.get_absolute_url(), {"page": asked})
    html = response.content.decode()
    assert response.status_code == 200
    assert shown in html
    assert ("Reply 0 text" in html) == (shown == "Reply 0 text")


@pytest.mark.django_db
def test_pages_are_kept_compressed_and_served_back_byte_for_byte():
    import pickle
    import zlib

    from django.core.cache import cache

    for _ in range(30):
        TopicFactory(title="A title that repeats, " * 8)  # a page that compresses, as HTML does
    view = CountingView()
    wrapped = cached(view)
    first = wrapped(rf.get("/community/"))
    [key] = _entries()
    status, headers, packed = pickle.loads(cache._cache[key])  # noqa: S301 - the test's own cache
    assert status == 200
    assert zlib.decompress(packed) == first.content
    assert len(packed) < len(first.content) / 5
    second = wrapped(rf.get("/community/"))
    assert second["X-Page-Cache"] == "hit" and second.content == first.content


@pytest.mark.django_db
def test_a_page_rendered_for_visitors_keeps_no_post_fragments_and_a_members_page_does(client):
    from django.core.cache import cache

    from tests.factories import PostFactory, UserFactory

    topic = TopicFactory()
    PostFactory.create_batch(3, topic=topic)
    cache.clear()
    assert client.get(topic.get_absolute_url())["X-Page-Cache"] == "miss"
    assert not [key for key in cache._cache if "forum-post" in key]
    client.force_login(UserFactory())
    assert client.get(topic.get_absolute_url()).status_code == 200
    assert len([key for key in cache._cache if "forum-post" in key]) == 4  # the question and 3 replies
