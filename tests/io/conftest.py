"""The world the import, export and merge tests share: the contacts plugin on a fresh database.

Every test module in this folder gets these fixtures. ``cli`` runs
``trellis`` as a user would, on the same database and organisation folder.
"""

from __future__ import annotations

import pytest
from trellis.cli import main
from trellis.data.records import records_for


@pytest.fixture
def trellis_config(trellis_config):
    """The shared config with only the contacts plugin."""
    return {**trellis_config, "PLUGINS": ["contacts"]}


@pytest.fixture
def svc(trellis_app):
    """The system's record service inside an app context."""
    with trellis_app.app_context():
        yield records_for(trellis_app)


@pytest.fixture
def cli(trellis_config, monkeypatch, capsys, tmp_path):
    """``cli("import", "contact", path)`` -> ``(exit code, stdout, stderr)``, run in ``tmp_path``."""
    monkeypatch.setenv("TRELLIS_ORG_DIR", trellis_config["ORG_DIR"])
    monkeypatch.setenv("TRELLIS_DATABASE_URL", trellis_config["DATABASE_URL"])
    monkeypatch.setenv("TRELLIS_PLUGINS", "contacts")
    monkeypatch.chdir(tmp_path)

    def run(*args):
        capsys.readouterr()
        with pytest.raises(SystemExit) as caught:
            main([str(a) for a in args])
        out = capsys.readouterr()
        return caught.value.code or 0, out.out, out.err

    return run


@pytest.fixture
def write(tmp_path):
    """``write("people.csv", text, encoding="utf-8")`` -> the path of a file in ``tmp_path``."""

    def make(name, text, encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return make
