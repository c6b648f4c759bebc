"""SQLite commits with synchronous=FULL by default, and a save answered 201 survives the server being killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

CUSTOMER = "entity: customer\ntitle: name\nfields:\n  name: {type: string, required: true}\n"


def _org(tmp_path: Path) -> Path:
    org = tmp_path / "org"
    (org / "metadata" / "entities").mkdir(parents=True)
    (org / "metadata" / "entities" / "customer.yaml").write_text(CUSTOMER, encoding="utf-8")
    return org


def _synchronous(app) -> int:
    from trellis.data.database import db

    with app.app_context(), db.engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA synchronous").scalar()


def test_sqlite_runs_synchronous_full_unless_relaxed(tmp_path):
    from trellis.app import create_app

    org = _org(tmp_path)
    base = {"ORG_DIR": str(org), "TESTING": True, "SECRET_KEY": "x", "PLUGINS": []}
    full = create_app({**base, "DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}"})
    normal = create_app({**base, "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite'}",
                         "SQLITE_SYNCHRONOUS": "NORMAL"})
    assert (_synchronous(full), _synchronous(normal)) == (2, 1)     # 2 = FULL, 1 = NORMAL


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_save_answered_before_the_server_is_killed_is_in_the_database(tmp_path):
    from trellis.api import create_token
    from trellis.app import create_app
    from trellis.data.migrate import upgrade
    from trellis.security.accounts import create_user

    org, database = _org(tmp_path), tmp_path / "crm.sqlite"
    settings = {"ORG_DIR": str(org), "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "x", "PLUGINS": ""}
    app = create_app({**settings, "PLUGINS": []})
    upgrade(app)
    with app.app_context():
        _, secret = create_token(app, create_user(app, "api@example.com", None, role="admin", name="API"), "write")
    port = _free_port()
    env = {**os.environ, **{f"TRELLIS_{k}": v for k, v in settings.items()}, "TRELLIS_JOB_RUNNER": "manual"}
    server = subprocess.Popen([sys.executable, "-m", "trellis.cli", "serve", "--port", str(port)], env=env, cwd=org,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        names = []
        for n in range(5):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/customer", method="POST",
                                             data=json.dumps({"name": f"Saved {n}"}).encode(),
                                             headers={"Authorization": f"Bearer {secret}",
                                                      "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert answer.status == 201
            names.append(f"Saved {n}")
        server.send_signal(signal.SIGKILL)     # right after the last answer, no clean shutdown
        server.wait(10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        saved = connection.execute(text("SELECT name FROM customer ORDER BY id")).scalars().all()
    engine.dispose()
    assert saved == names
