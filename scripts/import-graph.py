"""Print the package's import graph: modules, arrows, cycles and layers.

A module's layer is one more than the highest layer among the modules it imports
(a module that imports nothing of the package sits on layer 1). Every import counts,
including ones inside functions and under TYPE_CHECKING. Run from the checkout:

    python scripts/import-graph.py            # summary
    python scripts/import-graph.py --layers   # every module with its layer
    python scripts/import-graph.py --units    # each folder one unit; cli.py and __main__.py the command line
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

PACKAGE = "summarizer"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def resolve(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def graph(root: Path) -> dict[str, set[str]]:
    files = {module_name(p, root): p for p in (root / PACKAGE).rglob("*.py")}
    arrows: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = resolve(node, name, is_package)
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                # the longest known module that the target names
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name and target != PACKAGE:
                    arrows[name].add(target)
                    break
    return arrows


def units(arrows: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph with each folder folded into one unit (summarizer.offline.* -> summarizer.offline), and the
    command line (cli.py, __main__.py) as one."""

    def unit(name: str) -> str:
        if name == f"{PACKAGE}.__main__":  # `python -m summarizer` is the command line too
            return f"{PACKAGE}.cli"
        return ".".join(name.split(".")[:2])

    out: dict[str, set[str]] = {}
    for name, targets in arrows.items():
        out.setdefault(unit(name), set()).update(unit(t) for t in targets if unit(t) != unit(name))
    return out


def cycles(arrows: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in arrows[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in arrows:
        if v not in index:
            visit(v)
    return found


def layers(arrows: dict[str, set[str]]) -> dict[str, int]:
    memo: dict[str, int] = {}

    def layer(v: str, seen: frozenset[str]) -> int:
        if v in memo:
            return memo[v]
        below = [layer(w, seen | {v}) for w in arrows[v] if w not in seen]
        memo[v] = 1 + max(below, default=0)
        return memo[v]

    return {v: layer(v, frozenset()) for v in sorted(arrows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", action="store_true", help="list every module with its layer")
    parser.add_argument("--units", action="store_true", help="fold each subpackage into one unit")
    args = parser.parse_args()
    arrows = graph(Path.cwd())
    if args.units:
        arrows = units(arrows)
    found = cycles(arrows)
    depth = layers(arrows)
    if args.layers:
        for name, n in sorted(depth.items(), key=lambda kv: (kv[1], kv[0])):
            print(f"{n:2d}  {name}  -> {', '.join(sorted(arrows[name])) or '-'}")
    print(f"{'units' if args.units else 'modules'} {len(arrows)}, arrows {sum(map(len, arrows.values()))}, "
          f"layers {max(depth.values())}, cycles {len(found)}")
    for comp in found:
        print("cycle:", " <-> ".join(comp))
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
