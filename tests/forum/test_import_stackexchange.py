"""The Stack Exchange importer, on the miniature dump in tests/fixtures/stackexchange/."""

from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from forum.importers.stackexchange import DumpError, StackExchangeImporter, parse_tags, site_label
from forum.models import Category, Post, Topic
from tests.factories import UserFactory

DUMP = Path(__file__).resolve().parent.parent / "fixtures" / "stackexchange" / "demo.stackexchange.com"
SITE = "demo.stackexchange.com"


def run_import(folder=DUMP, **kwargs):
    kwargs.setdefault("log", lambda message: None)
    return StackExchangeImporter(folder, **kwargs).run()


def topic(row_id: int) -> Topic:
    return Topic.objects.get(external_id=f"{SITE}:{row_id}")


def counts() -> dict:
    return {
        "topics": Topic.objects.count(),
        "posts": Post.objects.count(),
        "users": User.objects.count(),
        "categories": Category.objects.count(),
        "tagged": Topic.tags.through.objects.count(),
    }


@pytest.mark.django_db
def test_import_creates_one_category_topics_replies_and_tags():
    stats = run_import()

    assert stats.topics_created == 4
    assert stats.replies_created == 3
    category = Category.objects.get()
    assert category.name == "Demo"
    assert "CC BY-SA" in category.description
    first = topic(1)
    assert first.category == category
    assert first.title == "Widget will not sync after the update"
    assert first.slug == "widget-will-not-sync-after-the-update"
    assert first.first_post.external_id == f"{SITE}:1"
    assert first.first_post.text.startswith("My widget will not sync")
    assert sorted(first.tags.names()) == ["sync", "widgets"]
    assert first.view_count == 120
    assert first.created_at.isoformat() == "2020-01-05T10:00:00+00:00"
    assert [p.external_id for p in first.posts.order_by("created_at")] == [f"{SITE}:{i}" for i in (1, 2, 3)]


@pytest.mark.django_db
def test_import_sets_accepted_answer_and_answered_status():
    run_import()

    first = topic(1)
    assert first.accepted_answer.external_id == f"{SITE}:3"
    assert first.status == Topic.Status.ANSWERED
    assert first.answered_at == first.accepted_answer.created_at


@pytest.mark.django_db
def test_import_marks_duplicates_and_reports_unresolved_links():
    stats = run_import()

    duplicate = topic(4)
    assert duplicate.duplicate_of == topic(1)
    assert duplicate.status == Topic.Status.DUPLICATE
    assert stats.duplicates_set == 1
    # PostLinks row 3 points at a post that is not in the dump; row 2 is a plain link.
    assert stats.links_unresolved == 1
    assert topic(6).duplicate_of is None


@pytest.mark.django_db
def test_import_closed_question_without_answer_is_closed():
    run_import()

    assert topic(10).status == Topic.Status.CLOSED


@pytest.mark.django_db
def test_import_scores_become_votes_and_counters_are_set():
    run_import()

    first = topic(1)
    assert first.first_post.vote_count == 5
    assert first.posts.get(external_id=f"{SITE}:3").vote_count == 7
    assert first.reply_count == 2
    assert first.vote_count == 8  # the replies' votes: 1 + 7
    assert first.last_reply_at.isoformat() == "2020-01-05T12:30:00+00:00"
    assert first.last_activity_at.isoformat() == "2020-01-06T09:00:00+00:00"
    duplicate = topic(4)
    assert duplicate.reply_count == 1
    assert duplicate.vote_count == -1
    # Activity moves up to the last reply when the dump's LastActivityDate is older.
    assert duplicate.last_activity_at.isoformat() == "2020-02-01T08:30:00+00:00"
    assert topic(6).reply_count == 0
    assert Category.objects.get().topic_count == 4


@pytest.mark.django_db
def test_import_authors_are_placeholders_that_cannot_log_in(client):
    run_import()

    ada = User.objects.get(username="se-demo-10")
    assert ada.is_placeholder
    assert ada.display_name == "Ada Widget"
    assert not ada.has_usable_password()
    assert ada.email == ""
    assert not EmailAddress.objects.filter(user__is_placeholder=True).exists()
    assert topic(1).author == ada
    # Not in Users.xml: a generic name.
    assert User.objects.get(username="se-demo-12").display_name == "Demo user 12"
    # A deleted author (no OwnerUserId): imported without one.
    assert topic(6).author is None
    assert not client.login(username="se-demo-10", password="")


@pytest.mark.django_db
def test_import_never_uses_a_real_account_with_the_same_username():
    real = UserFactory(username="se-demo-10")

    run_import()

    assert topic(1).author is None
    real.refresh_from_db()
    assert not real.is_placeholder
    assert real.has_usable_password()


@pytest.mark.django_db
def test_import_sanitises_html_bodies():
    run_import()

    html = topic(6).first_post.html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html
    link_html = Post.objects.get(external_id=f"{SITE}:3").html
    assert 'rel="nofollow ugc noopener"' in link_html


@pytest.mark.django_db
def test_import_tags_with_clashing_slugs_get_distinct_slugs():
    run_import()

    from taggit.models import Tag

    assert sorted(topic(6).tags.names()) == ["c", "c++"]
    assert Tag.objects.get(name="c").slug != Tag.objects.get(name="c++").slug


