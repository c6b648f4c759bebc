"""The example third-party plugin (examples/trellis-plugin-example), installed and not.

"Installed" here means what pip leaves behind: the package on ``sys.path`` and a
``.dist-info`` with its ``trellis`` entry point. CI also pip-installs it for real and
runs its own tests.
"""

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from trellis.cli import cli
from trellis.plugins import discover
from trellis.runtime import runtime

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "trellis-plugin-example"


@pytest.fixture
def example_installed(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    info = site / "trellis_plugin_example-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: trellis-plugin-example\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[trellis]\nwarranty = trellis_plugin_example\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    monkeypatch.delitem(sys.modules, "trellis_plugin_example", raising=False)


@pytest.fixture
def org(tmp_path, monkeypatch):
    folder = tmp_path / "org"
    (folder / "metadata").mkdir(parents=True)
    monkeypatch.chdir(folder)
    monkeypatch.delenv("TRELLIS_PLUGINS", raising=False)
    return folder


def test_installed_the_example_is_listed_by_trellis_plugins(example_installed, org):
    output = CliRunner().invoke(cli, ["plugins"]).output
    assert ". warranty 0.1.0 (trellis-plugin-example) - Product warranties" in output
    assert "extends: contact + preferred_contact_channel" in output


def test_installed_the_example_passes_trellis_check(example_installed, org):
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_installed_the_example_adds_its_entity_to_the_app(example_installed, trellis_app):
    assert runtime(trellis_app).metadata.entities["warranty"].layer == "warranty"
    assert "preferred_contact_channel" in runtime(trellis_app).metadata.entities["contact"].fields


def _really_installed() -> bool:
    from importlib import metadata

    try:
        metadata.distribution("trellis-plugin-example")
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(_really_installed(), reason="trellis-plugin-example is pip-installed in this environment")
def test_uninstalled_trellis_starts_without_the_example(trellis_app):
    assert "warranty" not in discover().names
    assert "warranty" not in runtime(trellis_app).metadata.entities
    assert trellis_app.test_client().get("/healthz").status_code == 200
