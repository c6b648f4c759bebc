"""The disk fills up under SQLite: a save is refused with the themed 503 page, nothing is half-written,
the database stays sound, and saving works again once there is room, without a restart.

The disk is "full" for real as far as SQLite knows: ``PRAGMA max_page_count`` caps the
database file a few pages above its size, so SQLite itself fails the write with
``SQLITE_FULL`` ("database or disk is full"), exactly as on a full file system.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event, text
from trellis.data.database import db
from trellis.testing.web import csrf_token, signed_in_client

UNLIMITED = 1073741823     # SQLite's default max_page_count


class FullDisk:
    """While on, the database file may grow by ``room`` pages only, on every connection of ``app``'s engine.

    Set before each statement, so a connection a session already held is capped (and uncapped) too.
    """

    def __init__(self, app, room: int = 2):
        with app.app_context():
            self.engine = db.engine
        self.room, self.limit = room, None
        event.listen(self.engine, "before_cursor_execute", self._cap)

    def _cap(self, connection, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith("PRAGMA"):
            cursor.execute(f"PRAGMA max_page_count = {self.limit or UNLIMITED}")

    def __enter__(self):
        with self.engine.connect() as connection:    # no free pages inside the file to fill first
            connection.exec_driver_sql("VACUUM")
            self.limit = connection.exec_driver_sql("PRAGMA page_count").scalar() + self.room
        return self

    def __exit__(self, *exc):
        self.limit = None                             # "space was freed"

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._cap)


@pytest.fixture
def full_disk(app):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL's disk is the server's")
    disk = FullDisk(app)
    yield disk
    disk.close()


def _counts(app) -> tuple[int, int]:
    with app.app_context(), db.engine.connect() as connection:
        return (connection.execute(text("SELECT COUNT(*) FROM customer")).scalar(),
                connection.execute(text("SELECT COUNT(*) FROM trellis_history")).scalar())


def test_a_save_on_a_full_disk_answers_503_writes_nothing_and_works_once_there_is_room(app, records, caplog,
                                                                                     full_disk):
    records.create("customer", {"name": "Kept", "note": "before"})
    web = signed_in_client(app)
    before = _counts(app)
    typed = {"name": "Big", "note": "x" * 60_000, "csrf_token": csrf_token(web, "/app/customer/new")}

    with caplog.at_level(logging.WARNING), full_disk:
        answer = web.post("/app/customer/new", data=typed)
        page = answer.get_data(as_text=True)
        with app.app_context(), db.engine.connect() as connection:
            sound = connection.execute(text("PRAGMA integrity_check")).scalar()

    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert "Could not save, try again" in page and "Internal Server Error" not in page
    assert any("database or disk is full" in r.getMessage() for r in caplog.records)
    assert not any(r.exc_info for r in caplog.records)
    assert sound == "ok"
    assert _counts(app) == before                                       # no row, no history entry
    assert [r["name"] for r in records.query("customer").page().rows] == ["Kept"]

    again = web.post("/app/customer/new", data=typed)                   # room again, same process
    assert again.status_code == 302
    assert sorted(r["name"] for r in records.query("customer").page().rows) == ["Big", "Kept"]


def test_the_api_answers_json_503_on_a_full_disk(app, full_disk):
    from trellis.testing.api import bearer, new_user

    headers = bearer(app, new_user(app, "api@example.com"))
    client = app.test_client()
    with full_disk:
        answer = client.post("/api/v1/customer", json={"name": "Big", "note": "x" * 60_000}, headers=headers)
    assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "unavailable"
    assert client.get("/api/v1/customer", headers=headers).get_json()["data"] == []
