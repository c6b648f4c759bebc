"""The tests' own layout: one folder per subsystem, fixtures in conftest.py, no star imports.

The test folders have no ``__init__.py`` (pytest's default ``prepend`` import mode puts each
folder on ``sys.path``), so two test or helper modules with the same file name in different
folders would shadow each other: names must be unique across every test folder.
"""

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = [ROOT / "tests", *ROOT.glob("plugins/*/tests")]


def _modules():
    return [p for folder in FOLDERS for p in folder.rglob("*.py") if p.name != "conftest.py"]


def test_test_and_helper_module_names_are_unique_across_the_test_folders():
    names = Counter(p.name for p in _modules())
    assert [name for name, n in names.items() if n > 1] == []


def test_no_test_module_star_imports_fixtures():
    star = re.compile(r"^from \S+ import \*", re.M)
    assert [str(p.relative_to(ROOT)) for p in _modules() if star.search(p.read_text(encoding="utf-8"))] == []


def test_every_subsystem_folder_has_a_conftest():
    folders = {p.parent for p in (ROOT / "tests").rglob("test_*.py")} - {ROOT / "tests"}
    assert sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "conftest.py").is_file()) == []
