"""Guards on the project's structure: rules that a grep can check, checked on every run.

* Visibility is written once (``forum/querysets.py``): no other module filters on
  ``is_hidden`` by hand; they call ``.visible()`` or a selector.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_PARTS = {"migrations", "tests", ".venv", "var", "node_modules", "staticfiles"}

# Where a hand-written hidden filter is the point: the rule itself, the selectors built on it,
# the model (its partial indexes) and the hide/unhide services (conditional UPDATEs that decide
# which of two moderators changed the row).
HIDDEN_FILTER_ALLOWED = {
    "forum/models.py",
    "forum/querysets.py",
    "forum/selectors.py",
    "forum/services/moderation.py",
}
HIDDEN_LOOKUP = re.compile(r"(^|__)is_hidden($|__)")
FILTER_CALLS = {"filter", "exclude", "get", "Q", "get_or_create", "update_or_create"}


def project_sources():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if SKIP_PARTS & set(rel.parts):
            continue
        yield rel.as_posix(), path


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def hand_written_hidden_filters(source: str) -> list[int]:
    """Line numbers of ``filter(is_hidden=...)``-like calls (also through relations)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and _call_name(node) in FILTER_CALLS
            and any(kw.arg and HIDDEN_LOOKUP.search(kw.arg) for kw in node.keywords)
        ):
            lines.append(node.lineno)
    return lines


def test_hand_written_hidden_filter_detector_finds_the_forms_it_forbids():
    source = (
        "Topic.objects.filter(is_hidden=False)\n"
        "qs.exclude(topic__is_hidden=True)\n"
        "Q(post__is_hidden=False)\n"
        "Topic.objects.visible().filter(kind='idea')\n"
        "Post.objects.filter(pk=1).update(is_hidden=True)\n"
    )
    assert hand_written_hidden_filters(source) == [1, 2, 3]


def test_no_hand_written_hidden_filters_outside_the_visibility_modules():
    offenders = [
        f"{rel}:{line}"
        for rel, path in project_sources()
        if rel not in HIDDEN_FILTER_ALLOWED
        for line in hand_written_hidden_filters(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], (
        "Filter visibility with Topic.objects.visible(user) / Post.objects.visible(user) "
        "(forum/querysets.py) or a selector, not by hand: " + ", ".join(offenders)
    )


def _app_arrows() -> dict[tuple[str, str], set[str]]:
    from bench.import_graph import build

    return build(ROOT)[3]


def test_accounts_imports_no_other_app():
    """accounts owns the user model and sits under every other app: the others listen to its
    signals (``accounts.signals``), it never reaches up into them."""
    arrows = {
        f"{src} -> {dst}: {sorted(mods)}" for (src, dst), mods in _app_arrows().items() if src == "accounts"
    }
    assert arrows == set()
