"""Highlighted snippets, built in Python over stored plain text so every backend gets them.

The rule: user text is escaped first, and only the ``<mark>`` tags this module adds are
markup. A word is highlighted when its stem equals the stem of a query word (so "configure"
highlights "configuring"), never because of HTML in the text or the query.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from search.text import WORD_RE, stem

#: Words of context in a snippet.
SNIPPET_WORDS = 36


def _match_stems(terms: Iterable[str]) -> set[str]:
    return {stem(term) for term in terms if term}


def _is_match(word: str, stems: set[str]) -> bool:
    lowered = word.lower().replace("'", "").replace("’", "")
    return lowered in stems or stem(lowered) in stems


def highlight(text: str, terms: Iterable[str]) -> SafeString:
    """The whole of ``text``, escaped, with words matching ``terms`` wrapped in ``<mark>``."""
    # Safe: _highlight_with_stems escapes every piece of ``text`` and adds only <mark> tags.
    return mark_safe(_highlight_with_stems(text, _match_stems(terms)))  # noqa: S308 - escaped + <mark>


def snippet(texts: Iterable[str], terms: Iterable[str], *, words: int = SNIPPET_WORDS) -> SafeString:
    """The best window of about ``words`` words from ``texts`` (tried in order), highlighted.

    "Best" is the window holding the most distinct matching stems, then the earliest. When
    nothing matches, the start of the first non-empty text is shown. Ellipses mark cuts.
    """
    stems = _match_stems(terms)
    best: tuple | None = None
    fallback: tuple[str, list] | None = None
    for order, text in enumerate(texts):
        if not text:
            continue
        tokens = list(WORD_RE.finditer(text))
        if not tokens:
            continue
        if fallback is None:
            fallback = (text, tokens)
        matched = [stem(t.group(0).lower().replace("'", "").replace("’", "")) in stems for t in tokens]
        if not any(matched):
            continue
        # Slide a window over the tokens and count distinct matching stems in it.
        best_start, best_score = 0, -1
        for start in range(len(tokens)):
            if not matched[start]:
                continue
            window = tokens[start : start + words]
            distinct = {stem(t.group(0).lower()) for t in window} & stems
            if len(distinct) > best_score:
                best_start, best_score = start, len(distinct)
            if best_score == len(stems):
                break
        # Start a few words before the first match so it reads as a sentence.
        begin = max(0, best_start - 4)
        candidate = (best_score, -order, text, tokens[begin : begin + words], begin, len(tokens))
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is not None:
        _score, _order, text, window, begin, total = best
        return _render_window(text, window, stems, cut_before=begin > 0, cut_after=begin + words < total)
    if fallback is not None:
        text, tokens = fallback
        return _render_window(text, tokens[:words], stems, cut_before=False, cut_after=len(tokens) > words)
    return mark_safe("")  # noqa: S308 - the empty string: no text at all


def _render_window(
    text: str, window: list, stems: set[str], *, cut_before: bool, cut_after: bool
) -> SafeString:
    if not window:
        return mark_safe("")  # noqa: S308 - the empty string: no text at all
    start = window[0].start() if cut_before else 0
    end = window[-1].end() if cut_after else len(text)
    piece = text[start:end].strip()
    html = _highlight_with_stems(piece, stems)
    prefix = "… " if cut_before else ""
    suffix = " …" if cut_after else ""
    # Safe: ``html`` comes from _highlight_with_stems (escaped text plus <mark> tags) and the
    # prefix and suffix are fixed ellipses.
    return mark_safe(f"{prefix}{html}{suffix}")  # noqa: S308 - escaped text, <mark>, fixed ellipses


def _highlight_with_stems(text: str, stems: set[str]) -> str:
    out: list[str] = []
    last = 0
    for match in WORD_RE.finditer(text):
        if _is_match(match.group(0), stems):
            out.append(escape(text[last : match.start()]))
            out.append(f"<mark>{escape(match.group(0))}</mark>")
            last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)
