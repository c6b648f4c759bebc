"""Working days between two dates: the one place the HR plugin counts them.

The days are those of a business calendar (``trellis.business_calendar``: the one named
by the ``HR_CALENDAR`` setting, else the organisation's default), so time off skips the
same weekends and holidays as every other plugin's working time. Every count the plugin
makes (a time-off request's days) goes through :func:`working_days`.
"""

from __future__ import annotations

from datetime import date

MAX_SPAN = 400
"""The longest request counted, in calendar days (a typo of a year must not loop for long)."""


def working_days(start: date, end: date, calendar, start_half: bool = False, end_half: bool = False) -> float:
    """Working days of ``calendar`` (a ``trellis.BusinessCalendar``) from ``start`` to ``end`` inclusive;
    a half day at either end counts 0.5.

    A half day on a day that is not a working day (a holiday, a Saturday) takes nothing off
    (frappe/hrms#238 subtracted it anyway). Dates are calendar dates: no time zone moves
    a Saturday into the count. ValueError when the span is longer than ``MAX_SPAN`` days.
    """
    if (end - start).days > MAX_SPAN:
        raise ValueError(f"longer than {MAX_SPAN} days")
    total = 0.0
    for day in calendar.working_days(start, end):
        half = (start_half and day == start) or (end_half and day == end)
        total += 0.5 if half else 1.0
    return total
