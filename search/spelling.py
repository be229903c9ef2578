""" "Did you mean": spelling suggestions from the words the site itself uses.

The vocabulary is every word of visible topic titles, the names of tags in use on visible
topics or live FAQ articles, category names and live FAQ article titles, with how often it occurs. It is built from the database (not from any search
index, so it works on every backend), kept in the cache for ``SEARCH_VOCABULARY_SECONDS``
(default an hour) and held in each process for a minute so a request does not unpickle it.

A query word is corrected only when neither it nor its stem is in the vocabulary, at least
``MIN_WORD_LENGTH`` letters long and not a number; the correction is the most frequent known
word within one edit (insert, delete, replace, swap two neighbours), else within two edits of
a word of similar length. Known words are never "corrected".

The cost is bounded whatever the vocabulary and the query: the two-edit search looks only at
known words that share the typed word's first or last letter and are within two letters of
its length (an index built once per vocabulary, held beside it, most frequent words first),
at most ``DEEP_CANDIDATES`` of them; and at most ``MAX_DEEP_CORRECTIONS`` words of one query
get that search. The others keep the one-edit lookup, which costs the same for any
vocabulary size. So one query costs at most ``MAX_DEEP_CORRECTIONS * DEEP_CANDIDATES``
edit distances (``bench/spelling_bound.py`` prints the figures).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from search.text import STOP_WORDS, stem, tokenize

VOCABULARY_CACHE_KEY = "search:vocabulary:v2"
VOCABULARY_GENERATION_KEY = "search:vocabulary:generation"
MIN_WORD_LENGTH = 4
#: Words of one query that may get the two-edit search (the costly part).
MAX_DEEP_CORRECTIONS = 2
#: Known words one two-edit search compares at most (the most frequent first).
DEEP_CANDIDATES = 1000
LETTERS = "abcdefghijklmnopqrstuvwxyz"
_local: dict = {"at": 0.0, "vocabulary": None}


def build_vocabulary() -> dict[str, int]:
    """Word -> frequency over what visitors can see (hidden topics and drafts are left out)."""
    from taggit.models import Tag

    from forum.models import Category, Topic
    from search.sources import faq_model

    counts: Counter[str] = Counter()
    for title in Topic.objects.visible().values_list("title", flat=True).iterator(chunk_size=5000):
        counts.update(tokenize(title))
    # Only tags some visitor can see in use: a tag used only on hidden topics stays secret.
    shown_tags = Tag.objects.filter(
        Q(forum_taggedtopic_items__content_object__in=Topic.objects.visible())
        | Q(kb_taggedfaqarticle_items__content_object__live=True)
    ).distinct()
    for name in shown_tags.values_list("name", flat=True):
        counts.update(tokenize(name))
    for name in Category.objects.values_list("name", flat=True):
        counts.update(tokenize(name))
    model = faq_model()
    if model is not None:
        for title in model.objects.live().values_list("title", flat=True):
            counts.update(tokenize(title) * 3)  # FAQ wording is curated: trust it more
    return {word: n for word, n in counts.items() if len(word) > 1 and not word.isdigit()}


def _generation() -> int:
    # A fresh number if the key was evicted, so an older cached vocabulary is never reused.
    value = cache.get_or_set(VOCABULARY_GENERATION_KEY, lambda: time.time_ns(), None)
    return int(value) if value is not None else time.time_ns()


def vocabulary() -> dict[str, int]:
    """The vocabulary; each process keeps its copy for a minute, or until another process
    forgets it (``forget_vocabulary`` moves a shared generation number)."""
    now = time.monotonic()
    generation = _generation()
    if _local["vocabulary"] is not None and now - _local["at"] < 60 and _local.get("gen") == generation:
        return _local["vocabulary"]
    key = f"{VOCABULARY_CACHE_KEY}:{generation}"
    vocab = cache.get(key)
    if vocab is None:
        vocab = build_vocabulary()
        cache.set(key, vocab, getattr(settings, "SEARCH_VOCABULARY_SECONDS", 3600))
    _local.update(at=now, vocabulary=vocab, stems=None, gen=generation)
    return vocab


def known_stems(vocab: dict[str, int]) -> set[str]:
    """Stems of the vocabulary, so "invoice" counts as known when titles say "invoices"."""
    if _local.get("stems") is None or _local.get("stems_of") is not vocab:
        _local.update(stems={stem(word) for word in vocab}, stems_of=vocab)
    return _local["stems"]


def _edge_index(vocab: dict[str, int]) -> dict[tuple[str, int, str], list[str]]:
    """Known words by ("first" or "last", length, letter): the two-edit search's candidates."""
    if _local.get("edges") is None or _local.get("edges_of") is not vocab:
        index: dict[tuple[str, int, str], list[str]] = {}
        for known in vocab:
            if len(known) >= MIN_WORD_LENGTH:
                index.setdefault(("first", len(known), known[0]), []).append(known)
                index.setdefault(("last", len(known), known[-1]), []).append(known)
        for words in index.values():
            words.sort(key=lambda w: (-vocab[w], w))
        _local.update(edges=index, edges_of=vocab)
    return _local["edges"]


