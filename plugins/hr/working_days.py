"""Working days between two dates: the one place the HR plugin counts them.

Monday to Friday count; a holiday (a date in the organisation's ``HR_HOLIDAYS``
setting) does not. Every count the plugin makes (a time-off request's days) goes
through :func:`working_days`, so the plugin moves to a shared business calendar by
changing this function alone.
"""

from __future__ import annotations

from datetime import date, timedelta

MAX_SPAN = 400
"""The longest request counted, in calendar days (a typo of a year must not loop for long)."""


def is_working_day(day: date, holidays: frozenset[date]) -> bool:
    """True for Monday to Friday outside ``holidays``."""
    return day.weekday() < 5 and day not in holidays


def working_days(start: date, end: date, holidays: frozenset[date] = frozenset(),
                 start_half: bool = False, end_half: bool = False) -> float:
    """Working days from ``start`` to ``end`` inclusive; a half day at either end counts 0.5.

    A half day on a day that is not a working day (a holiday, a Saturday) takes nothing off
    (frappe/hrms#238 subtracted it anyway). Dates are calendar dates: no time zone moves
    a Saturday into the count. ValueError when the span is longer than ``MAX_SPAN`` days.
    """
    if (end - start).days > MAX_SPAN:
        raise ValueError(f"longer than {MAX_SPAN} days")
    total = 0.0
    day = start
    while day <= end:
        if is_working_day(day, holidays):
            half = (start_half and day == start) or (end_half and day == end)
            total += 0.5 if half else 1.0
        day += timedelta(days=1)
    return total


def holidays_from(setting) -> frozenset[date]:
    """The ``HR_HOLIDAYS`` setting (a list of ISO dates, or comma-separated text) as dates; bad entries are skipped."""
    items = setting.split(",") if isinstance(setting, str) else list(setting or [])
    found = set()
    for item in items:
        try:
            found.add(item if isinstance(item, date) else date.fromisoformat(str(item).strip()))
        except ValueError:
            continue
    return frozenset(found)
