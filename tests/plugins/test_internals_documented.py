"""docs/internals.md documents the public façade from its docstrings, and cannot drift from the code."""

import importlib.util
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "internals.md"


def _gen():
    spec = importlib.util.spec_from_file_location("gen_internals", ROOT / "docs" / "gen_internals.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _gen()
CLASSES = [gen.resolve(*candidates) for _, _, classes in gen.SURFACES for candidates in classes]


def test_the_reference_in_internals_md_is_generated_from_the_docstrings():
    assert gen.section_of(DOC.read_text(encoding="utf-8")).strip() == gen.reference().strip(), \
        "docs/internals.md is out of date: run python docs/gen_internals.py --write"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_documented_class_and_its_public_members_have_docstrings(cls):
    assert (cls.__doc__ or "").strip() and cls.__doc__ != gen._default_doc(cls), f"{cls.__name__} has no docstring"
    missing = [name for name, member in gen.members(cls) if not (member.__doc__ or "").strip()]
    assert missing == [], f"{cls.__name__}: public members without a docstring: {missing}"


@pytest.mark.parametrize("name", ["get", "query", "history", "create", "update", "transition", "delete", "as_user"])
def test_the_record_service_methods_plugins_use_are_in_the_reference(name):
    assert f"#### `{name}(" in gen.section_of(DOC.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["Entity", "Field", "Workflow", "State", "Transition", "Context", "Query", "Record"])
def test_the_metadata_model_the_context_and_the_query_are_in_the_reference(name):
    assert f"### `{name}`" in gen.section_of(DOC.read_text(encoding="utf-8"))


def test_a_method_added_to_a_documented_class_appears_in_the_reference():
    class Probe:
        """A class standing in for one of the façade's."""

        def lock(self, entity: str, record_id: int) -> "Record":  # noqa: F821 - only a string annotation
            """Lock the record for the rest of the transaction; returns it freshly read."""

        def _private(self):
            """Not documented."""

        @property
        def system(self):
            """The system's record service, in the same transaction."""

    text = gen.document_class(Probe)
    assert "#### `lock(entity: str, record_id: int) -> Record`" in text
    assert "Lock the record for the rest of the transaction" in text
    assert "#### `system` (property)" in text
    assert "_private" not in text


def test_every_name_the_trellis_package_exports_is_in_the_reference():
    import trellis

    section = gen.section_of(DOC.read_text(encoding="utf-8"))
    assert [n for n in trellis.__all__ if not n.startswith("_") and f"| `{n}` |" not in section] == []
    assert inspect.isfunction(trellis.create_app) and "### `trellis.create_app(" in section


def test_the_hand_written_sections_cover_locks_the_system_context_operations_and_scoped_hooks():
    text = DOC.read_text(encoding="utf-8")
    for heading in ("## Locks", "## The system context", "## Which operation is running", "## Scoped hooks",
                    "## Transactions"):
        assert heading in text
    for operation in ("form", "api", "import", "merge", "cascade", "job", "system"):
        assert f"`{operation}`" in text.split("## Which operation is running")[1].split("##")[0]
