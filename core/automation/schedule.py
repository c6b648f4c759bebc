"""Time triggers: ``schedule:`` (cron) and date-relative (``date_field:`` with ``every: year`` or ``offset:``).

``tick(app, now)`` is the whole scheduler: the in-process runner calls it once a
minute, Celery beat sends a task that calls it once a minute, and tests call it
with the ``now`` they want. For each due (automation, record, occurrence) it inserts
a row in ``trellis_automation_fired`` (UNIQUE) *in the same transaction* as the
automation's writes and queued emails: a second scheduler, or a restart, finds the
row and does nothing, so a birthday greeting goes out once per contact per year.

Occurrences:

- ``schedule: "0 9 * * 1"``: every record of the entity (that passes ``when``) once
  per matching minute, in the organisation's time zone (``TRELLIS_TIMEZONE``);
- ``date_field: birthday, every: year, at: "09:00"``: records whose date has today's
  month and day (29 February counts on the 28th in other years), once ``at`` has
  passed locally; ``offset: -1d`` moves it to the day before; the occurrence is the year;
- ``date_field: due, offset: -1d`` (``at`` for date fields): when the date plus the
  offset has passed, within ``AUTOMATION_LOOKBACK_HOURS`` (default 24) so that a
  new automation does not fire for every old record; the occurrence is the date.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import extract, insert, or_, select
from sqlalchemy.exc import IntegrityError
from trellis.automation.actions import offset
from trellis.automation.events import automation_context, run_automation
from trellis.automation.tables import utc, utcnow
from trellis.metadata.model import Automation

log = logging.getLogger("trellis.scheduler")


@dataclass(frozen=True)
class Fired:
    """One occurrence the tick fired: ``outcome`` of the automation run (``ok``, ``failed``, ``skipped``)."""

    automation: str
    record_id: int
    occurrence: str
    outcome: str | None


def tick(app, now: datetime | None = None) -> list[Fired]:
    """Fire every time trigger due at ``now`` (aware; naive is UTC; default: the current time)."""
    from trellis.runtime import runtime

    now = utc(now or utcnow())
    zone = ZoneInfo(str(app.config.get("TIMEZONE") or "UTC"))
    fired: list[Fired] = []
    with app.app_context():
        for automation in list(runtime(app).metadata.automations.values()):
            trigger = automation.trigger
            if not automation.enabled or not (trigger.schedule or trigger.date_field):
                continue
            try:
                occurrences = due(app, automation, now, zone)
            except Exception:  # one broken automation must not stop the others
                log.exception("scheduler: automation %s could not find its due records", automation.name)
                continue
            for record_id, key in occurrences:
                try:
                    fired.extend(_fire(app, automation, record_id, key, now))
                except Exception:  # rolled back, claim included: the next tick tries this record again
                    log.exception("scheduler: automation %s failed on %s #%s", automation.name,
                                  automation.entity, record_id)
        fired.extend(_plugin_jobs(app, now, zone))
        fired.extend(_backup(app, now, zone))
        fired.extend(_approval_escalation(app, now, zone))
    return fired


def cron_matches(schedule: str, minute: datetime) -> bool:
    """Whether the cron ``schedule`` matches ``minute`` (local time; its time zone is ignored)."""
    # croniter (and dateutil under it) only matters once a minute to the scheduler, not to
    # every process that starts the app: it is imported on the first tick.
    from croniter import croniter

    return croniter.match(schedule, minute.replace(tzinfo=None))


def due(app, automation: Automation, now: datetime, zone: ZoneInfo) -> list[tuple[int, str]]:
    """``(record_id, occurrence_key)`` pairs of ``automation`` due at ``now``."""
    trigger = automation.trigger
    local = now.astimezone(zone)
    if trigger.schedule:
        minute = local.replace(second=0, microsecond=0)
        if not cron_matches(trigger.schedule, minute):
            return []
        key = minute.strftime("%Y-%m-%dT%H:%M")
        return [(record_id, key) for record_id in _all_ids(app, automation.entity)]
    if trigger.every == "year":
        # It fires at (anniversary, at) + offset: look at the anniversary that moment belongs to.
        shifted = local - offset(trigger.offset)
        if shifted.time() < _at(trigger.at):
            return []
        return [(record_id, str(shifted.year)) for record_id in _anniversaries(app, automation, shifted.date())]
    return _offset_due(app, automation, now, zone)


def _at(text: str | None) -> time:
    if not text:
        return time(0, 0)
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _table(app, entity: str):
    from trellis.runtime import runtime

    return runtime(app).schema.tables[entity]


def _connection():
    from trellis.data.database import db

    return db.session.connection()


def _all_ids(app, entity: str) -> list[int]:
    table = _table(app, entity)
    return list(_connection().execute(select(table.c.id).order_by(table.c.id)).scalars())


def _anniversaries(app, automation: Automation, today: date) -> list[int]:
    """Ids whose ``date_field`` falls on today's month and day (SQL, not a scan)."""
    table = _table(app, automation.entity)
    column = table.c[automation.trigger.date_field]
    days = [today.day]
    if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
        days.append(29)   # born on 29 February: greeted on the 28th in other years
    condition = (extract("month", column) == today.month) & or_(*[extract("day", column) == d for d in days])
    return list(_connection().execute(select(table.c.id).where(condition).order_by(table.c.id)).scalars())


