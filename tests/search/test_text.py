"""Query normalisation, snippets and spelling suggestions (pure Python, no index)."""

from __future__ import annotations

import pytest

from search import spelling
from search.snippets import highlight, snippet
from search.text import MAX_QUERY_LENGTH, backend_query, normalise_query, query_terms


def test_normalise_query_cuts_collapses_and_drops_control_characters():
    assert normalise_query("  Reset \t my\n password ") == "Reset my password"
    assert normalise_query("a\x00b") == "a b"
    assert len(normalise_query("x" * 10_000)) == MAX_QUERY_LENGTH
    assert normalise_query(None) == ""


def test_query_terms_drop_stop_words_and_repeats_but_keep_all_stop_word_queries():
    assert query_terms("How do I reset my password, my PASSWORD?") == ["reset", "password"]
    assert query_terms("how to") == ["how", "to"]


def test_backend_query_strips_query_syntax():
    assert backend_query('refund AND (OR "unbalanced*') == "refund unbalanced"
    assert backend_query("?!.,;") == ""


def test_highlight_escapes_text_and_marks_stems():
    html = highlight("Configuring <b>exports</b> & more", ["configure", "export"])
    assert html == "<mark>Configuring</mark> &lt;b&gt;<mark>exports</mark>&lt;/b&gt; &amp; more"


def test_snippet_picks_the_window_with_the_most_query_words():
    filler = " ".join(f"word{n}" for n in range(80))
    text = f"{filler} the printer driver crashes here {filler}"
    html = snippet([text], ["printer", "driver"], words=12)
    assert html.startswith("… ") and html.endswith(" …")
    assert "<mark>printer</mark> <mark>driver</mark>" in html


def test_snippet_uses_the_start_of_the_text_when_nothing_matches():
    assert snippet(["Hello <world>"], ["absent"]) == "Hello &lt;world&gt;"
    assert snippet(["", None], ["absent"]) == ""


@pytest.fixture
def vocabulary(monkeypatch):
    vocab = {"password": 10, "reset": 8, "printer": 5, "passport": 1, "driver": 3}
    monkeypatch.setattr(spelling, "vocabulary", lambda: vocab)
    return vocab


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("pasword reset", "password reset"),
        ("password rset", "password reset"),
        ("pritner", "printer"),
        ("printre drvier", "printer driver"),
        ("password reset", None),
        ("xyzzyqwert", None),
        ("how to", None),
        ("2024", None),
    ],
)
def test_spelling_suggest(vocabulary, query, suggestion):
    assert spelling.suggest(query) == suggestion


def test_spelling_vocabulary_is_built_from_visible_titles_only(db):
    from tests.factories import TopicFactory

    TopicFactory(title="Bluetooth pairing fails")
    TopicFactory(title="Secretword leaked", is_hidden=True)
    spelling.forget_vocabulary()
    vocab = spelling.build_vocabulary()
    assert "bluetooth" in vocab and "pairing" in vocab
    assert "secretword" not in vocab
