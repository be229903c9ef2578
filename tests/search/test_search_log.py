"""The search log: buffered writes, no personal data, pruning, and the admin reports."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import CommandError, call_command
from django.utils import timezone

import pytest

from search.models import SearchLogEntry
from search.services import search_log_pending, search_log_prune, search_log_record


def test_search_log_record_buffers_until_the_threshold(db, settings):
    settings.SEARCH_LOG_BUFFER_SIZE = 3
    settings.SEARCH_LOG_FLUSH_SECONDS = 3600
    search_log_record(query="Refund", result_count=2, source="page")
    search_log_record(query="refund", result_count=2, source="page")
    assert SearchLogEntry.objects.count() == 0 and search_log_pending() == 2
    search_log_record(query="  Late   PARCEL ", result_count=0, source="page")
    assert search_log_pending() == 0
    assert list(SearchLogEntry.objects.order_by("id").values_list("query", flat=True)) == [
        "refund",
        "refund",
        "late parcel",
    ]


def test_search_log_record_ignores_empty_queries_and_can_be_disabled(db, settings):
    settings.SEARCH_LOG_BUFFER_SIZE = 1
    search_log_record(query="   ", result_count=0, source="page")
    settings.SEARCH_LOG_ENABLED = False
    search_log_record(query="refund", result_count=0, source="page")
    assert SearchLogEntry.objects.count() == 0


def test_search_log_entry_holds_no_personal_data():
    names = {field.name for field in SearchLogEntry._meta.get_fields()}
    assert names == {"id", "query", "result_count", "source", "created_at"}


def test_search_log_prune_deletes_only_old_entries(db):
    old = SearchLogEntry.objects.create(query="old", result_count=0)
    SearchLogEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))
    SearchLogEntry.objects.create(query="new", result_count=0)
    assert search_log_prune(days=90) == 1
    assert list(SearchLogEntry.objects.values_list("query", flat=True)) == ["new"]


def test_prune_search_log_command_reports_and_validates(db, capsys):
    old = SearchLogEntry.objects.create(query="old", result_count=0)
    SearchLogEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    call_command("prune_search_log", "--days", "7")
    assert "Deleted 1 search log entries." in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("prune_search_log", "--days", "0")


def _log(query, results, *, days_ago=0, source="page", times=1):
    for _ in range(times):
        entry = SearchLogEntry.objects.create(query=query, result_count=results, source=source)
        if days_ago:
            SearchLogEntry.objects.filter(pk=entry.pk).update(
                created_at=timezone.now() - timedelta(days=days_ago)
            )


@pytest.fixture
def search_log(db):
    _log("quantum teleporter", 0, times=3)
    _log("refund", 4, times=5)
    _log("invoice pdf", 0, times=1)
    _log("ancient gap", 0, days_ago=20, times=2)
    _log("draft titl", 0, source="similar", times=4)


def test_content_gaps_report_lists_frequent_empty_searches_for_editors(client, editor, search_log):
    client.force_login(editor)
    response = client.get("/admin/reports/search/content-gaps/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Search content gaps" in html
    rows = list(response.context["object_list"])
    assert [(r["query"], r["searches"]) for r in rows][:2] == [("quantum teleporter", 3), ("ancient gap", 2)]
    assert "refund" not in [r["query"] for r in rows]
    # Lookups made while typing a question are prefixes, not gaps.
    assert "draft titl" not in [r["query"] for r in rows]


def test_content_gaps_report_filters_by_period_and_never_counts_typing_lookups(client, editor, search_log):
    client.force_login(editor)
    rows = client.get("/admin/reports/search/content-gaps/", {"period": "7", "source": "similar"}).context[
        "object_list"
    ]
    assert [(r["query"], r["searches"]) for r in rows] == [("quantum teleporter", 3), ("invoice pdf", 1)]
    rows = client.get("/admin/reports/search/content-gaps/", {"period": "30"}).context["object_list"]
    assert "ancient gap" in [r["query"] for r in rows]


def test_top_searches_report_lists_most_frequent_queries(client, staff, search_log):
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    response = client.get("/admin/reports/search/top/", {"source": "page"})
    assert response.status_code == 200
    rows = list(response.context["object_list"])
    assert rows[0]["query"] == "refund" and rows[0]["searches"] == 5


def test_search_reports_export_as_csv(client, editor, search_log):
    client.force_login(editor)
    response = client.get("/admin/reports/search/content-gaps/", {"export": "csv"})
    assert response.status_code == 200
    assert b"quantum teleporter" in b"".join(response.streaming_content)


@pytest.mark.parametrize("url", ["/admin/reports/search/content-gaps/", "/admin/reports/search/top/"])
def test_search_reports_deny_customers_and_moderators(client, customer, moderator, search_log, url):
    from django.contrib.auth.models import Permission

    response = client.get(url)  # anonymous: to the admin login
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    client.force_login(customer)  # no admin access at all
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    moderator.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(moderator)  # in the admin, but not an editor: sent back to the dashboard
    response = client.get(url)
    assert response.status_code == 302 and response.url == "/admin/"


def test_search_reports_menu_items_shown_to_editors_only(rf, editor, moderator, db):
    from wagtail import hooks

    items = [fn() for fn in hooks.get_hooks("register_reports_menu_item")]
    ours = [item for item in items if item.name.startswith("search-")]
    assert {item.name for item in ours} == {"search-content-gaps", "search-top-searches"}
    request = rf.get("/admin/")
    request.user = editor
    assert all(item.is_shown(request) for item in ours)
    request.user = moderator
    assert not any(item.is_shown(request) for item in ours)
