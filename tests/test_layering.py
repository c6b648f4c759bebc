"""The import graph of ``core/``: the layers docs/architecture.md describes, checked from the source.

Three promises:

- ``trellis.metadata`` and ``trellis.expr`` import neither Flask nor SQLAlchemy, anywhere
  (module level or inside a function), and importing any of their modules in a fresh
  interpreter leaves both out of ``sys.modules``: the YAML model and the expression
  language are usable by ``trellis check``, editors and plugins without a web stack or a
  database driver.
- The module-level imports between core packages form a DAG (no cycle), and every edge
  goes down the layer table :data:`LAYERS` below -- the same table docs/architecture.md
  prints. Imports inside functions are excluded: they are how a lower layer reaches a
  higher one at call time (``trellis.cli`` runs each subsystem's commands that way).
- The checker itself finds a cycle, a function-level import and a forbidden import in a
  small made-up package, so these tests cannot pass by seeing nothing.

When a new import breaks the table: move the import down (into the function that needs
it) only when the dependency really is a call-time one; otherwise change the layering on
purpose, here and in docs/architecture.md together.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "core"

#: Core sub-packages, one node each in the graph.
PACKAGES = ["api", "automation", "cli", "data", "expr", "io", "metadata", "plugins", "security", "testing", "web",
            "working_time"]

#: The layers, lowest first. A module may import (at module level) only from a strictly lower
#: layer. ``trellis.X`` names the top-level modules of core (``trellis`` alone is the façade,
#: ``core/__init__.py``). docs/architecture.md prints this table.
LAYERS = [
    ["trellis.errors", "trellis.runtime", "trellis.logs"],
    ["expr"],
    ["metadata"],
    ["plugins", "cli", "trellis.config", "working_time"],
    ["trellis", "data", "trellis.hookspecs", "trellis.plugin_types", "trellis.plugin_manifest"],
    ["security", "io"],
    ["automation", "api"],
    ["web"],
    ["testing", "trellis.demo"],
    ["trellis.app"],
    ["trellis.wsgi"],
]

#: What metadata and expr must never import.
FORBIDDEN = ("flask", "sqlalchemy")


def node_of(module: str, packages=PACKAGES) -> str | None:
    """The graph node of a dotted ``trellis...`` module name: its sub-package, else ``trellis.<module>``."""
    parts = module.split(".")
    if parts[0] != "trellis":
        return None
    if len(parts) == 1:
        return "trellis"
    return parts[1] if parts[1] in packages else f"trellis.{parts[1]}"


def module_name(path: Path, core: Path) -> str:
    """``core/data/records.py`` -> ``trellis.data.records``; a package's ``__init__`` is the package."""
    parts = ["trellis", *path.relative_to(core).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str, core: Path) -> bool:
    relative = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    return (core / relative).with_suffix(".py").is_file() or (core / relative / "__init__.py").is_file()


