"""Upgrading: a database made by the previous release (Trellis 0.1.0) is brought up to date by
``trellis migrate``, and every row and history entry it held is still there.

``tests/fixtures/trellis-0.1.0-customer.sql`` is that release's SQLite database as SQL
(``sqlite3``'s ``iterdump``): the operations tests' ``customer`` entity and no plugins, an
administrator with a password and an API token, four customers (one deleted) with their
history, and a queued job. It was made with the code of the commit before stored files,
device sessions and job keys (``git archive`` of ``core/`` at that commit, imported as
``trellis``), by creating the app on an empty database, ``upgrade(app)``, and those writes.
Keep it when the schema changes: it is the "previous release" the next upgrade starts from.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from trellis.testing.web import login

DUMP = Path(__file__).parent.parent / "fixtures" / "trellis-0.1.0-customer.sql"
def _tables(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every ordinary table's columns and sorted rows (full-text index shadow tables left out)."""
    with sqlite3.connect(path) as connection:
        shadow = {row[1] for row in connection.execute("PRAGMA table_list") if row[2] in ("shadow", "virtual")}
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                 if row[0] not in shadow and not row[0].startswith("sqlite_")]
        found = {}
        for name in names:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')]
            found[name] = (columns, connection.execute(f'SELECT * FROM "{name}"').fetchall())
    return found


def _rows(path: Path, table: str, columns: list[str]) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        quoted = ", ".join(f'"{c}"' for c in columns)
        return sorted(connection.execute(f'SELECT {quoted} FROM "{table}"').fetchall(), key=repr)


@pytest.fixture
def old_database(tmp_path):
    path = tmp_path / "crm.sqlite"
    with sqlite3.connect(path) as connection:
        connection.executescript(DUMP.read_text(encoding="utf-8"))
    return path


@pytest.fixture
def upgraded_app(old_database, trellis_config, tmp_path):
    """The current code on the old database, with the same organisation (the operations tests' customer)."""
    from trellis.app import create_app

    if not trellis_config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the previous release's database is kept as SQLite SQL")
    return create_app({**trellis_config, "DATABASE_URL": f"sqlite:///{old_database}", "SECRET_KEY": "fixture",
                       "JOB_RUNNER": "manual", "INSTANCE_DIR": str(tmp_path / "instance")})


def _migrate(app):
    from trellis.cli import entry

    return app.test_cli_runner().invoke(entry.cli, ["migrate"])


def test_migrate_brings_a_previous_release_database_up_to_date_and_keeps_every_row(old_database, upgraded_app):
    before = _tables(old_database)
    assert len(before["customer"][1]) == 3 and len(before["trellis_history"][1]) == 9   # one was deleted

    done = _migrate(upgraded_app)

    assert done.exit_code == 0, done.output
    assert "trellis_file" in done.output and "trellis_session" in done.output
    after = _tables(old_database)
    for table, (columns, rows) in before.items():
        assert set(columns) <= set(after[table][0]), table                   # nothing dropped
        assert _rows(old_database, table, columns) == sorted(rows, key=repr), table
    assert "up to date" in _migrate(upgraded_app).output                       # and once only


def test_the_upgraded_database_serves_its_records_history_users_and_jobs(old_database, upgraded_app):
    from trellis.automation import enqueue, register_job
    from trellis.data.records import records_for

    assert _migrate(upgraded_app).exit_code == 0
    with upgraded_app.app_context():
        svc = records_for(upgraded_app)
        customers = {r["name"]: r for r in svc.query("customer").page().rows}
        assert set(customers) == {"Ачме ООД", "Petrova", "شرکت نمونه"}
        assert str(customers["Ачме ООД"]["amount"]) == "1200.5"
        notes = [c.new for c in svc.history("customer", customers["Petrova"]["id"]) if c.field == "note"]
        assert notes == ["called 1"]
    client = upgraded_app.test_client()
    assert login(client, "ann@example.com", "correct horse battery").status_code == 302   # old password hash
    assert client.get("/preferences/sessions/").status_code == 200
    register_job(upgraded_app, "fixture.noop", lambda app, payload: None)
    assert enqueue(upgraded_app, "fixture.noop", {}, key="k") == enqueue(upgraded_app, "fixture.noop", {}, key="k")
    assert upgraded_app.test_client().get("/readyz").get_json()["migrations"]["ok"] is True