@pytest.mark.django_db
def test_import_reports_and_skips_malformed_rows():
    messages = []

    stats = run_import(log=messages.append)

    assert stats.malformed == 3
    assert any("Id='x12'" in p and "not a number" in p for p in stats.problems)
    assert any("bad date" in p for p in stats.problems)
    assert any("question 999 is not in the dump" in p for p in stats.problems)
    assert any(m.startswith("  skipped: ") for m in messages)
    assert stats.ignored_post_types == 1
    assert not Topic.objects.filter(title__in=["A row with a broken id", "A row with a bad date"]).exists()


@pytest.mark.django_db
def test_import_second_run_adds_nothing():
    run_import()
    before = counts()
    first_status = {t.external_id: (t.status, t.reply_count, t.vote_count) for t in Topic.objects.all()}

    stats = run_import()

    assert stats.created == 0
    assert stats.users_created == 0
    assert stats.tags_created == 0
    assert stats.already_imported == 7
    assert counts() == before
    assert {
        t.external_id: (t.status, t.reply_count, t.vote_count) for t in Topic.objects.all()
    } == first_status


@pytest.mark.django_db
def test_import_batch_size_does_not_change_the_result():
    run_import(batch_size=1)
    small = {
        t.external_id: (t.status, t.reply_count, t.accepted_answer_id is not None)
        for t in Topic.objects.all()
    }
    assert len(small) == 4
    assert small[f"{SITE}:1"] == (Topic.Status.ANSWERED, 2, True)


@pytest.mark.django_db
def test_import_query_count_does_not_grow_with_rows(django_assert_max_num_queries):
    # One batch holds the whole dump: the queries are per batch and per stage, not per row.
    with django_assert_max_num_queries(60):
        run_import(batch_size=1000)


@pytest.mark.django_db
def test_import_xml_error_keeps_the_rows_before_it(tmp_path):
    folder = tmp_path / "broken.stackexchange.com"
    folder.mkdir()
    text = (DUMP / "Posts.xml").read_text()
    cut = text.index('<row Id="4"')
    (folder / "Posts.xml").write_text(text[:cut] + '<row Id="4" PostTypeId="1" Title="unterminated')

    stats = run_import(folder)

    assert stats.topics_created == 1
    assert stats.replies_created == 2
    assert any("XML error" in p for p in stats.problems)


def test_importer_rejects_a_folder_without_posts(tmp_path):
    with pytest.raises(DumpError, match="no Posts.xml"):
        StackExchangeImporter(tmp_path)


def test_importer_rejects_a_bad_batch_size():
    with pytest.raises(DumpError, match="batch size"):
        StackExchangeImporter(DUMP, batch_size=0)


def test_parse_tags_reads_both_formats():
    assert parse_tags("<hops><history>") == ["hops", "history"]
    assert parse_tags("|hops|history|") == ["hops", "history"]
    assert parse_tags("") == []
    assert parse_tags("<a><a>") == ["a"]


def test_site_label_shortens_stack_exchange_hosts():
    assert site_label("beer.stackexchange.com") == "beer"
    assert site_label("beer.meta.stackexchange.com") == "beer-meta"
    assert site_label("superuser.com") == "superuser"


@pytest.mark.django_db
def test_import_command_prints_progress_rate_and_rebuilds_index_once(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "forum.management.commands.import_stackexchange.call_command",
        lambda name, **kwargs: calls.append(name),
    )
    out = StringIO()

    call_command("import_stackexchange", str(DUMP), stdout=out)

    output = out.getvalue()
    assert "rows/s" in output
    assert "4 topics, 3 replies, 1 accepted answers, 1 duplicates" in output
    assert "3 malformed rows skipped" in output
    assert calls == ["update_index"]

    out = StringIO()
    call_command("import_stackexchange", str(DUMP), stdout=out)
    assert "Nothing new" in out.getvalue()
    assert calls == ["update_index"]


@pytest.mark.django_db
def test_import_command_no_index_skips_the_rebuild(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "forum.management.commands.import_stackexchange.call_command",
        lambda name, **kwargs: calls.append(name),
    )
    out = StringIO()

    call_command("import_stackexchange", str(DUMP), "--no-index", "--category", "Widgets", stdout=out)

    assert calls == []
    assert "not rebuilt" in out.getvalue()
    assert Category.objects.get().name == "Widgets"


@pytest.mark.django_db
def test_import_command_reports_an_index_failure(monkeypatch):
    def fail(name, **kwargs):
        raise RuntimeError("index folder is read-only")

    monkeypatch.setattr("forum.management.commands.import_stackexchange.call_command", fail)

    with pytest.raises(CommandError, match="import is saved.*read-only"):
        call_command("import_stackexchange", str(DUMP), stdout=StringIO())
    assert Topic.objects.count() == 4


def test_import_command_rejects_a_folder_without_posts(tmp_path):
    with pytest.raises(CommandError, match="no Posts.xml"):
        call_command("import_stackexchange", str(tmp_path), stdout=StringIO())


def test_import_command_rejects_site_with_several_folders(tmp_path):
    with pytest.raises(CommandError, match="single folder"):
        call_command("import_stackexchange", str(DUMP), str(tmp_path), "--site", "x", stdout=StringIO())
