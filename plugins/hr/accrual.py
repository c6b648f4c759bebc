"""Accrual and carry-over of time-off allocations.

A type with ``accrues: true`` is earned over the year's working days: by a given day an
employee has earned ``days x (working days from 1 January to that day) / (working days
of the year)``, rounded down to a half day, on the same business calendar requests are
counted on (so weekends and holidays earn nothing, and a moment late on a Friday in UTC
that is already Saturday where the office is earns nothing more than Friday did --
odoo/odoo#279036 granted those Saturdays). A request may use what is earned by its last
day, plus what was carried over.

At the turn of the year (the ``hr_carry_over`` job, 1 January 00:30, or on demand with
:func:`carry_over`), what is left of each allocation of a type with ``max_carry_over``
(at most that many days) becomes the ``carried_over`` of the employee's allocation for
the next year, which is created with the same days when it does not exist. Running it
again sets the same value: it never adds twice.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from trellis_plugins.hr.working_days import working_days


def local_day(moment: date | datetime, calendar) -> date:
    """The calendar's local date of ``moment`` (a date is already one; a naive datetime is UTC)."""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return aware.astimezone(calendar.zone).date()
    return moment


def accrued(days: float, year: int, as_of: date | datetime, calendar) -> float:
    """What an allocation of ``days`` for ``year`` has earned by the end of ``as_of``, in half days."""
    day = local_day(as_of, calendar)
    first, last = date(year, 1, 1), date(year, 12, 31)
    if day < first:
        return 0.0
    if day >= last:
        return float(days)
    total = working_days(first, last, calendar)
    if total <= 0:
        return float(days)
    earned = float(days) * working_days(first, day, calendar) / total
    return math.floor(earned * 2 + 1e-9) / 2


def available(allocation, kind, as_of: date, calendar) -> float:
    """What an allocation offers a request ending on ``as_of``: earned (or all) days plus those carried over."""
    days = float(allocation.get("days") or 0)
    if kind.get("accrues"):
        days = accrued(days, int(allocation["year"]), as_of, calendar)
    return days + float(allocation.get("carried_over") or 0)


def carry_over(system, year: int) -> int:
    """Carry what is left of ``year``'s allocations into the next year's; returns how many were carried.

    ``system`` is a record service acting as the system that may set read-only fields
    (``records.as_system(actor)``, ``trellis.system_records(actor)``).
    """
    carried = 0
    kinds = {k.id: k for k in system.query("time_off_type").page(size=500, count=False).rows}
    cursor = None
    while True:
        page = system.query("time_off_allocation").filter(year=year).page(size=500, cursor=cursor, count=False)
        for allocation in page.rows:
            kind = kinds.get(getattr(allocation["type"], "id", allocation["type"]))
            limit = float((kind.get("max_carry_over") if kind is not None else 0) or 0)
            if limit <= 0:
                continue
            left = float(allocation.get("balance") or 0)
            _carry(system, allocation, year + 1, max(0.0, min(left, limit)))
            carried += 1
        cursor = page.next_cursor
        if cursor is None:
            return carried


def _carry(system, allocation, year: int, days: float) -> None:
    employee = getattr(allocation["employee"], "id", allocation["employee"])
    kind = getattr(allocation["type"], "id", allocation["type"])
    found = system.query("time_off_allocation").filter(employee=employee, type=kind, year=year).first()
    if found is None:
        system.create("time_off_allocation", {"employee": employee, "type": kind, "year": year,
                                              "days": allocation["days"], "carried_over": days})
    elif float(found.get("carried_over") or 0) != days:
        system.update("time_off_allocation", found.id, {"carried_over": days})


def carry_over_job(context) -> None:
    """The ``hr_carry_over`` job: carry last year's leftovers into this year's allocations."""
    from flask import current_app

    zone = ZoneInfo(str(current_app.config.get("TIMEZONE") or "UTC"))
    carry_over(context.records.as_system(actor="hr"), context.now.astimezone(zone).year - 1)
