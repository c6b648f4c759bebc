"""The database connection: one flask-sqlalchemy extension, SQLite tuned for a laptop.

SQLite gets WAL mode, foreign keys and a busy timeout on every connection, so the
embedded default behaves like a real database under a few concurrent users, and
``synchronous=FULL`` (``SQLITE_SYNCHRONOUS``), so a commit is on disk before the
save is answered, power loss included.
"""

from __future__ import annotations

from functools import partial

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import NoSuchModuleError

db = SQLAlchemy()


def init_app(app) -> None:
    """Point flask-sqlalchemy at ``DATABASE_URL`` and tune SQLite connections."""
    url = make_url(app.config["DATABASE_URL"])
    app.config["SQLALCHEMY_DATABASE_URI"] = str(url)
    options = {"pool_pre_ping": True}
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        from pathlib import Path

        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)
    try:
        db.init_app(app)
    except (ModuleNotFoundError, NoSuchModuleError) as e:
        from trellis.errors import SettingsError

        missing = getattr(e, "name", None) or str(e)
        raise SettingsError(f"TRELLIS_DATABASE_URL: the driver for '{url.drivername}' is not installed ({missing}); "
                            "for PostgreSQL: pip install 'trellis-crm[postgres]'") from None
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite" and not getattr(engine, "_trellis_tuned", False):
            synchronous = str(app.config.get("SQLITE_SYNCHRONOUS") or "FULL").upper()
            if synchronous not in ("FULL", "NORMAL"):
                synchronous = "FULL"
            event.listen(engine, "connect", partial(_tune_sqlite, synchronous=synchronous))
            event.listen(engine, "savepoint", _begin_before_savepoint)
            engine._trellis_tuned = True


def _tune_sqlite(dbapi_connection, _record, synchronous: str = "FULL") -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute(f"PRAGMA synchronous={synchronous}")   # one of two literals: checked above
    cursor.close()


def _begin_before_savepoint(connection, _name) -> None:
    """Open a real transaction before a SAVEPOINT on SQLite.

    Python's sqlite3 begins a transaction only before a data change. A SAVEPOINT
    sent outside one starts a transaction of its own, and releasing it commits
    everything: an import batch or an automation's nested step would commit row
    by row. ``BEGIN IMMEDIATE`` also takes the write lock at once, so a concurrent
    writer waits (busy_timeout) instead of failing on a stale snapshot.
    """
    raw = connection.connection.driver_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def health(engine: Engine) -> dict:
    """``{"database": "sqlite", "ok": True}`` after a ``SELECT 1``, or the error."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"database": engine.dialect.name, "ok": True}
    except Exception as e:  # noqa: BLE001 - health reports any failure
        return {"database": engine.dialect.name, "ok": False, "error": type(e).__name__}
