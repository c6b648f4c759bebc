"""The Solar Hijri (Jalali) calendar for Persian users: dates shown and typed as ``1404/01/01``
while the database keeps Gregorian dates and UTC moments.

Used when the user's locale is ``fa`` and the organisation's ``PERSIAN_CALENDAR`` setting is
``jalali`` (the default; ``gregorian`` keeps Babel's Gregorian dates for fa too). The
arithmetic is ``jdatetime``'s; this module only formats, parses and finds month bounds.
Typed dates take Persian, Arabic-Indic or Latin digits and ``/``, ``-`` or ``.`` between
year, month and day; every number is bounded before it is used.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import jdatetime
from flask import current_app, has_app_context

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
          "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
WEEKDAYS = ("شنبه", "یک‌شنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنج‌شنبه", "جمعه")   # Saturday first
FIRST_YEAR, LAST_YEAR = 1000, 1999   # 1621-2621 in the Gregorian calendar: beyond them a typing mistake
INPUT_FORMAT = "1404/01/31"          # what a date input's placeholder shows
_DAY = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})")
_MOMENT = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ T،,]+(\d{1,2}):(\d{2}))?")


def in_use(locale: str) -> bool:
    """True when dates are shown and typed in the Jalali calendar: ``locale`` is ``fa`` and the
    organisation has not chosen ``PERSIAN_CALENDAR: gregorian``."""
    if locale != "fa":
        return False
    return not has_app_context() or current_app.config.get("PERSIAN_CALENDAR", "jalali") == "jalali"


def report_calendar(locale: str) -> str:
    """The calendar whose months, quarters and years a report's date buckets are for a user of
    ``locale``: ``jalali`` when :func:`in_use`, else ``gregorian``."""
    return "jalali" if in_use(locale) else "gregorian"


def persian_digits(text: str) -> str:
    """``text`` with its Latin digits written as Persian ones."""
    return text.translate(PERSIAN_DIGITS)


def to_jalali(day: date) -> jdatetime.date:
    """The Jalali date of the Gregorian ``day``."""
    return jdatetime.date.fromgregorian(date=day)


def format_day(day: date, style: str = "medium") -> str:
    """``day`` as a Persian reader reads it: ``medium``/``long`` "۱ فروردین ۱۴۰۴", ``full`` with the
    weekday, ``short`` "۱۴۰۴/۰۱/۰۱", ``month`` "فروردین ۱۴۰۴", ``day`` "۱", ``weekday`` "شنبه", ``year``."""
    j = to_jalali(day)
    text = {"short": f"{j.year:04d}/{j.month:02d}/{j.day:02d}", "month": f"{MONTHS[j.month - 1]} {j.year}",
            "day": str(j.day), "weekday": WEEKDAYS[j.weekday()], "year": str(j.year),
            "full": f"{WEEKDAYS[j.weekday()]} {j.day} {MONTHS[j.month - 1]} {j.year}",
            }.get(style, f"{j.day} {MONTHS[j.month - 1]} {j.year}")
    return persian_digits(text)


def format_moment(moment: datetime) -> str:
    """A moment already in the user's time zone as "۱۴۰۴/۰۱/۰۱، ۱۴:۳۰"."""
    return persian_digits(f"{format_day(moment.date(), 'short')}، {moment:%H:%M}")


def day_input(day: date) -> str:
    """``day`` as a date input holds it: ``1404/01/01`` (Latin digits, as a keyboard types them)."""
    j = to_jalali(day)
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"


def moment_input(moment: datetime) -> str:
    """A moment in the user's time zone as a date-and-time input holds it: ``1404/01/01 14:30``."""
    return f"{day_input(moment.date())} {moment:%H:%M}"


def parse_day(text: str) -> date:
    """The Gregorian date of a typed Jalali date; ``ValueError`` when it is not one."""
    found = _DAY.fullmatch(text.strip().translate(LATIN_DIGITS))
    if found is None:
        raise ValueError(f"not a date like {INPUT_FORMAT}")
    return _gregorian(*(int(part) for part in found.groups()))


def parse_moment(text: str) -> datetime:
    """A typed Jalali date and time (``1404/01/01 14:30``, midnight without a time) as a naive
    Gregorian datetime in the user's time zone; ``ValueError`` when it is not one."""
    found = _MOMENT.fullmatch(text.strip().translate(LATIN_DIGITS))
    if found is None:
        raise ValueError(f"not a date and time like {INPUT_FORMAT} 14:30")
    year, month, day, hour, minute = found.groups()
    hour, minute = int(hour or 0), int(minute or 0)
    if hour > 23 or minute > 59:
        raise ValueError("not a time of day")
    return datetime.combine(_gregorian(int(year), int(month), int(day)), datetime.min.time()).replace(
        hour=hour, minute=minute)


def _gregorian(year: int, month: int, day: int) -> date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    if not 1 <= month <= 12:
        raise ValueError("the month must be between 1 and 12")
    if not 1 <= day <= jdatetime.j_days_in_month[month - 1] + (month == 12):
        raise ValueError("no such day in that month")
    try:
        return jdatetime.date(year, month, day).togregorian()
    except ValueError:   # Esfand 30 of a common year
        raise ValueError("no such day in that month") from None


def month_bounds(day: date) -> tuple[date, date]:
    """The Gregorian first day of ``day``'s Jalali month and of the month after it."""
    j = to_jalali(day)
    first = jdatetime.date(j.year, j.month, 1)
    following = jdatetime.date(j.year + (j.month == 12), j.month % 12 + 1, 1)
    return first.togregorian(), following.togregorian()


def period(kind: str, today: date) -> tuple[date, date] | None:
    """The Gregorian first and last day of the Jalali ``month``, ``quarter`` (season), ``year`` or
    ``last_12_months`` around ``today``; None for another kind."""
    j = to_jalali(today)
    if kind == "month":
        first, last = j.month, j.month
    elif kind == "quarter":
        first = (j.month - 1) // 3 * 3 + 1
        last = first + 2
    elif kind == "year":
        first, last = 1, 12
    elif kind == "last_12_months":
        start = jdatetime.date(j.year - (j.month < 12), j.month % 12 + 1, 1)
        return start.togregorian(), month_bounds(today)[1] - timedelta(days=1)
    else:
        return None
    following = month_bounds(jdatetime.date(j.year, last, 1).togregorian())[1]
    return jdatetime.date(j.year, first, 1).togregorian(), following - timedelta(days=1)


def previous_month(day: date) -> date:
    """A day of the Jalali month before ``day``'s (its last day)."""
    return month_bounds(day)[0] - timedelta(days=1)


# Babel patterns the templates use, and the Jalali style that says the same.
STYLES = {"LLLL y": "month", "MMM y": "month", "EEE": "weekday", "EEEE": "weekday", "d": "day", "y": "year",
          "full": "full", "long": "long", "medium": "medium", "short": "short"}
