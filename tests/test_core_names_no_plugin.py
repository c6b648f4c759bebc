"""The core does not know the business plugins: no entity or plugin name of contacts or sales in
``core/`` or the default theme's templates, outside comments, docstrings and tests.

Python is read with ``ast`` (so comments and docstrings are skipped): string constants and
identifiers are checked. ``order`` and ``tag`` are also ordinary core words (a list's sort
order, a YAML tag), so only identifiers and strings that are exactly a more specific name count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_NAMES = {"contacts", "sales"}
ENTITIES = {"contact", "company", "note", "activity", "tag", "lead", "deal", "lost_reason", "product", "quote",
            "quote_line", "order", "order_line", "sales_target"}
ALL = PLUGIN_NAMES | ENTITIES
# Words the core also uses in their ordinary sense: a list's sort ``order``, a YAML ``tag``, SQL's ``quote``
# (never checked), and a ``note`` (only a string that is exactly the word counts).
ORDINARY = {"order", "tag", "quote", "note"}
SPECIFIC = ALL - ORDINARY
EXACT = ALL - {"order", "tag", "quote"}
WORD = re.compile(r"[a-z]+(?:_[a-z]+)*")


def _docstrings(tree: ast.AST) -> set[int]:
    """Docstrings of modules, classes and functions, and the string statements documenting attributes."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(getattr(node.value, "value", None), str)}


def _words(text: str) -> set[str]:
    """``text``'s words, and each run of ``_``-joined words (``lost_reason``), lower-cased."""
    words = set()
    for run in WORD.findall(text.lower()):
        parts = run.split("_")
        words.add(run)
        words.update(parts)
        words.update("_".join(parts[i:i + 2]) for i in range(len(parts) - 1))
    return words


def python_names(path: Path) -> list[str]:
    """``line: name`` for each plugin name a string constant or identifier of ``path`` uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            hits = ({node.value} & EXACT) | (_words(node.value) & SPECIFIC)
        elif isinstance(node, ast.Name):
            hits = _words(node.id) & SPECIFIC
        elif isinstance(node, ast.Attribute):
            hits = _words(node.attr) & SPECIFIC
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            hits = _words(node.name) & SPECIFIC
        elif isinstance(node, ast.arg):
            hits = _words(node.arg) & SPECIFIC
        else:
            continue
        found.extend((node.lineno, name) for name in hits)
    return [f"{line}: {name}" for line, name in sorted(found)]


def template_names(path: Path) -> list[str]:
    """Plugin names in a Jinja template, outside ``{# comments #}`` and translated text."""
    text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"""_\((["']).*?\1""", "_(", text, flags=re.S)
    return sorted(_words(text) & SPECIFIC)


PYTHON = sorted(p for p in (ROOT / "core").rglob("*.py") if "testing" not in p.relative_to(ROOT / "core").parts)
TEMPLATES = sorted((ROOT / "themes").rglob("*.html"))


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_python_names_no_plugin(path):
    assert python_names(path) == [], f"{path.relative_to(ROOT)} names a plugin or its entities"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_default_themes_templates_name_no_plugin(path):
    assert template_names(path) == [], f"{path.relative_to(ROOT)} names a plugin or its entities"


def test_the_check_finds_a_name_in_code_but_not_in_a_comment_or_docstring(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""About deals."""\n# a contact\n\ndef f(x):\n    """The activity."""\n'
                      '    return x.query("activity"), x.order_by, "load order"\n\n'
                      'lost_reason = "note"\n"""The reason."""\n')
    assert python_names(sample) == ["6: activity", "8: lost_reason", "8: note"]
    page = tmp_path / "page.html"
    page.write_text('{# the deal #}<p>{{ _("Add a contact") }}</p><a href="/app/company">x</a>')
    assert template_names(page) == ["company"]
