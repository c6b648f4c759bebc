"""The record of automation runs: what ran, on which record, with what outcome (for the admin page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from trellis.automation.tables import utc


@dataclass(frozen=True)
class Run:
    """One automation run: ``outcome`` is ``ok``, ``failed`` or ``skipped`` (its ``when`` was false)."""

    id: int
    automation: str
    entity: str
    record_id: int | None
    trigger: str
    outcome: str
    error: str | None
    at: datetime
    duration_ms: int


def record_run(connection, table, automation: str, entity: str, record_id: int | None, trigger: str,
               outcome: str, error: str | None, at: datetime, duration_ms: int) -> None:
    """Insert one run row on ``connection`` (inside the caller's transaction)."""
    connection.execute(insert(table).values(automation=automation, entity=entity, record_id=record_id,
                                            trigger=trigger, outcome=outcome, error=error, at=at,
                                            duration_ms=duration_ms))


def recent_runs(app, limit: int = 50, automation: str | None = None, outcome: str | None = None) -> list[Run]:
    """The latest runs, newest first; ``automation``/``outcome`` narrow them (for ``/admin/automation-runs``)."""
    from trellis.automation.state import automation_state
    from trellis.data.database import db

    table = automation_state(app).tables.runs
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if automation:
        query = query.where(table.c.automation == automation)
    if outcome:
        query = query.where(table.c.outcome == outcome)
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [Run(r.id, r.automation, r.entity, r.record_id, r.trigger, r.outcome, r.error, utc(r.at), r.duration_ms)
            for r in rows]


def ok_runs(connection, table, automation: str) -> int:
    """How many times ``automation`` ran successfully (round-robin assignment counts on it)."""
    return connection.execute(select(func.count()).select_from(table)
                              .where(table.c.automation == automation, table.c.outcome == "ok")).scalar_one()
