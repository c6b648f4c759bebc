"""The file store: uploads where every app server reads them; ``trellis migrate`` moves the old instance-folder ones."""

from __future__ import annotations

import pytest
from trellis.data.files import file_store


def _migrate(app):
    from trellis.cli import entry

    return app.test_cli_runner().invoke(entry.cli, ["migrate"])


def test_migrate_moves_uploads_from_the_instance_folder_into_the_store(app, tmp_path):
    folder = tmp_path / "instance"
    app.config["INSTANCE_DIR"] = str(folder)
    (folder / "imports").mkdir(parents=True)
    (folder / "imports" / "abcdefghijklmnopqrstuvwx.csv").write_bytes(b"name\nAnn\n")
    (folder / "imports" / "abcdefghijklmnopqrstuvwx.json").write_text('{"status": "uploaded"}')

    done = _migrate(app)

    assert done.exit_code == 0, done.output
    assert "Moved 2 import upload files" in done.output
    assert file_store(app).get("imports/abcdefghijklmnopqrstuvwx.csv") == b"name\nAnn\n"
    assert list((folder / "imports").iterdir()) == []
    assert "Moved" not in _migrate(app).output          # once


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "imports/../../x", "", "a//b", "imports/.hidden"])
def test_a_key_that_would_leave_the_store_is_refused(app, tmp_path, key):
    app.config["FILE_STORAGE"] = str(tmp_path / "files")
    with pytest.raises(ValueError, match="not a stored file's name"):
        file_store(app).put(key, b"x")
    assert not (tmp_path / "secret").exists()
