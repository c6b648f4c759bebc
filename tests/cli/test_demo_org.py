"""The demo organisation's layer: ``trellis check`` passes at the repository root, and
``trellis demo`` loads the layer when the current folder is not an organisation."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from trellis.demo import DEMO_ORG_METADATA, demo_settings

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    return subprocess.run([sys.executable, "-m", "trellis.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_trellis_check_at_the_repository_root_passes():
    out = run("check", str(ROOT), cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().endswith(", 0 errors")


def test_the_top_level_metadata_is_the_packaged_demo_organisation():
    # One source of truth: the repository's metadata/ is the folder the package ships.
    assert (ROOT / "metadata").resolve() == DEMO_ORG_METADATA.resolve()
    assert (DEMO_ORG_METADATA / "loyalty" / "programme.yaml").is_file()


def test_demo_from_an_empty_folder_loads_the_demo_organisation(tmp_path):
    out = run("demo", "--no-serve", "--size", "small", cwd=tmp_path)   # the layer, not the data, is tested here
    assert out.returncode == 0, out.stderr
    assert "store.manager@example.com" in out.stdout       # the layer's own role has its demo user
    db = sqlite3.connect(tmp_path / "trellis-demo.sqlite")
    contact = {row[1] for row in db.execute("PRAGMA table_info(contact)")}
    deal = {row[1] for row in db.execute("PRAGMA table_info(deal)")}
    assert {"loyalty_card_printed", "home_store"} <= contact
    assert "region" in deal
    assert not (tmp_path / "metadata").exists()           # nothing written into the folder but the demo's files
    _the_demo_shows_the_layer(tmp_path)


def _the_demo_shows_the_layer(folder):
    from trellis import create_app
    from trellis.security.demo_admin import demo_password
    from trellis.testing.web import login

    app = create_app({"ORG_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'trellis-demo.sqlite'}",
                      **demo_settings(folder, {})})
    client = app.test_client()
    assert login(client, "store.manager@example.com", demo_password(app)).status_code == 302
    kanban = client.get("/app/deal/kanban").get_data(as_text=True)
    assert "Quote sent" in kanban and "Proposal" not in kanban      # the renamed stage
    dashboard = client.get("/dashboards/store")
    assert dashboard.status_code == 200 and "Deals by region" in dashboard.get_data(as_text=True)
    assert "Loyalty card printed" in client.get("/app/contact/new").get_data(as_text=True)


def test_demo_in_an_organisation_folder_keeps_its_own_layer(tmp_path):
    assert demo_settings(tmp_path, {}) == {"METADATA_DIR": str(DEMO_ORG_METADATA)}
    (tmp_path / "trellis.yaml").write_text("locale: en\n")
    assert demo_settings(tmp_path, {}) == {}
    (tmp_path / "trellis.yaml").unlink()
    (tmp_path / "metadata").mkdir()
    assert demo_settings(tmp_path, {}) == {}
    (tmp_path / "metadata").rmdir()
    assert demo_settings(tmp_path, {"TRELLIS_METADATA_DIR": "/srv/crm/metadata"}) == {}
