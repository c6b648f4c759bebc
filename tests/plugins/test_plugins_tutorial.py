"""The tutorial in docs/plugins.md works: its files, as written in the guide, make a working plugin.

Every code block of the guide that starts with ``# file: <path>`` is written to a
temporary folder, installed the way pip would (package on sys.path plus a
.dist-info with the entry point from its pyproject), and exercised.
"""

import os
import re
import subprocess
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
        "pyproject.toml", "src/trellis_points/plugin.yaml", "src/trellis_points/__init__.py",
        "src/trellis_points/metadata/entities/points_account.yaml",
        "src/trellis_points/metadata/entities/points_entry.yaml", "src/trellis_points/metadata/roles.yaml",
        "tests/test_points.py",
    }


def test_the_tutorial_plugin_is_discovered_after_contacts(tutorial_installed):
    plugins = discover()
    assert plugins.get("points").source == "trellis-points"
    assert plugins.names.index("contacts") < plugins.names.index("points")


def test_the_tutorial_plugin_opens_an_account_as_the_system_and_refuses_an_overdraft(app, records):
    assert runtime(app).metadata.entities["points_account"].fields["balance"].rollup is not None
    contact = records.create("contact", {"last_name": "Lovelace"})
    account = records.query("points_account").filter(contact=contact.id).first()
    records.create("points_entry", {"account": account.id, "points": 10})
    with pytest.raises(ValidationError) as error:
        records.create("points_entry", {"account": account.id, "points": -11})
    assert error.value.fields == {"points": "Only 10 points left"}


def test_the_guides_own_tests_pass_as_a_plugin_author_runs_them(tutorial_installed):
    """``pytest tests`` in the tutorial's folder, with the plugin installed and Trellis's fixtures."""
    site = tutorial_installed.parent / "site-packages"
    env = {name: value for name, value in os.environ.items() if name != "TRELLIS_TEST_POSTGRES"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(tutorial_installed / "src"), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=tutorial_installed, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
