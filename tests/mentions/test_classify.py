"""The kind and sentiment guesses, on examples and on the labelled sample as a whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mentions import classify

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "mentions_labelled.json"


@pytest.mark.parametrize(
    "text, kind, sentiment",
    [
        ("Which plan includes audit logs?", "question", "neutral"),
        ("This crap doesn't work, the app crashes on start.", "problem", "negative"),
        ("Thanks for the quick fix, support is amazing!", "praise", "positive"),
        ("It would be nice to have a dark mode.", "idea", "positive"),
        ("The company released version 5.2 today.", "other", "neutral"),
    ],
)
def test_examples(text, kind, sentiment):
    guess = classify.guess("", text)
    assert (guess.kind, guess.sentiment) == (kind, sentiment)


def test_accuracy_on_the_labelled_sample_does_not_fall():
    """A regression guard: bench/mentions_accuracy.py prints the full figures (93% kind and
    79% sentiment when the sample was written)."""
    rows = json.loads(SAMPLE.read_text())
    guesses = [classify.guess("", row["text"]) for row in rows]
    kind = sum(g.kind == row["kind"] for g, row in zip(guesses, rows, strict=True)) / len(rows)
    sentiment = sum(g.sentiment == row["sentiment"] for g, row in zip(guesses, rows, strict=True)) / len(rows)
    assert len(rows) >= 70
    assert kind >= 0.85
    assert sentiment >= 0.7


def test_language_needs_a_few_words():
    assert classify.language_of("ok") == ""
    assert classify.language_of("Die Synchronisierung funktioniert seit dem Update nicht mehr") == "de"
    assert classify.language_of("The sync has not worked since the update") == "en"


def test_empty_text_is_neutral_other():
    guess = classify.guess("", "")
    assert (guess.kind, guess.sentiment, guess.language) == ("other", "neutral", "")
