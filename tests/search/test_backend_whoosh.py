"""The whoosh backend itself: relevance, robustness (locks, broken index, rebuild swap), the
process-wide searcher cache, ``update_index`` and the optional helpers."""

from __future__ import annotations

import logging
import threading
import time
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from modelsearch.query import Fuzzy
from wagtail.search.backends import get_search_backend

import pytest

from forum.models import Topic
from search.backends import whoosh
from tests.factories import TopicFactory


@pytest.fixture
def index_dir(settings, tmp_path, db) -> Path:
    path = tmp_path / "whoosh-index"
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.whoosh", "PATH": path}}
    return path


@pytest.fixture
def backend(index_dir) -> whoosh.SearchBackend:
    return get_search_backend()


def topic(title: str, body: str = "", **fields) -> Topic:
    created = TopicFactory(title=title, body=body or f"Details: {title.lower()}", **fields)
    return Topic.objects.get(pk=created.pk)


def titles(results) -> list[str]:
    return [obj.title for obj in results]


def test_backend_needs_a_path(db):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        whoosh.SearchBackend({})


def test_search_stems_and_drops_stop_words(backend):
    topic("Sync conflict on shared folders", "One copy is renamed when two laptops edit a file.")
    assert titles(Topic.objects.search("renaming")) == ["Sync conflict on shared folders"]
    assert titles(Topic.objects.search("the renaming of the files")) == ["Sync conflict on shared folders"]
    assert list(Topic.objects.search("the of and")) == []


def test_search_title_match_outranks_body_match(backend):
    body_only = topic("Cannot open settings", "The firewall blocks the app.")
    title_match = topic("Firewall rules for the desktop app", "Which ports should be open?")
    assert list(Topic.objects.search("firewall")) == [title_match, body_only]


def test_annotate_score_gives_descending_bm25_scores(backend):
    topic("Sync conflict", "sync sync")
    topic("Offline files", "offline sync")
    scores = [obj.score for obj in Topic.objects.search("sync").annotate_score("score")]
    assert len(scores) == 2
    assert all(score > 0 for score in scores)
    assert scores == sorted(scores, reverse=True)


def test_search_boost_query_changes_ranking(backend):
    from modelsearch.query import Boost, PlainText

    first = topic("Printer setup", "printer")
    second = topic("Scanner setup", "scanner")
    boosted = Topic.objects.search(PlainText("printer") | Boost(PlainText("scanner"), 20))
    assert list(boosted)[:2] == [second, first]


def test_search_fuzzy_finds_misspellings(backend):
    topic("Download all invoices as PDF")
    assert list(Topic.objects.search("invoce")) == []
    assert titles(Topic.objects.search(Fuzzy("invoce"))) == ["Download all invoices as PDF"]


def test_search_accents_are_folded(backend):
    topic("Café menu export")
    assert titles(Topic.objects.search("cafe")) == ["Café menu export"]


def test_search_results_ignore_stale_index_entries(backend):
    stale = topic("Webhook retries")
    Topic.objects.filter(pk=stale.pk).update(is_hidden=True)  # no signal: the index is stale
    assert list(Topic.objects.filter(is_hidden=False).search("webhook")) == []


def test_search_reuses_one_searcher_per_thread(backend):
    topic("Reused searcher")
    list(Topic.objects.search("reused"))
    first = backend.handle.local.state[1]
    list(Topic.objects.search("reused"))
    assert backend.handle.local.state[1] is first
    topic("Another reused topic")  # the index changes: the searcher is refreshed
    assert len(list(Topic.objects.search("reused"))) == 2


def test_handles_are_per_index_folder(settings, tmp_path, db):
    a = whoosh.SearchBackend({"PATH": tmp_path / "a"})
    b = whoosh.SearchBackend({"PATH": tmp_path / "b"})
    again = whoosh.SearchBackend({"PATH": tmp_path / "a"})
    assert a.handle is again.handle
    assert a.handle is not b.handle


def test_search_query_count_does_not_depend_on_results(backend, django_assert_max_num_queries):
    for n in range(30):
        topic(f"Export question {n}")
    with django_assert_max_num_queries(1):
        assert len(list(Topic.objects.search("export")[:10])) == 10


def test_count_does_not_load_rows(backend, django_assert_num_queries):
    for n in range(5):
        topic(f"Counting topic {n}")
    with django_assert_num_queries(0):
        assert Topic.objects.search("counting").count() == 5


def test_autocomplete_is_not_stemmed_and_handles_long_words(backend):
    topic("Configuration of notifications")
    assert titles(Topic.objects.autocomplete("configur")) == ["Configuration of notifications"]
    assert titles(Topic.objects.autocomplete("notifications")) == ["Configuration of notifications"]
    assert list(Topic.objects.autocomplete("xyz")) == []


