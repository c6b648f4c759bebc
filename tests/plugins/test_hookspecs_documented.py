"""Meta-tests, as Datasette has: every hook is documented, listed in the guide and exercised."""

import importlib.util
import re
from pathlib import Path

import pytest
from trellis.plugins import hook_names, hookspecs

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins.md"
TEST_FOLDERS = [ROOT / "tests", *ROOT.glob("plugins/*/tests"), *ROOT.glob("examples/*/tests")]


def _gen_hooks():
    spec = importlib.util.spec_from_file_location("gen_hooks", ROOT / "docs" / "gen_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hookspecs_has_every_hook_in_its_documented_order():
    # after_delete is new: called once the row is gone (context.operation "cascade" for cascaded children).
    # after_save_many is the batch form of after_save (create_many, update_many, import).
    assert hook_names() == ["metadata_dirs", "field_types", "expression_functions", "actions", "before_save",
                            "after_save", "after_save_many", "before_delete", "after_delete", "after_transition",
                            "blueprints", "menu_items", "dashboard_widgets", "record_panels", "template_dirs",
                            "cli_commands", "settings", "metadata_kinds", "scheduled_jobs", "data_migrations",
                            "inbound_email", "demo_data"]


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_has_a_docstring_with_an_example(name):
    doc = getattr(hookspecs, name).__doc__ or ""
    assert len(doc.split()) > 30, f"{name}: the docstring is the reference; say what, when and what to return"
    assert "Example::" in doc, f"{name}: show an example implementation"


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_has_a_heading_in_the_plugin_guide(name):
    assert re.search(rf"^### `{name}\(", GUIDE.read_text(encoding="utf-8"), re.M), f"{name} is not in docs/plugins.md"


def test_the_guides_hook_reference_is_generated_from_the_hookspecs():
    gen = _gen_hooks()
    assert gen.section_of(GUIDE.read_text(encoding="utf-8")).strip() == gen.reference().strip(), \
        "docs/plugins.md is out of date: run python docs/gen_hooks.py --write"


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_is_implemented_by_some_test(name):
    pattern = re.compile(rf"def {name}\(")
    for folder in TEST_FOLDERS:
        for path in folder.rglob("*.py"):
            if pattern.search(path.read_text(encoding="utf-8")):
                return
    pytest.fail(f"no test implements the hook {name}")