def forget_vocabulary() -> None:
    """Drop the cached vocabulary in every process (a topic hidden or shown, bulk imports)."""
    try:
        cache.incr(VOCABULARY_GENERATION_KEY)
    except ValueError:  # not there yet (or evicted): any new value differs from the old
        cache.set(VOCABULARY_GENERATION_KEY, time.time_ns(), None)
    _local.update(at=0.0, vocabulary=None, stems=None, stems_of=None, edges=None, edges_of=None)


def _edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in LETTERS]
    inserts = [a + c + b for a, b in splits for c in LETTERS]
    return set(deletes + swaps + replaces + inserts)


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, giving up (returning limit + 1) past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _needs_correction(word: str, vocab: dict[str, int]) -> bool:
    """Unknown, long enough, a word (not a number or a stop word), in plain letters."""
    return not (
        word in vocab
        or len(word) < MIN_WORD_LENGTH
        or word.isdigit()
        or word in STOP_WORDS
        or not word.isascii()
    )


def _two_edit_candidates(word: str, vocab: dict[str, int]):
    """Known words within two letters of ``word``'s length sharing its first or last letter."""
    index = _edge_index(vocab)
    for length in (len(word), len(word) - 1, len(word) + 1, len(word) - 2, len(word) + 2):
        yield from index.get(("first", length, word[0]), ())
        for known in index.get(("last", length, word[-1]), ()):
            if known[0] != word[0]:  # those were in the first bucket already
                yield known


def correct_word(word: str, vocab: dict[str, int], *, deep: bool = True) -> str | None:
    """The likeliest known word for an unknown ``word``, or None. ``deep=False`` tries one
    edit only (cheap for any vocabulary)."""
    if not _needs_correction(word, vocab):
        return None
    candidates = [w for w in _edits1(word) if w in vocab]
    if candidates:
        return max(candidates, key=lambda w: (vocab[w], w))
    if not deep:
        return None
    best: tuple[int, int, str] | None = None
    for known in itertools.islice(_two_edit_candidates(word, vocab), DEEP_CANDIDATES):
        distance = _distance(word, known, 2)
        if distance <= 2:
            key = (-distance, vocab[known], known)
            if best is None or key > best:
                best = key
    return best[2] if best else None


def suggest(query: str) -> str | None:
    """A corrected query when some of its words look misspelt, else None.

    The suggestion keeps the query's other words as typed (lower-cased)."""
    words = tokenize(query)
    if not words:
        return None
    vocab = vocabulary()
    if not vocab:
        return None
    stems = known_stems(vocab)
    changed = False
    out: list[str] = []
    deep_left = MAX_DEEP_CORRECTIONS
    for word in words:
        fixed = None
        if stem(word) not in stems:
            fixed = correct_word(word, vocab, deep=False)
            if fixed is None and deep_left > 0 and _needs_correction(word, vocab):
                deep_left -= 1
                fixed = correct_word(word, vocab)
        if fixed and fixed != word:
            out.append(fixed)
            changed = True
        else:
            out.append(word)
    return " ".join(out) if changed else None
