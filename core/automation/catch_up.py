"""Missed scheduler ticks: every minute since the last tick is ticked, not only the current one.

A tick can be lost: Celery beat stopped, the broker was down when beat sent it, the
web process that runs the thread runner restarted. The last minute ticked is kept
in ``trellis_automation_fired`` (one row, automation ``scheduler:last-tick``), and
:func:`tick_missed` ticks each minute after it up to now, at most
``AUTOMATION_LOOKBACK_HOURS`` back. Ticking a minute twice is harmless: every
occurrence it fires is claimed once in the same table.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from trellis.automation.tables import utc, utcnow

MARKER = "scheduler:last-tick"
_MINUTE = timedelta(minutes=1)


def tick_missed(app, now: datetime | None = None) -> list:
    """Tick every minute after the last recorded tick up to ``now`` (default: the current time); returns fired.

    The first call (nothing recorded) ticks ``now`` alone.
    """
    from trellis.automation.schedule import tick

    now = utc(now or utcnow()).replace(second=0, microsecond=0)
    last = _last_tick(app)
    earliest = now - timedelta(hours=float(app.config.get("AUTOMATION_LOOKBACK_HOURS", 24)))
    minute = max(last + _MINUTE, earliest) if last is not None else now
    fired: list = []
    while minute <= now:
        fired.extend(tick(app, minute))
        _record_tick(app, minute)
        minute += _MINUTE
    return fired


def _fired_table(app):
    from trellis.automation.state import automation_state

    return automation_state(app).tables.fired


def _last_tick(app) -> datetime | None:
    from trellis.data.database import db

    table = _fired_table(app)
    with app.app_context(), db.engine.connect() as connection:
        at = connection.execute(select(table.c.at).where(table.c.automation == MARKER)).scalar()
    return utc(at).replace(second=0, microsecond=0) if at is not None else None


def _record_tick(app, minute: datetime) -> None:
    from trellis.data.database import db

    table = _fired_table(app)
    with app.app_context(), db.engine.begin() as connection:
        where = table.c.automation == MARKER
        if connection.execute(update(table).where(where, table.c.at < minute).values(at=minute)).rowcount:
            return
        if connection.execute(select(table.c.id).where(where)).first() is None:
            try:
                with connection.begin_nested():
                    connection.execute(insert(table).values(automation=MARKER, record_id=0, occurrence_key="last",
                                                            at=minute))
            except IntegrityError:  # another scheduler recorded it first
                pass