def test_facet_counts_missing_values_as_none(backend):
    from forum.models import Category

    topic("Alpha question")
    topic("Beta question")
    assert sum(Topic.objects.search("question").facet("category_id").values()) == 2
    assert Category.objects.search("product").facet("order") == {0: 2}


def test_facet_on_unindexed_field_is_refused(backend):
    from wagtail.search.backends.base import FilterFieldError

    topic("Faceted topic")
    with pytest.raises(FilterFieldError):
        Topic.objects.search("faceted").facet("view_count")


def test_delete_goes_through_a_task_with_ids(backend, monkeypatch, django_capture_on_commit_callbacks):
    from search import tasks

    calls = []
    original = tasks.delete_documents

    class Spy:
        def enqueue(self, *args):
            calls.append(args)
            return original.enqueue(*args)

    monkeypatch.setattr(tasks, "delete_documents", Spy())
    doomed = topic("Topic to delete")
    pk = doomed.pk
    with django_capture_on_commit_callbacks(execute=True):
        doomed.delete()
    assert calls == [("default", "forum.Topic", [str(pk)])]
    assert list(Topic.objects.search("delete")) == []


def test_index_task_reindexes_by_id_and_removes_missing(backend):
    from search import tasks

    kept = topic("Kept topic")
    gone = topic("Gone topic")
    Topic.objects.filter(pk=kept.pk).update(title="Renamed kept topic")
    Topic.objects.filter(pk=gone.pk).delete()  # queryset delete sends signals, but be explicit
    tasks.index_documents.enqueue("default", "forum.Topic", [str(kept.pk), str(gone.pk)])
    assert titles(Topic.objects.search("topic")) == ["Renamed kept topic"]
    from whoosh import query as wq

    gone_id = wq.Term("doc_id", f"forum_topic:{gone.pk}")
    assert backend.with_searcher(lambda searcher: len(searcher.search(gone_id))) == 0


def test_broken_index_is_rebuilt_from_the_database(backend, index_dir, caplog):
    topic("Corruption survivor")
    assert titles(Topic.objects.search("survivor")) == ["Corruption survivor"]
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    for path in generation.iterdir():
        if path.is_file():
            path.write_bytes(b"garbage" * 10)
    backend.handle.close()  # as in a fresh process
    assert titles(Topic.objects.search("survivor")) == ["Corruption survivor"]
    assert "rebuilding it from the database" in caplog.text


def test_deleted_index_files_are_rebuilt(backend, index_dir):
    topic("Missing files survivor")
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    for path in generation.glob("*.toc"):
        path.unlink()
    backend.handle.close()
    assert titles(Topic.objects.search("survivor")) == ["Missing files survivor"]


def test_missing_index_is_created_and_rebuilt_after_commit(
    index_dir, django_capture_on_commit_callbacks, settings
):
    # Rows written while another backend was configured: the whoosh folder does not exist.
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    topic("Written before the index existed")
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.whoosh", "PATH": index_dir}}
    with django_capture_on_commit_callbacks(execute=True):
        assert list(Topic.objects.search("existed")) == []  # empty index, rebuild scheduled
    assert titles(Topic.objects.search("existed")) == ["Written before the index existed"]


def test_lock_contention_waits_instead_of_failing(backend):
    topic("First writer")
    index = backend._open_index()
    holder = index.writer()  # another writer holds the lock for a moment
    release = threading.Timer(0.5, holder.commit)
    release.start()
    started = time.monotonic()
    topic("Second writer")  # waits for the lock, no LockError
    release.join()
    assert time.monotonic() - started >= 0.4
    assert set(titles(Topic.objects.search("writer"))) == {"First writer", "Second writer"}


def test_lock_held_too_long_defers_the_write(settings, index_dir, caplog):
    caplog.set_level(logging.INFO, logger="search.whoosh")
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.whoosh", "PATH": index_dir, "WRITER_TIMEOUT": 0.2}
    }
    backend = get_search_backend()
    topic("Before the lock")
    holder = backend._open_index().writer()
    try:
        late = topic("Written while frozen")  # no exception reaches the caller
    finally:
        threading.Timer(0.5, holder.cancel).start()
    assert "retried in the background" in caplog.text
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not list(Topic.objects.search("frozen")):
        time.sleep(0.1)
    assert list(Topic.objects.search("frozen")) == [late]