def _offset_due(app, automation: Automation, now: datetime, zone: ZoneInfo) -> list[tuple[int, str]]:
    """Records whose ``date_field + offset`` has passed within the look-back window."""
    from trellis.runtime import runtime

    trigger = automation.trigger
    shift = offset(trigger.offset)
    lookback = timedelta(hours=float(app.config.get("AUTOMATION_LOOKBACK_HOURS", 24)))
    field = runtime(app).metadata.entities[automation.entity].fields[trigger.date_field]
    table = _table(app, automation.entity)
    column = table.c[trigger.date_field]
    latest, earliest = now - shift, now - shift - lookback
    found = []
    if field.type == "date":
        at = _at(trigger.at)
        low, high = (earliest.astimezone(zone) - timedelta(days=1)).date(), latest.astimezone(zone).date()
        rows = _connection().execute(select(table.c.id, column).where(column >= low, column <= high)
                                     .order_by(table.c.id)).all()
        for record_id, value in rows:
            moment = datetime.combine(value, at, tzinfo=zone)
            if earliest < moment <= latest:
                found.append((record_id, value.isoformat()))
    else:
        rows = _connection().execute(select(table.c.id, column).where(column > earliest, column <= latest)
                                     .order_by(table.c.id)).all()
        found = [(record_id, utc(value).isoformat(timespec="minutes")) for record_id, value in rows]
    return found


def _fire(app, automation: Automation, record_id: int, key: str, now: datetime) -> list[Fired]:
    """Claim the occurrence and run the automation in one transaction; [] when it had fired already."""
    from trellis.automation.state import transaction
    from trellis.data.records import records_for
    from trellis.errors import NotFound

    with transaction(app):
        if not _claim(app, automation.name, record_id, key, now):
            return []
        try:
            record = records_for(app, None, "automation").get(automation.entity, record_id)
        except NotFound:
            return []   # deleted since the query: the claim rolls back with nothing done
        outcome = run_automation(app, automation, record, _trigger_name(automation), now)
    return [Fired(automation.name, record_id, key, outcome)]


def _claim(app, name: str, record_id: int, key: str, now: datetime) -> bool:
    """Insert the fired row in a savepoint; False when another tick (or process) already did."""
    from trellis.automation.state import automation_state
    from trellis.data.database import db
    from trellis.data.unit import savepoint

    table = automation_state(app).tables.fired
    nested = savepoint()
    try:
        db.session.connection().execute(insert(table).values(automation=name, record_id=record_id,
                                                             occurrence_key=key, at=now))
        nested.commit()
    except IntegrityError:
        nested.rollback()
        return False
    return True


def _trigger_name(automation: Automation) -> str:
    trigger = automation.trigger
    return "schedule" if trigger.schedule else ("anniversary" if trigger.every else "date")


def _approval_escalation(app, now: datetime, zone: ZoneInfo) -> list[Fired]:
    """Every five minutes, when a workflow has an approval level with ``escalate_after``: escalate the
    levels that waited too long (:meth:`trellis.automation.approvals.Approvals.escalate_due`)."""
    from trellis.automation.state import transaction
    from trellis.runtime import runtime

    approvals = runtime(app).approvals
    minute = now.astimezone(zone).replace(second=0, microsecond=0)
    if not approvals.escalates() or not cron_matches(ESCALATION_SCHEDULE, minute):
        return []
    key = minute.strftime("%Y-%m-%dT%H:%M")
    try:
        with transaction(app):
            if not _claim(app, ESCALATION_JOB, 0, key, now):
                return []
            approvals.escalate_due(now)
    except Exception:
        log.exception("scheduler: approval escalation failed")
        return [Fired(ESCALATION_JOB, 0, key, "failed")]
    return [Fired(ESCALATION_JOB, 0, key, "ok")]


ESCALATION_JOB = "job:approval_escalation"
ESCALATION_SCHEDULE = "*/5 * * * *"


def _backup(app, now: datetime, zone: ZoneInfo) -> list[Fired]:
    """The scheduled backup (``BACKUP_DIR``, ``BACKUP_SCHEDULE``): see :mod:`trellis.automation.backups`."""
    from trellis.automation import backups

    if not app.config.get("BACKUP_DIR"):
        return []
    minute = now.astimezone(zone).replace(second=0, microsecond=0)
    try:
        matches = cron_matches(str(app.config.get("BACKUP_SCHEDULE") or "0 3 * * *"), minute)
        return backups.due(app, now, minute.strftime("%Y-%m-%dT%H:%M"), matches)
    except Exception:
        log.exception("scheduler: the scheduled backup could not be queued")
        return [Fired("job:backup", 0, minute.strftime("%Y-%m-%dT%H:%M"), "failed")]


def _plugin_jobs(app, now: datetime, zone: ZoneInfo) -> list[Fired]:
    """Plugins' ``scheduled_jobs()`` whose cron matches this minute, each once per minute across processes."""
    from trellis.automation.state import transaction
    from trellis.runtime import runtime

    plugins = runtime(app).plugins
    minute = now.astimezone(zone).replace(second=0, microsecond=0)
    key = minute.strftime("%Y-%m-%dT%H:%M")
    fired = []
    for job in plugins.scheduled_jobs():
        if not cron_matches(job.schedule, minute):
            continue
        try:
            with transaction(app):
                if not _claim(app, f"job:{job.name}", 0, key, now):
                    continue
                job.run(automation_context(app, now))
            fired.append(Fired(f"job:{job.name}", 0, key, "ok"))
        except Exception:
            log.exception("scheduler: plugin job %s failed", job.name)
            fired.append(Fired(f"job:{job.name}", 0, key, "failed"))
    return fired


def tick_missed(app, now: datetime | None = None) -> list[Fired]:
    """Tick every minute missed since the last tick, then ``now``; see :mod:`trellis.automation.catch_up`."""
    from trellis.automation import catch_up

    return catch_up.tick_missed(app, now)
