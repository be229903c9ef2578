"""Print the import graph between the project's apps, and any cycles.

Standard library only (ast): every `import x` / `from x import y` in the apps' modules,
at module level or inside functions, counts. Migrations, tests and bench are left out.

    python bench/import_graph.py            # app-level arrows and app cycles
    python bench/import_graph.py --modules  # also module-level cycles inside each app

Exit status 0 always: it reports, it does not judge (tests/test_architecture.py does).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {"migrations", "tests", "bench", ".venv", "var", "node_modules", "staticfiles", "static"}


def project_packages(root: Path = ROOT) -> list[str]:
    """The top-level packages of the project (folders with an __init__.py)."""
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in SKIP_DIRS
    )


def iter_modules(root: Path, apps: list[str]):
    for app in apps:
        for path in sorted((root / app).rglob("*.py")):
            rel = path.relative_to(root)
            if any(part in SKIP_DIRS for part in rel.parts):
                continue
            name = ".".join(rel.with_suffix("").parts)
            if name.endswith(".__init__"):
                name = name[: -len(".__init__")]
            yield name, path


def imports_of(name: str, path: Path, is_package: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            for alias in node.names:  # `from forum import selectors` imports forum.selectors
                found.add(f"{mod}.{alias.name}")
    return found


def build(root: Path = ROOT):
    apps = project_packages(root)
    modules = dict(iter_modules(root, apps))
    module_edges: dict[str, set[str]] = defaultdict(set)
    app_edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, path in modules.items():
        src_app = name.split(".")[0]
        for target in imports_of(name, path, path.name == "__init__.py"):
            dst_app = target.split(".")[0]
            if dst_app not in apps:
                continue
            if target in modules and target != name:
                module_edges[name].add(target)
            if dst_app != src_app:
                app_edges[(src_app, dst_app)].add(name)
    return apps, modules, module_edges, app_edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]
    nodes = set(edges) | {t for ts in edges.values() for t in ts}

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                result.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(result)


def app_cycles(app_edges) -> list[list[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for src, dst in app_edges:
        graph[src].add(dst)
    return cycles(graph)


def module_cycles_within_apps(module_edges) -> list[list[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for src, targets in module_edges.items():
        for dst in targets:
            if src.split(".")[0] == dst.split(".")[0]:
                graph[src].add(dst)
    return cycles(graph)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", action="store_true", help="also list module cycles inside apps")
    args = parser.parse_args(argv)
    apps, modules, module_edges, app_edges = build()
    print(f"apps: {', '.join(apps)} ({len(modules)} modules)")
    print("arrows between apps (importer -> imported: importing modules):")
    for (src, dst), importers in sorted(app_edges.items()):
        print(f"  {src} -> {dst}: {', '.join(sorted(importers))}")
    found = app_cycles(app_edges)
    print("cycles between apps:", "none" if not found else "")
    for comp in found:
        print("  " + " <-> ".join(comp))
    if args.modules:
        inner = module_cycles_within_apps(module_edges)
        print("module cycles inside apps:", "none" if not inner else "")
        for comp in inner:
            print("  " + " <-> ".join(comp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