def test_rebuild_swaps_generations_and_keeps_searching(backend, index_dir):
    topic("Before rebuild")
    old = (index_dir / "CURRENT").read_text().strip()
    rebuilder = whoosh.WhooshIndexRebuilder(backend.get_index_for_model(Topic), procs=1)
    target = rebuilder.start()
    target.add_items(Topic, list(Topic.objects.all()))
    # While the rebuild runs, the live index still answers and takes writes (journaled).
    assert titles(Topic.objects.search("rebuild")) == ["Before rebuild"]
    during = topic("Written meanwhile rebuild")
    rebuilder.finish(target)
    new = (index_dir / "CURRENT").read_text().strip()
    assert new != old
    assert not (index_dir / "REBUILDING").exists()
    assert set(titles(Topic.objects.search("rebuild"))) == {"Before rebuild", "Written meanwhile rebuild"}
    assert list(Topic.objects.search("meanwhile")) == [during]


def test_rebuild_removes_generations_older_than_the_previous(backend, index_dir):
    topic("Generations")
    first = (index_dir / "CURRENT").read_text().strip()
    backend.rebuild(procs=1)
    second = (index_dir / "CURRENT").read_text().strip()
    backend.rebuild(procs=1)
    third = (index_dir / "CURRENT").read_text().strip()
    remaining = {p.name for p in index_dir.glob("gen-*")}
    assert remaining == {second, third}
    assert first not in remaining
    assert titles(Topic.objects.search("generations")) == ["Generations"]


def test_multiprocess_rebuild_indexes_everything(backend, settings):
    if connection.vendor != "sqlite" and connection.vendor != "postgresql":
        pytest.fail("unexpected database")
    for n in range(40):
        topic(f"Parallel topic {n}")
    backend.rebuild(procs=2)
    assert Topic.objects.search("parallel").count() == 40


def test_update_index_command_shows_progress_and_rate(backend):
    for n in range(3):
        topic(f"Command topic {n}")
    out = StringIO()
    call_command("update_index", stdout=out, chunk_size=2)
    text = out.getvalue()
    assert "forum.Topic" in text
    assert "3/3" in text
    assert "docs/s" in text
    assert "indexed" in text
    assert Topic.objects.search("command").count() == 3


def test_update_index_command_is_ours(db):
    from django.core.management import get_commands

    assert get_commands()["update_index"] == "search"


