"""The package's layers hold: no import cycles, no import from a lower layer up to a higher one.

The graph is read from the source by scripts/import-graph.py (every import counts, inside functions and under
TYPE_CHECKING too). docs/ARCHITECTURE.md draws the same layers.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A unit is a folder of summarizer/, or a top-level module; the command line (cli.py and
# __main__.py) is one unit. A unit may import only units of lower layers.
LAYERS: list[set[str]] = [
    {"core"},
    {"ingestion", "reading", "rendering"},
    {"verification", "merging"},
    {"offline", "model"},
    {"pipeline"},
    {"evaluation", "summarizer"},  # "summarizer": the package's __init__, the library's public face
    {"cli"},
]


def _graph_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import-graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def graph() -> ModuleType:
    return _graph_module()


def _short(name: str) -> str:
    return name.removeprefix("summarizer.") if name != "summarizer" else "summarizer"


def test_no_import_cycles(graph: ModuleType) -> None:
    modules = graph.graph(ROOT)
    assert graph.cycles(modules) == []
    assert graph.cycles(graph.units(modules)) == []


def test_every_unit_has_a_layer(graph: ModuleType) -> None:
    units = {_short(u) for u in graph.units(graph.graph(ROOT))}
    placed = set().union(*LAYERS)
    assert units == placed, f"units without a layer: {units - placed}; layers naming no unit: {placed - units}"


def test_imports_only_go_down(graph: ModuleType) -> None:
    layer = {unit: n for n, units in enumerate(LAYERS) for unit in units}
    upward = [f"{_short(a)} -> {_short(b)}" for a, targets in graph.units(graph.graph(ROOT)).items()
              for b in targets if layer[_short(b)] >= layer[_short(a)]]
    assert upward == [], "imports that do not go to a lower layer: " + ", ".join(sorted(upward))


def test_at_most_seven_layers(graph: ModuleType) -> None:
    assert max(graph.layers(graph.units(graph.graph(ROOT))).values()) <= 7


def test_openai_and_instructor_are_imported_by_the_client_only() -> None:
    """One module talks to the model library; a cached re-run can then avoid importing it at all."""
    found = set()
    for path in (ROOT / "summarizer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            if any(n.split(".")[0] in ("openai", "instructor") for n in names):
                found.add(path.relative_to(ROOT).as_posix())
    assert found == {"summarizer/model/client.py"}


def test_the_graph_sees_an_upward_import(graph: ModuleType, tmp_path: Path) -> None:
    """The checks above can fail: a core module importing the pipeline is an upward arrow and a cycle."""
    pkg = tmp_path / "summarizer"
    (pkg / "core").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "__init__.py").write_text("")
    (pkg / "core" / "schema.py").write_text("from ..pipeline import run_brief\n")
    (pkg / "pipeline.py").write_text("from .core.schema import Article\n")
    modules = graph.graph(tmp_path)
    assert modules["summarizer.core.schema"] == {"summarizer.pipeline"}
    assert graph.cycles(graph.units(modules)) == [["summarizer.core", "summarizer.pipeline"]]
