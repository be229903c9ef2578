"""Plain-text helpers for the search features: normalising queries, tokens, stems, stop words.

These work on Python strings only and never touch an index, so the search page, the
similar-questions endpoint, snippets and "did you mean" behave the same on every search
backend (whoosh, the database, Elasticsearch).
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # whoosh is a runtime dependency; its Porter stemmer is a pure function.
    from whoosh.lang.porter import stem as _porter_stem
except ImportError:  # pragma: no cover - a deployment without whoosh still stems, crudely

    def _porter_stem(word: str) -> str:
        for suffix in ("ingly", "edly", "ing", "ies", "ed", "es", "ly", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return word[: -len(suffix)]
        return word


#: The longest query we look at; longer input is cut, never refused.
MAX_QUERY_LENGTH = 200
#: The most words a query sends to the backend.
MAX_QUERY_TERMS = 16

WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)

STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "get",
        "got",
        "im",
        "ive",
        "id",
        "dont",
        "cant",
        "doesnt",
        "isnt",
    ]
)


def normalise_query(raw: str | None) -> str:
    """The query as a person meant it: cut to ``MAX_QUERY_LENGTH``, whitespace collapsed.

    Control characters are dropped. The result keeps case and punctuation (it is shown back
    in the search box); use :func:`query_terms` for what is searched.
    """
    if not raw:
        return ""
    text = "".join(ch if ch.isprintable() else " " for ch in str(raw)[: MAX_QUERY_LENGTH * 4])
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def tokenize(text: str) -> list[str]:
    """Lower-case words (letters and digits; an inner apostrophe is kept then dropped)."""
    return [m.group(0).replace("'", "").replace("’", "") for m in WORD_RE.finditer(text.lower())]


def query_terms(query: str, *, drop_stop_words: bool = True) -> list[str]:
    """The words of ``query`` that are worth searching for, in order, without repeats.

    Stop words are dropped unless the query is made of nothing else ("how to" stays searchable).
    At most ``MAX_QUERY_TERMS`` words are kept.
    """
    words = tokenize(query)
    seen: list[str] = []
    for word in words:
        if word not in seen:
            seen.append(word)
    if drop_stop_words:
        content = [w for w in seen if w not in STOP_WORDS]
        if content:
            seen = content
    return seen[:MAX_QUERY_TERMS]


def backend_query(query: str, *, drop_stop_words: bool = True) -> str:
    """The string handed to ``.search()``: words only, so no backend sees query syntax it could
    choke on (quotes, ``*``, ``AND``, unbalanced brackets). Empty when nothing is searchable."""
    return " ".join(query_terms(query, drop_stop_words=drop_stop_words))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """English Porter stem of a lower-case word ("configuring" -> "configur")."""
    return _porter_stem(word)


def cache_key_for(query: str) -> str:
    """A short stable key for caching per normalised query."""
    import hashlib

    normal = " ".join(tokenize(query))
    return hashlib.sha1(normal.encode("utf-8"), usedforsecurity=False).hexdigest()
