"""Guards on the project's structure: rules that a grep can check, checked on every run.

* Visibility is written once (``forum/querysets.py``): no other module filters on
  ``is_hidden`` by hand; they call ``.visible()`` or a selector.
* Modules do one job: none outside migrations, tests and bench is longer than
  ``MAX_MODULE_LINES``; a longer one becomes a package (``forum/views/``, ``forum/admin/``).
* The apps' walls: accounts imports no other app, the forum does not import notifications
  (its events are the seam), and there is no import cycle between apps.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_PARTS = {"migrations", "tests", ".venv", "var", "node_modules", "staticfiles"}
MAX_MODULE_LINES = 800

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


def test_no_module_outside_migrations_tests_and_bench_is_longer_than_the_limit():
    too_long = {
        rel: lines
        for rel, path in project_sources()
        if rel.split("/", 1)[0] != "bench"
        # the production smoke test is a test script (run by CI after the suites), like tests/
        and not rel.startswith("deploy/smoke/")
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}, f"Split these into a package of modules that do one job each: {too_long}"


def test_the_module_length_guard_reads_every_app():
    read = {rel.split("/", 1)[0] for rel, _path in project_sources()}
    assert {"forum", "kb", "search", "accounts", "notifications", "mentions", "core"} <= read
    assert not any("/migrations/" in rel or rel.startswith("tests/") for rel, _path in project_sources())


def _app_arrows() -> dict[tuple[str, str], set[str]]:
    from bench.import_graph import build

    return build(ROOT)[3]


def test_accounts_imports_no_other_app():
    """accounts owns the user model and sits under every other app: the others listen to its
    signals (``accounts.signals``), it never reaches up into them. Only ``core`` (shared
    plumbing with no domain models) is below it."""
    arrows = {
        f"{src} -> {dst}: {sorted(mods)}"
        for (src, dst), mods in _app_arrows().items()
        if src == "accounts" and dst != "core"
    }
    assert arrows == set()


def test_forum_does_not_import_notifications():
    """The forum announces what happened (``forum.events``); notifications listens. An import
    of notifications from the forum would make the forum depend on who listens to it."""
    assert _app_arrows().get(("forum", "notifications"), set()) == set()


def test_the_app_arrows_are_read_from_the_tree():
    """The guards above would pass on an empty graph: check that it holds the known arrows."""
    arrows = _app_arrows()
    assert ("forum", "accounts") in arrows
    assert ("notifications", "forum") in arrows


def test_no_new_import_cycles():
    """No cycle between apps, and within an app only the benign "a service enqueues a task, the
    task calls a service" loop."""
    from bench.import_graph import app_cycles, build, module_cycles_within_apps

    _apps, _modules, module_edges, app_edges = build(ROOT)
    assert app_cycles(app_edges) == []
    assert module_cycles_within_apps(module_edges) in (
        [],
        [["notifications.services", "notifications.tasks"]],
    )


def test_no_bench_script_shadows_a_package_of_the_project():
    """Bench scripts put bench/ first on sys.path to import each other; a script named like an
    app (bench/inbound.py once did) would then shadow that app and break Django's start."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    scripts = {p.stem for p in (ROOT / "bench").glob("*.py")}
    assert packages, "no package found: the guard reads nothing"
    assert not scripts & packages
