"""The automation engine's per-application state, kept in ``runtime(app).automation``."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from trellis.automation.jobs import WRITE_DEPTH, Jobs
from trellis.automation.tables import AutomationTables


@dataclass
class AutomationState:
    """Tables and jobs of one application."""

    app: Any
    tables: AutomationTables
    jobs: Jobs


def automation_state(app) -> AutomationState:
    """The automation state of ``app``."""
    from trellis.runtime import runtime

    return runtime(app).automation


@contextmanager
def transaction(app):
    """One transaction on the app's session that record-service writes inside it join; commits at the end.

    Yields the session's connection. Used by the scheduler so that the "fired" row
    and everything the automation writes or queues commit (or roll back) together.
    """
    from trellis.data.database import db

    session = db.session
    depth = session.info.get(WRITE_DEPTH, 0)
    session.info[WRITE_DEPTH] = depth + 1
    try:
        connection = session.connection()
        if depth == 0:
            _begin_sqlite(connection)
        yield connection
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[WRITE_DEPTH] = depth


def _begin_sqlite(connection) -> None:
    """Open a real write transaction on SQLite before any SAVEPOINT.

    Python's sqlite3 begins a transaction only before a data change, and SQLite
    commits a SAVEPOINT opened outside a transaction when it is released: the
    scheduler's "fired" row would commit on its own. ``BEGIN IMMEDIATE`` also takes
    the write lock at once, so two schedulers wait for each other instead of failing.
    """
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
