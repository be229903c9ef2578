"""Display names: how a typed name is normalised, and when it passes for someone else's.

* ``normalise_name``: Unicode NFKC (full-width and stylised letters become plain ones), with
  format characters (category Cf: zero-width spaces and joiners, the soft hyphen, direction
  marks) dropped and runs of whitespace made one space.
* ``skeleton``: the name as it *looks*, after UTS #39's confusable skeleton. Each character
  is replaced by one representative of its confusable class, from the Unicode confusables
  table shipped (and kept current) by the ``confusable-homoglyphs`` package; ASCII letters
  share a class with their other case, and letters that look like two ("m" and "rn") are
  expanded. "Ѕam" (Cyrillic Ѕ), "SAM", "Sarn" and "sam" share one skeleton. Spaces are left
  out. The skeleton is for comparing, never for showing.
* ``look_alike``: two names look the same, as typed or case-folded.
* ``impersonated_member``: the staff member, moderator, editor or administrator whose name
  or username has the same skeleton, if any. Plain members are checked by exact name
  elsewhere (``accounts.forms.ProfileForm``); role holders are few, so comparing skeletons in
  Python costs one small query.
"""

from __future__ import annotations

import functools
import unicodedata

from django.db.models import Q

from confusable_homoglyphs.confusables import confusables_data

from accounts import roles


def normalise_name(name: str) -> str:
    """NFKC, without format characters, whitespace collapsed and stripped."""
    name = unicodedata.normalize("NFKC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    return " ".join(name.split())


@functools.cache
def _classes() -> tuple[dict[str, str], dict[str, str]]:
    """(representative of each character's class, multi-letter prototypes such as m -> rn).

    Classes join each character with its confusables and each ASCII letter with its other
    case (so "O", "0" and "o" are one class). Only ASCII case pairs are joined: joining every
    case pair would chain unrelated letters (N ~ Greek Nu, whose small form looks like v)."""
    parent: dict[str, str] = {}

    def find(ch: str) -> str:
        parent.setdefault(ch, ch)
        while parent[ch] != ch:
            parent[ch] = parent[parent[ch]]
            ch = parent[ch]
        return ch

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    expansions: dict[str, str] = {}
    for char, entries in confusables_data.items():
        singles = [e["c"] for e in entries if len(e["c"]) == 1]
        for other in singles:
            union(char, other)
        if not singles and len(entries) == 1 and entries[0]["c"].isascii():
            expansions[char] = entries[0]["c"]  # "m" looks like "rn"
    for code in range(ord("A"), ord("Z") + 1):
        union(chr(code), chr(code).lower())
    representatives = {ch: find(ch) for ch in parent}
    # Key the expansions by class, so "M" (one class with "m") expands as "m" does.
    return representatives, {representatives.get(ch, ch): to for ch, to in expansions.items()}


def _map(text: str) -> str:
    representatives, expansions = _classes()
    classes = "".join(representatives.get(ch, ch) for ch in text)
    expanded = "".join(expansions.get(ch, ch) for ch in classes)
    return "".join(representatives.get(ch, ch) for ch in expanded)


def skeleton(name: str) -> str:
    """What ``name`` looks like, for comparing names (see the module's docstring)."""
    return _map(normalise_name(name).replace(" ", ""))


def look_alike(a: str, b: str) -> bool:
    """True when the names ``a`` and ``b`` look the same (as typed, or case-folded)."""
    keys_a = {skeleton(a), skeleton(a.casefold())} - {""}
    return bool(keys_a & {skeleton(b), skeleton(b.casefold())})


def _role_holders():
    from accounts.models import User

    return User.objects.filter(
        Q(is_superuser=True) | Q(groups__name__in=roles.ROLE_GROUPS), is_active=True
    ).distinct()


def impersonated_member(name: str, *, exclude_pk: int | None = None):
    """The role holder (staff, moderator, editor, administrator) whose display name or
    username looks like ``name``, or ``None``."""
    if not skeleton(name):
        return None
    for member in _role_holders().exclude(pk=exclude_pk).only("pk", "username", "display_name"):
        if any(look_alike(name, theirs) for theirs in (member.display_name, member.username) if theirs):
            return member
    return None