def test_update_index_command_rejects_bad_options(backend):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("update_index", procs=0, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("update_index", backend_name="nope", stdout=StringIO())


def test_update_index_with_database_backend(settings, db):
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    topic("Database backend topic")
    out = StringIO()
    call_command("update_index", stdout=out)
    assert "docs/s" in out.getvalue()
    assert titles(Topic.objects.search("database")) == ["Database backend topic"]


def test_highlight_marks_stemmed_matches_and_escapes(backend):
    html = backend.highlight("<b>Installing</b> the printer drivers on Windows", "install driver")
    assert "<mark>Installing</mark>" in html
    assert "<mark>drivers</mark>" in html
    assert "&lt;b&gt;" in html
    assert backend.highlight("nothing relevant", "printer") == "nothing relevant"


def test_highlight_trims_long_text_around_the_match(backend):
    text = "word " * 200 + "printer " + "word " * 200
    html = backend.highlight(text, "printer", max_chars=100)
    assert "<mark>printer</mark>" in html
    assert html.startswith("…") and html.endswith("…")
    assert len(html) < 160


def test_suggest_corrects_misspelled_words(backend):
    topic("Download all invoices as PDF", "Invoices are under billing.")
    assert backend.suggest("invoces pdf") == "invoices pdf"
    assert backend.suggest("invoices") is None
    assert backend.suggest("") is None
    assert backend.suggest("qqqqqqqq") is None


def test_suggest_vocabulary_leaves_out_long_body_texts(backend):
    topic("Download all invoices as PDF", "Invoices are under billing.")
    assert backend.suggest("invoces") == "invoices"  # a title word
    assert backend.suggest("biling") is None  # only in the question's body


def test_helpers_are_absent_on_the_database_backend(settings, db):
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    assert getattr(get_search_backend(), "highlight", None) is None
    assert getattr(get_search_backend(), "suggest", None) is None


def test_bad_query_input_does_not_crash(backend):
    topic("Robust query")
    for query in ["", "   ", "<script>alert(1)</script>", "*", '"', "a" * 5000, "AND OR NOT", "(((("]:
        assert isinstance(list(Topic.objects.search(query)), list)
        assert isinstance(list(Topic.objects.autocomplete(query)), list)


# --- the numpy scorer (whoosh_fast) gives whoosh's own scores and order ------------------------


def _ranked(queryset, query: str, operator: str, limit: int = 50) -> list[tuple[int, float]]:
    results = queryset.search(query, operator=operator).annotate_score("_s")
    return [(obj.pk, round(obj._s, 9)) for obj in results[:limit]]


@pytest.mark.parametrize(
    ("query", "operator"),
    [
        ("sync", "and"),
        ("sync folder", "and"),
        ("sync folder invoice", "or"),
        ("refund invoice card", "or"),
        ("nothing matches this", "or"),
    ],
)
def test_fast_scorer_matches_whoosh_scores_order_and_counts(backend, monkeypatch, query, operator):
    for n in range(12):
        topic(
            f"Sync stops on folder {n}" if n % 3 else f"Refund for invoice {n}",
            "The folder sync " * (n % 4 + 1) + ("card payment invoice" if n % 2 else "shared laptop"),
            is_hidden=(n == 5),
        )
    live = Topic.objects.filter(is_hidden=False)
    answered = []
    real = whoosh.whoosh_fast.score_query
    monkeypatch.setattr(
        whoosh.whoosh_fast, "score_query", lambda *a: answered.append(real(*a) is not None) or real(*a)
    )
    fast = _ranked(live, query, operator)
    fast_count = live.search(query, operator=operator).count()
    assert answered and all(answered)  # the numpy scorer answered
    monkeypatch.setattr(whoosh.whoosh_fast, "np", None)  # whoosh's own matchers
    assert fast == _ranked(live, query, operator)
    assert fast_count == live.search(query, operator=operator).count()
    assert all(pk != Topic.objects.get(is_hidden=True).pk for pk, _ in fast)


def test_fast_scorer_pages_like_whoosh(backend, monkeypatch):
    for n in range(9):
        topic(f"Sync question {n}", "sync " * (n + 1))
    fast = [obj.pk for obj in Topic.objects.search("sync")[3:6]]
    monkeypatch.setattr(whoosh.whoosh_fast, "np", None)
    assert fast == [obj.pk for obj in Topic.objects.search("sync")[3:6]]


def test_fast_scorer_leaves_phrases_and_fuzzy_words_to_whoosh(backend):
    from whoosh import query as wq

    from search.backends import whoosh_fast

    topic("Sync stops on folder")
    searcher_results = backend.with_searcher(
        lambda searcher: (
            whoosh_fast.score_query(searcher, backend.weighting, wq.Phrase("s__x", ["a", "b"]), set(), 10),
            whoosh_fast.score_query(searcher, backend.weighting, wq.FuzzyTerm("s__x", "sync"), set(), 10),
        )
    )
    assert searcher_results == (None, None)


def test_fast_scorer_reuses_postings_within_a_byte_budget(backend, monkeypatch):
    from search.backends import whoosh_fast

    for n in range(6):
        topic(f"Sync stops on folder {n}", "sync folder " * (n + 1))
    first = _ranked(Topic.objects.all(), "sync folder", "or")
    backend.with_searcher(lambda searcher: searcher.__dict__.pop("_community_postings", None))
    monkeypatch.setattr(whoosh_fast, "POSTINGS_CACHE_BYTES", 64)  # room for next to nothing
    assert _ranked(Topic.objects.all(), "sync folder", "or") == first
    sizes = backend.with_searcher(lambda searcher: searcher._community_postings_bytes)
    assert 0 <= sizes <= 64
    monkeypatch.setattr(whoosh_fast, "POSTINGS_CACHE_BYTES", 32 * 1024 * 1024)
    backend.with_searcher(lambda searcher: searcher.__dict__.pop("_community_postings", None))
    assert _ranked(Topic.objects.all(), "sync folder", "or") == first
    cached = backend.with_searcher(lambda searcher: len(searcher._community_postings))
    assert cached > 0
    assert _ranked(Topic.objects.all(), "sync folder", "or") == first  # answered from the cache


def test_fast_facet_counts_match_whoosh_column_counts(backend, monkeypatch):
    for n in range(10):
        topic(
            f"Sync stops on folder {n}",
            kind="idea" if n % 3 == 0 else "question",
            status="solved" if n % 4 == 0 else "open",
        )
    results = Topic.objects.filter(is_hidden=False).search("sync")
    fast = {name: dict(results.facet(name)) for name in ("kind", "status", "category_id")}
    assert fast["kind"] == {"question": 6, "idea": 4} and fast["status"] == {"open": 7, "solved": 3}
    monkeypatch.setattr(whoosh.whoosh_fast, "np", None)
    results = Topic.objects.filter(is_hidden=False).search("sync")
    assert fast == {name: dict(results.facet(name)) for name in ("kind", "status", "category_id")}


def test_unsupported_queries_raise_the_backend_contract_error(backend):
    """Like modelsearch's Elasticsearch and PostgreSQL backends: every query class modelsearch
    defines is compiled; anything else, and non-plain-text autocomplete, is refused by name."""
    from modelsearch.query import Phrase

    TopicFactory(title="Configuration of notifications")
    with pytest.raises(NotImplementedError, match="`object` is not supported by the whoosh search backend"):
        list(Topic.objects.search(object()))
    with pytest.raises(NotImplementedError, match="`Phrase` is not supported for autocomplete queries"):
        list(Topic.objects.autocomplete(Phrase("configuration of")))
