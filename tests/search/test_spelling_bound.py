"""Finding 17 of the 2026-12 security review: spelling correction on a large vocabulary.

One query of 16 unknown 11-letter words against a 50,000-word vocabulary scanned the whole
vocabulary for each word (0.85 s per query). The two-edit search now looks at a bounded
number of candidates for a bounded number of words, whatever the vocabulary's size."""

import random
import string

import pytest

from search import spelling


@pytest.fixture
def large_vocabulary(monkeypatch):
    rng = random.Random(17)
    vocab = {
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 14))): rng.randint(1, 50)
        for _ in range(50_000)
    }
    vocab.update({"password": 500, "printer": 400})
    monkeypatch.setattr(spelling, "vocabulary", lambda: vocab)
    spelling.forget_vocabulary()
    yield vocab
    spelling.forget_vocabulary()


@pytest.fixture
def distance_calls(monkeypatch):
    calls = []
    real = spelling._distance

    def counted(a, b, limit):
        calls.append((a, b))
        return real(a, b, limit)

    monkeypatch.setattr(spelling, "_distance", counted)
    return calls


def test_suggest_on_the_reviews_query_does_a_bounded_amount_of_work(large_vocabulary, distance_calls):
    rng = random.Random(3)
    query = " ".join("".join(rng.choices(string.ascii_lowercase, k=11)) for _ in range(16))
    spelling.suggest(query)
    assert 0 < len(distance_calls) <= spelling.MAX_DEEP_CORRECTIONS * spelling.DEEP_CANDIDATES
    # Before, every unknown word was compared with every known word of similar length sharing
    # a first or last letter: far more than the bound for this query.
    words = query.split()
    unbounded = sum(
        1
        for word in words
        for known in large_vocabulary
        if abs(len(known) - len(word)) <= 2 and (known[0] == word[0] or known[-1] == word[-1])
    )
    assert unbounded > 5 * spelling.MAX_DEEP_CORRECTIONS * spelling.DEEP_CANDIDATES


def test_two_edit_typos_are_still_corrected_in_a_large_vocabulary(large_vocabulary):
    assert spelling.suggest("pasxwrd") == "password"
    assert spelling.suggest("printr") == "printer"  # one edit: no scan at all


def test_one_edit_corrections_are_not_capped(large_vocabulary, distance_calls):
    typos = " ".join(["pasword", "printre"] * 4)
    assert spelling.suggest(typos) == " ".join(["password", "printer"] * 4)
    assert distance_calls == []
