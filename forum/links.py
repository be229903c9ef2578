"""Addresses of the community's objects, built as ``reverse()`` builds them, for a fraction of
the cost: a topic list renders about a hundred addresses and a long topic dozens, and Django's
``reverse()`` (about 30 µs each) was a tenth of such a page's rendering time.

``reverse_fast(name, **kwargs)`` reverses ``name`` once per script prefix and set of keyword
names with marker values, keeps the address split around the markers, and then only fills in
the values. It takes the fast road only for values every converter of these addresses accepts
and writes unchanged (non-negative integers; non-empty strings of ASCII letters, digits, ``-``
and ``_``, which is what slugs are); anything else, or an address in which a marker is not
found exactly once, goes through ``reverse()`` itself. So the answer is always what
``reverse()`` gives (tested in ``tests/forum/test_links.py``).
"""

from __future__ import annotations

import functools
import re

from django.urls import get_script_prefix, reverse

_INT_MARKER = 987654321013
_STR_MARKER = "zqxmarkerqzx"
_PLAIN = re.compile(r"[-a-zA-Z0-9_]+")  # accepted by the str and slug converters, never quoted


@functools.lru_cache(maxsize=256)
def _shape(name: str, kinds: tuple[tuple[str, bool], ...], prefix: str) -> tuple[list[str], list[str]] | None:
    """The address of ``name`` cut at each keyword's marker: (pieces, keyword order), or None
    when the markers cannot be found exactly once each (then every call uses reverse())."""
    markers = {
        key: (f"{_INT_MARKER + i}" if is_int else f"{_STR_MARKER}{i}")
        for i, (key, is_int) in enumerate(kinds)
    }
    url = reverse(
        name,
        kwargs={
            key: (int(m) if is_int else m) for (key, is_int), m in zip(kinds, markers.values(), strict=True)
        },
    )
    positions = []
    for key, marker in markers.items():
        if url.count(marker) != 1:
            return None
        positions.append((url.index(marker), key, marker))
    positions.sort()
    pieces, order, start = [], [], 0
    for index, key, marker in positions:
        pieces.append(url[start:index])
        order.append(key)
        start = index + len(marker)
    pieces.append(url[start:])
    return pieces, order


def reverse_fast(name: str, **kwargs: int | str) -> str:
    """``reverse(name, kwargs=kwargs)``, for keyword values that are integers or strings."""
    kinds = []
    for key, value in kwargs.items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            return reverse(name, kwargs=kwargs)
        if isinstance(value, int) and value < 0:
            return reverse(name, kwargs=kwargs)
        if isinstance(value, str) and (not _PLAIN.fullmatch(value) or _STR_MARKER in value):
            return reverse(name, kwargs=kwargs)
        kinds.append((key, isinstance(value, int)))
    shape = _shape(name, tuple(kinds), get_script_prefix())
    if shape is None:
        return reverse(name, kwargs=kwargs)
    pieces, order = shape
    parts = [pieces[0]]
    for key, piece in zip(order, pieces[1:], strict=True):
        value = kwargs[key]
        parts.append(str(value))
        parts.append(piece)
    return "".join(parts)
