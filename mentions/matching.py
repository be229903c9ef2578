"""Keywords, text normalisation and near-duplicate fingerprints for mentions.

A SimHash (Charikar, 2002) over word 3-shingles gives reposts of one text fingerprints a few bits
apart, where unrelated texts differ in about half of the 64 bits. A fingerprint within
``NEAR_DUPLICATE_BITS`` bits makes a candidate; the candidate is a repost when the two texts
also share at least ``NEAR_DUPLICATE_JACCARD`` of their words (texts about one product share
many shingles, so the fingerprint alone is not trusted).
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata

import numpy as np

MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 100
NEAR_DUPLICATE_BITS = 12
NEAR_DUPLICATE_JACCARD = 0.8
MIN_TOKENS_FOR_NEAR_MATCH = 8
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)
_MASK64 = (1 << 64) - 1


def split_keywords(raw: str) -> list[str]:
    """Keywords from one per line or comma-separated text: trimmed, de-duplicated (any case)."""
    seen: dict[str, str] = {}
    for part in re.split(r"[\n,]", raw or ""):
        keyword = " ".join(part.split())
        if keyword and keyword.casefold() not in seen:
            seen[keyword.casefold()] = keyword
    return list(seen.values())


def keyword_errors(raw: str) -> list[str]:
    """What is wrong with a keyword list, in words for the form (empty when it is fine)."""
    keywords = split_keywords(raw)
    errors = []
    if not keywords:
        errors.append("Give at least one keyword: entries that match none of them are skipped.")
    if len(keywords) > MAX_KEYWORDS:
        errors.append(f"Use at most {MAX_KEYWORDS} keywords (this has {len(keywords)}).")
    too_long = [k for k in keywords if len(k) > MAX_KEYWORD_LENGTH]
    if too_long:
        errors.append(f"Keep each keyword under {MAX_KEYWORD_LENGTH} characters.")
    if any(not _WORD.search(k) for k in keywords):
        errors.append("Each keyword needs at least one letter or digit.")
    return errors


def matched_keywords(keywords: list[str], *texts: str) -> list[str]:
    """The keywords found in any of ``texts`` as whole words or phrases, in any case."""
    haystack = " ".join(t for t in texts if t)
    found = []
    for keyword in keywords:
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in keyword.split()) + r"(?!\w)"
        if re.search(pattern, haystack, re.IGNORECASE | re.UNICODE):
            found.append(keyword)
    return found


def tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", _URL.sub(" ", text or "")).casefold()
    return _WORD.findall(text)


def _hash64(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")


def simhash(text: str) -> int:
    """The 64-bit SimHash of ``text`` (unsigned). Short texts hash their whole token string,
    so only identical short texts collide."""
    words = tokens(text)
    if len(words) < MIN_TOKENS_FOR_NEAR_MATCH:
        return _hash64(" ".join(words))
    hashes = np.array([_hash64(" ".join(words[i : i + 3])) for i in range(len(words) - 2)], dtype=np.uint64)
    # One row of 64 bits per shingle (least significant bit first); a bit is set in the
    # fingerprint when more shingles have it set than not.
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    if sys.byteorder == "big":  # pragma: no cover - the bytes of each hash come most significant first
        bits = bits.reshape(-1, 8, 8)[:, ::-1, :].reshape(-1, 64)
    votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(hashes)
    return sum(1 << bit for bit in np.flatnonzero(votes > 0).tolist())


def to_signed(value: int) -> int:
    """An unsigned 64-bit value as the signed integer a BigIntegerField stores."""
    value &= _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value & _MASK64


def distance(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()


def jaccard(a: str, b: str) -> float:
    left, right = set(tokens(a)), set(tokens(b))
    if not left and not right:
        return 1.0
    return len(left & right) / len(left | right)


def is_near_duplicate(a_print: int, a_text: str, b_print: int, b_text: str) -> bool:
    """Near-identical: the same short text, or a longer one within the fingerprint distance
    and sharing most of its words."""
    if is_short(a_text) or is_short(b_text):
        return tokens(a_text) == tokens(b_text)
    return (
        distance(a_print, b_print) <= NEAR_DUPLICATE_BITS
        and jaccard(a_text, b_text) >= NEAR_DUPLICATE_JACCARD
    )


def is_short(text: str) -> bool:
    return len(tokens(text)) < MIN_TOKENS_FOR_NEAR_MATCH


def url_key(url: str) -> str:
    """A stable key for an address: scheme and host in lower case, no fragment, no trailing
    slash, and the usual tracking parameters dropped, so one post shared twice is one mention."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit((url or "").strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in {"fbclid", "gclid", "ref", "ref_src"}
    ]
    path = parts.path.rstrip("/") or "/"
    normal = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))
    return hashlib.sha256(normal.encode()).hexdigest()
