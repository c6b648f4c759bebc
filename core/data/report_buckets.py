"""Date buckets of reports in SQL: a date or date-time column -> the first day of its day, week, month,
quarter or year in the viewer's time zone, on SQLite and PostgreSQL alike: ``YYYY-MM-DD`` text on SQLite,
a ``timestamp`` at midnight of that day on PostgreSQL (whose text starts ``YYYY-MM-DD`` too).

PostgreSQL converts with ``timezone(zone, column)``; a date is truncated as a ``timestamp`` without a time
zone (half the work of the ``timestamptz`` it would otherwise become, and no formatting per row).

SQLite knows no time zones: the column is shifted
by the zone's UTC offset, written as a ``CASE`` over the zone's offset changes (from the ``zoneinfo``
database) so that a date-time in summer and one in winter each get their own offset. Weeks start on
Monday on both (on Saturday with :data:`SATURDAY_WEEK`, a Persian user's).

The Jalali (Solar Hijri) calendar's months start on a Gregorian day between the 19th and the 23rd
(1970-2100), so :data:`JALALI_SPLIT` groups by a key no Jalali month straddles: the first day of the
Gregorian month for days 1-18, the day itself for days 19-23, the 24th for the rest.
:mod:`trellis.data.report_calendars` folds those groups into Jalali months, seasons and years.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Integer, case, cast, func, literal, literal_column

FIRST_YEAR = 1970
LAST_YEAR = 2100
_PG_UNITS = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
JALALI_SPLIT = "jalali_split"      # the bucket name of the key above
SATURDAY_WEEK = "saturday_week"    # a week from Saturday to Friday, as Persian calendars print it
SPLIT_FIRST, SPLIT_LAST = 19, 23   # the Gregorian days of the month a Jalali month may start on


def bucket(column: Any, bucket_name: str, storage: str, zone: str, dialect: str) -> Any:
    """The SQL expression of ``column``'s bucket start (see above); date-times are read in ``zone``."""
    if dialect == "postgresql":
        local = func.timezone(zone, column) if storage == "datetime" else cast(column, DateTime())
        if bucket_name == JALALI_SPLIT:
            return _pg_split(local)
        if bucket_name == SATURDAY_WEEK:   # Monday-weeks of the day two days later, moved back two days
            return func.date_trunc("week", local + literal_column("interval '2 days'")) - literal_column(
                "interval '2 days'")
        return func.date_trunc(_PG_UNITS[bucket_name], local)
    local = _sqlite_local(column, zone) if storage == "datetime" else column
    if bucket_name == JALALI_SPLIT:
        day = cast(func.strftime("%d", local), Integer)
        return case((day < SPLIT_FIRST, func.strftime("%Y-%m-01", local)),
                    (day > SPLIT_LAST, func.strftime(f"%Y-%m-{SPLIT_LAST + 1}", local)), else_=func.date(local))
    if bucket_name == "day":
        return func.date(local)
    if bucket_name == "week":
        return func.date(local, "weekday 0", "-6 days")
    if bucket_name == SATURDAY_WEEK:   # the one Saturday among the day and the six before it
        return func.date(local, "-6 days", "weekday 6")
    if bucket_name == "month":
        return func.strftime("%Y-%m-01", local)
    if bucket_name == "year":
        return func.strftime("%Y-01-01", local)
    month = cast(func.strftime("%m", local), Integer)
    first = (month - 1) // 3 * 3 + 1   # 1, 4, 7, 10
    return func.strftime("%Y", local).op("||")(func.printf("-%02d-01", first))


def _pg_split(local: Any) -> Any:
    day = func.extract("day", local)
    month = func.date_trunc("month", local)
    return case((day < SPLIT_FIRST, month), (day > SPLIT_LAST, month + literal_column(f"interval '{SPLIT_LAST} days'")),
                else_=func.date_trunc("day", local))


def _sqlite_local(column: Any, zone: str) -> Any:
    changes = offset_changes(zone)
    if len(changes) == 1:
        return func.datetime(column, _modifier(changes[0][1]))
    # Newest first: most rows are recent, and SQLite stops at the first branch that holds.
    whens = [(column >= literal(start.strftime("%Y-%m-%d %H:%M:%S")), literal(_modifier(offset)))
             for start, offset in reversed(changes[1:])]
    return func.datetime(column, case(*whens, else_=literal(_modifier(changes[0][1]))))


def _modifier(seconds: int) -> str:
    return f"{'+' if seconds >= 0 else '-'}{abs(seconds)} seconds"


@lru_cache(maxsize=64)
def offset_changes(zone: str) -> tuple[tuple[datetime, int], ...]:
    """``(from UTC instant, offset in seconds)`` for each stretch of ``zone``'s offset, oldest first, between
    FIRST_YEAR and LAST_YEAR (the first stretch starts at FIRST_YEAR). A pure function of the zone database."""
    info = ZoneInfo(zone)
    moment = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    end = datetime(LAST_YEAR, 1, 1, tzinfo=UTC)
    step = timedelta(days=7)   # zones change their offset at most twice a year, months apart
    changes = [(moment.replace(tzinfo=None), _offset(info, moment))]
    while moment < end:
        later = moment + step
        if _offset(info, later) != changes[-1][1]:
            low, high = moment, later   # the change is in (low, high]: find the second it happens
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(info, middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changes.append((high.replace(tzinfo=None, microsecond=0), _offset(info, high)))
        moment = later
    return tuple(changes)


def _offset(info: ZoneInfo, moment: datetime) -> int:
    return int(moment.astimezone(info).utcoffset().total_seconds())
