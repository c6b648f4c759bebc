"""The tutorial in docs/plugins.md works: its files, as written in the guide, make a working plugin.

Every code block of the guide that starts with ``# file: <path>`` is written to a
temporary folder, installed the way pip would (package on sys.path plus a
.dist-info with the entry point from its pyproject), and exercised.
"""

import re
import sys
import tomllib
from pathlib import Path

import pytest
from trellis import ValidationError
from trellis.plugins import discover
from trellis.runtime import runtime

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def tutorial_files() -> dict[str, str]:
    files = {}
    for body in re.findall(r"```\w+\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S):
        match = re.match(r"# file: (\S+)\n", body)
        if match:
            files[match.group(1)] = body
    return files


@pytest.fixture
def tutorial_installed(tmp_path, monkeypatch):
    project = tmp_path / "trellis-feedback"
    for relative, text in tutorial_files().items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text, encoding="utf-8")
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    site = tmp_path / "site-packages"
    info = site / f"{meta['name'].replace('-', '_')}-{meta['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n")
    points = "".join(f"{k} = {v}\n" for k, v in meta["entry-points"]["trellis"].items())
    (info / "entry_points.txt").write_text(f"[trellis]\n{points}")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(project / "src"))
    monkeypatch.delitem(sys.modules, "trellis_feedback", raising=False)  # this test's copy, not an earlier one
    return project


@pytest.fixture
def trellis_config(tutorial_installed, trellis_config):
    return trellis_config


def test_the_guide_holds_every_file_of_the_tutorial():
    assert set(tutorial_files()) == {
        "pyproject.toml", "src/trellis_feedback/plugin.yaml", "src/trellis_feedback/__init__.py",
        "src/trellis_feedback/metadata/entities/feedback.yaml", "src/trellis_feedback/metadata/entities/contact.yaml",
        "tests/test_feedback.py",
    }


def test_the_tutorial_plugin_is_discovered_after_contacts(tutorial_installed):
    plugins = discover()
    assert plugins.get("feedback").source == "trellis-feedback"
    assert plugins.names.index("contacts") < plugins.names.index("feedback")


def test_the_tutorial_plugin_copies_a_score_to_the_contact(app, records):
    assert "last_score" in runtime(app).metadata.entities["contact"].fields
    contact = records.create("contact", {"last_name": "Lovelace"})
    records.create("feedback", {"contact": contact.id, "score": 4})
    assert records.get("contact", contact.id)["last_score"] == 4


def test_the_tutorial_rule_asks_for_a_comment_on_a_low_score(records):
    contact = records.create("contact", {"last_name": "Lovelace"})
    with pytest.raises(ValidationError) as error:
        records.create("feedback", {"contact": contact.id, "score": 1})
    assert "comment" in error.value.fields
