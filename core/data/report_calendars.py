"""Reports' week, month, quarter and year buckets in the Jalali (Solar Hijri) calendar, for Persian users.

Weeks start on Saturday (:data:`~trellis.data.report_buckets.SATURDAY_WEEK`, in SQL alone).

The SQL groups by :data:`~trellis.data.report_buckets.JALALI_SPLIT`, a key no Jalali month straddles;
:func:`fold` then merges those groups (at most seven per Gregorian month, never records) into the
Jalali month, season (quarter) or year they fall in, keyed by that bucket's first day as a Gregorian
date, as Gregorian buckets are. Counts, sums, minimums, maximums and averages combine exactly; a
count distinct of a bucket made of several groups cannot be combined and is None.

    run_report(records, report, zone="Asia/Tehran", calendar="jalali")
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import jdatetime
from trellis.data.report_buckets import JALALI_SPLIT, SATURDAY_WEEK

CALENDARS = ("gregorian", "jalali")
FOLDED = ("month", "quarter", "year")   # the buckets the Jalali calendar changes (a day is a day)


def jalali_start(day: date, bucket: str) -> date:
    """The Gregorian first day of the Jalali month, season or year ``day`` falls in."""
    j = jdatetime.date.fromgregorian(date=day)
    month = {"month": j.month, "quarter": (j.month - 1) // 3 * 3 + 1, "year": 1}[bucket]
    return jdatetime.date(j.year, month, 1).togregorian()


def jalali_next(start: date, bucket: str) -> date:
    """The Gregorian first day of the Jalali bucket after the one starting on ``start``."""
    j = jdatetime.date.fromgregorian(date=start)
    month = j.month - 1 + {"month": 1, "quarter": 3, "year": 12}[bucket]
    return jdatetime.date(j.year + month // 12, month % 12 + 1, 1).togregorian()


def fold(report, rows: list, combine) -> list:
    """``rows`` (``ResultRow`` of the split keys) merged per Jalali bucket of every bucketed group-by,
    in the order the SQL gives (the sort measure's, largest first unless the report sorts ascending);
    ``combine(report, values)`` folds the measures of merged rows."""
    merged: dict[tuple, list] = {}
    for row in rows:
        keys = tuple(jalali_start(key, group.bucket) if group.bucket in FOLDED and key is not None else key
                     for key, group in zip(row.keys, report.groups, strict=True))
        merged.setdefault(keys, []).append(row)
    result = []
    for keys, parts in merged.items():
        first = parts[0]
        first.keys = keys
        if len(parts) > 1:
            first.values = combine(report, [part.values for part in parts])
        result.append(first)
    measure, descending = _sort_measure(report)
    if measure is not None:
        present = [row for row in result if row.values.get(measure) is not None]
        missing = [row for row in result if row.values.get(measure) is None]
        present.sort(key=lambda row: Decimal(str(row.values[measure])), reverse=descending)
        result = present + missing
    return result


def _sort_measure(report) -> tuple[str | None, bool]:
    by = report.sort[0] if report.sort else None
    stored = [m for m in report.measures if m.ratio is None]
    measure = next((m for m in stored if m.name == by), None)
    if measure is None and by is None and stored:
        measure = stored[0]
    if measure is None:
        return None, True
    return measure.name, report.sort[1] if report.sort and report.sort[0] == measure.name else True


def uses_jalali(report, calendar: str) -> bool:
    """Whether running ``report`` in ``calendar`` needs the Jalali split and fold."""
    return calendar == "jalali" and any(group.bucket in FOLDED for group in report.groups)


def split_bucket(bucket: str | None, calendar: str) -> Any:
    """The bucket the SQL groups by for ``bucket`` in ``calendar``."""
    if calendar != "jalali":
        return bucket
    return JALALI_SPLIT if bucket in FOLDED else SATURDAY_WEEK if bucket == "week" else bucket