def imports(path: Path, core: Path, module_level_only: bool) -> list[tuple[str, int]]:
    """``(imported module, line)`` for every import in ``path``; relative imports resolved.

    With ``module_level_only``, imports inside functions (and under ``if TYPE_CHECKING:``) are
    left out; imports in class bodies, ``try`` and plain ``if`` blocks run on import and count.
    ``from package import name`` yields the package and, when ``name`` is a sub-module, it too.
    """
    me = module_name(path, core)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: list[tuple[str, int]] = []

    def visit(nodes):
        for node in nodes:
            if module_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if module_level_only and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                found.extend((alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                found.append((base, node.lineno))
                found.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names
                             if base.startswith("trellis") and _is_module(f"{base}.{alias.name}", core))
            visit(ast.iter_child_nodes(node))

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def package_graph(core: Path, packages=PACKAGES) -> dict[tuple[str, str], list[str]]:
    """``{(from node, to node): ["file:line", ...]}`` for the module-level imports between nodes."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(core.rglob("*.py")):
        source = node_of(module_name(path, core), packages)
        for target, line in imports(path, core, module_level_only=True):
            to = node_of(target, packages)
            if to and to != source:
                edges.setdefault((source, to), []).append(f"{path.relative_to(core)}:{line}")
    return edges


def find_cycle(edges) -> list[str] | None:
    """One cycle of the graph ``edges`` as ``[a, b, ..., a]``, or None when it is a DAG."""
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
    state: dict[str, int] = {}   # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, [])):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def forbidden_imports(folder: Path, core: Path, forbidden=FORBIDDEN) -> list[str]:
    """``"file:line imports x"`` for every import (at any depth) of a ``forbidden`` top-level package."""
    return [f"{path.relative_to(core)}:{line} imports {name}"
            for path in sorted(folder.rglob("*.py"))
            for name, line in imports(path, core, module_level_only=False)
            if name.split(".")[0] in forbidden or name.split(".")[0].startswith("flask_")]


def layer_violations(edges, layers=LAYERS) -> list[str]:
    """Edges that do not go to a strictly lower layer (or touch a node missing from the table)."""
    rank = {node: i for i, layer in enumerate(layers) for node in layer}
    wrong = []
    for (a, b), where in sorted(edges.items()):
        if a not in rank or b not in rank:
            wrong.append(f"{a} -> {b}: {a if a not in rank else b} is not in LAYERS ({where[0]})")
        elif rank[b] >= rank[a]:
            wrong.append(f"{a} -> {b} goes up or sideways ({', '.join(where)})")
    return wrong


# -- the promises -------------------------------------------------------------------------------


def test_metadata_and_expr_import_neither_flask_nor_sqlalchemy_anywhere():
    found = [hit for folder in ("metadata", "expr", "working_time") for hit in forbidden_imports(CORE / folder, CORE)]
    assert found == []


def test_importing_metadata_and_expr_modules_loads_neither_flask_nor_sqlalchemy():
    modules = sorted(module_name(p, CORE) for folder in ("metadata", "expr", "working_time")
                     for p in (CORE / folder).rglob("*.py"))
    assert "trellis.metadata.loader" in modules and "trellis.expr.evaluator" in modules
    script = ("import importlib, sys\n"
              f"for name in {modules!r}:\n"
              "    importlib.import_module(name)\n"
              f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(FORBIDDEN)!r}))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_there_is_no_import_cycle_between_core_packages():
    edges = package_graph(CORE)
    assert ("web", "data") in edges      # the graph is not empty: the checker sees real imports
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle " + " -> ".join(cycle) + "\n" + "\n".join(
        f"  {a} -> {b}: {', '.join(edges[(a, b)])}" for a, b in zip(cycle, cycle[1:], strict=False))


def test_every_module_level_import_between_core_packages_goes_down_the_layers():
    assert layer_violations(package_graph(CORE)) == []


def layer_block(layers=LAYERS) -> str:
    """The layer table as docs/architecture.md prints it: one line per layer, lowest first."""
    return "\n".join(f"{i:>2}  " + "  ".join(layer) for i, layer in enumerate(layers))


def test_the_architecture_guide_prints_the_same_layers():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("<!-- layers: checked by tests/test_layering.py; lowest first -->")[1]
    block = block.split("<!-- end of layers -->")[0].strip().removeprefix("```").removesuffix("```").strip("\n")
    assert block == layer_block()


def test_every_core_package_and_top_level_module_has_a_layer():
    nodes = {node_of(module_name(p, CORE)) for p in CORE.rglob("*.py")}
    listed = {node for layer in LAYERS for node in layer}
    assert nodes - listed == set()


# -- the checker sees what it should ----------------------------------------------------------------


def _package(tmp_path, files: dict[str, str]) -> Path:
    core = tmp_path / "core"
    for name, text in files.items():
        path = core / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return core


def test_the_checker_finds_a_cycle_and_ignores_function_level_imports(tmp_path):
    core = _package(tmp_path, {
        "__init__.py": "",
        "data/__init__.py": "from trellis.metadata import model\n",
        "metadata/__init__.py": "",
        "metadata/model.py": "def late():\n    from trellis.data import records\n",
        "web/__init__.py": "from ..data import x\nfrom trellis import errors\n",
        "errors.py": "",
    })
    edges = package_graph(core)
    assert set(edges) == {("data", "metadata"), ("web", "data"), ("web", "trellis"), ("web", "trellis.errors")}
    assert find_cycle(edges) is None
    (core / "metadata" / "model.py").write_text("import trellis.web.pages\n", encoding="utf-8")
    edges = package_graph(core)
    assert find_cycle(edges) == ["data", "metadata", "web", "data"]
    assert edges[("metadata", "web")] == ["metadata/model.py:1"]
    assert layer_violations(edges, [["metadata"], ["data"], ["web", "trellis", "trellis.errors"]]) == [
        "metadata -> web goes up or sideways (metadata/model.py:1)",
        "web -> trellis goes up or sideways (web/__init__.py:2)",
        "web -> trellis.errors goes up or sideways (web/__init__.py:2)",
    ]


def test_the_checker_finds_flask_and_sqlalchemy_inside_functions_and_type_checking_blocks(tmp_path):
    core = _package(tmp_path, {
        "metadata/a.py": "def f():\n    import sqlalchemy.sql\n",
        "metadata/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from flask import Flask\n",
        "metadata/c.py": "import yaml\nfrom flask_babel import gettext\n",
    })
    assert forbidden_imports(core / "metadata", core) == [
        "metadata/a.py:2 imports sqlalchemy.sql",
        "metadata/b.py:3 imports flask",
        "metadata/c.py:2 imports flask_babel",
    ]
