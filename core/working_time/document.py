"""The ``business_calendar:`` YAML document: one business calendar, checked by ``trellis check`` with file and line.

::

    business_calendar: support_sofia
    label: {en: Support desk (Sofia), bg: Поддръжка (София)}
    timezone: Europe/Sofia
    default: true                                # the organisation's calendar when none is named
    hours: ["09:00-13:00", "14:00-18:00"]        # each working day, here with a lunch break
    days: [mon, tue, wed, thu, fri]              # the working days (default: Monday to Friday)
    week: {fri: ["09:00-15:00"]}                 # a weekday with other hours ([] closes it)
    holidays:
      - 2026-03-03                               # one date
      - 12-25                                    # every year on that day
      - {date: 2026-04-10, label: Good Friday}
    special_days:                                # dates with their own hours ([] closes it)
      2026-12-24: ["09:00-12:00"]

:func:`build` turns it into a :class:`~trellis.working_time.model.BusinessCalendar`.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trellis.metadata.reading import NAME, kind_of
from trellis.metadata.yaml_loader import YList, YMap
from trellis.working_time.model import WEEKDAYS, BusinessCalendar, Hours, parse_period

KEYS = ("business_calendar", "label", "timezone", "default", "hours", "days", "week", "holidays", "special_days")
MAX_PERIODS = 24

_PERIODS = {"type": "array", "maxItems": MAX_PERIODS,
            "items": {"type": "string", "pattern": r"^\d{1,2}:\d\d-\d{1,2}:\d\d$"}}
_LABEL = {"anyOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}
SCHEMA = {
    "type": "object", "required": ["business_calendar"], "additionalProperties": False,
    "description": "A business calendar: working hours with breaks, holidays and a time zone.",
    "properties": {
        "business_calendar": {"type": "string"}, "label": _LABEL, "timezone": {"type": "string"},
        "default": {"type": "boolean"}, "hours": _PERIODS,
        "days": {"type": "array", "items": {"enum": list(WEEKDAYS)}},
        "week": {"type": "object", "additionalProperties": False, "properties": {day: _PERIODS for day in WEEKDAYS}},
        "holidays": {"type": "array", "items": {"anyOf": [
            {"type": "string"}, {"type": "object", "required": ["date"], "additionalProperties": False,
                                 "properties": {"date": {"type": "string"}, "label": _LABEL}}]}},
        "special_days": {"type": "object", "additionalProperties": _PERIODS},
    },
}
"""The JSON Schema of the document, for editors (``trellis schema``); :func:`build` checks the rest."""


def build(document: YMap, reader) -> BusinessCalendar | None:
    """Check one ``business_calendar:`` document, reporting each mistake where it is written; the calendar or None."""
    reader.keys(document, KEYS, "a calendar")
    name = document.get("business_calendar")
    if not isinstance(name, str) or not NAME.match(name):
        reader.error(document.value_at("business_calendar"),
                     f"'business_calendar' must be a name in lower case (letters, digits, _), not {kind_of(name)}")
        return None
    what = f"calendar '{name}'"
    timezone = reader.text(document, "timezone", what, default="UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        reader.error(document.value_at("timezone"), f"unknown time zone '{timezone}' in {what} "
                                                    f"(an IANA name such as Europe/Sofia)")
        timezone = "UTC"
    hours = _periods(document, "hours", what, reader)
    days = {day for day, at in reader.names(document, "days", what) if _weekday(day, at, what, reader)}
    if "days" not in document:
        days = set(WEEKDAYS[:5])
    week = [hours if day in days else () for day in WEEKDAYS]
    overrides = reader.mapping(document, "week", what)
    for day in overrides or ():
        if _weekday(day, overrides.key_at(day), what, reader):
            week[WEEKDAYS.index(day)] = _periods(overrides, day, f"'week.{day}' of {what}", reader)
    if not any(week):
        reader.error(document.source, f"{what} has no working hours in its week (give 'hours' and 'days')")
        return None
    holidays, yearly = _holidays(document, what, reader)
    special = {}
    specials = reader.mapping(document, "special_days", what)
    for key in specials or ():
        day = _date(key, specials.key_at(key), f"'special_days' of {what}", reader)
        if day is not None:
            special[day] = _periods(specials, key, f"'special_days.{key}' of {what}", reader)
    return BusinessCalendar(name, timezone, tuple(week), frozenset(holidays), frozenset(yearly), special,
                            reader.label(document, "label", what), reader.boolean(document, "default", what))


def _weekday(day, at, what: str, reader) -> bool:
    if day in WEEKDAYS:
        return True
    reader.error(at, f"unknown day '{day}' in {what} (known: {', '.join(WEEKDAYS)})")
    return False


def _periods(mapping: YMap, key, what: str, reader) -> Hours:
    """The list of ``HH:MM-HH:MM`` texts at ``mapping[key]``, sorted, each checked, none overlapping."""
    value = mapping.get(key)
    if value is None:
        return ()
    if not isinstance(value, YList):
        reader.error(mapping.value_at(key), f"{what}: hours must be a list of periods like \"09:00-13:00\", "
                                            f"not {kind_of(value)}")
        return ()
    if len(value) > MAX_PERIODS:
        reader.error(mapping.value_at(key), f"{what}: at most {MAX_PERIODS} periods a day")
        return ()
    found = []
    for index, item in enumerate(value):
        try:
            if not isinstance(item, str):
                raise ValueError(f"{kind_of(item)} is not a period like \"09:00-13:00\" (write it in quotes)")
            found.append((parse_period(item), value.item_at(index)))
        except ValueError as error:
            reader.error(value.item_at(index), f"{what}: {error}")
    found.sort(key=lambda pair: pair[0])
    for (previous, _), (period, at) in zip(found, found[1:], strict=False):
        if period[0] < previous[1]:
            reader.error(at, f"{what}: periods overlap")
            return ()
    return tuple(period for period, _ in found)


def _holidays(document: YMap, what: str, reader) -> tuple[set[date], set[tuple[int, int]]]:
    dates: set[date] = set()
    yearly: set[tuple[int, int]] = set()
    value = document.get("holidays")
    if value is None:
        return dates, yearly
    if not isinstance(value, YList):
        reader.error(document.value_at("holidays"), f"'holidays' of {what} must be a list of dates, "
                                                    f"not {kind_of(value)}")
        return dates, yearly
    for index, item in enumerate(value):
        at = value.item_at(index)
        if isinstance(item, YMap):
            reader.keys(item, ("date", "label"), f"a holiday of {what}")
            at, item = item.value_at("date"), item.get("date")
        if isinstance(item, str) and len(item) == 5 and item[2] == "-":
            try:
                month, day = int(item[:2]), int(item[3:])
                date(2000, month, day)  # a leap year, so 02-29 is a valid yearly day
            except ValueError:
                reader.error(at, f"'holidays' of {what}: '{item}' is not a month and day like 12-25")
            else:
                yearly.add((month, day))
            continue
        day = _date(item, at, f"'holidays' of {what}", reader)
        if day is not None:
            dates.add(day)
    return dates, yearly


def _date(value, at, what: str, reader) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        reader.error(at, f"{what}: {kind_of(value)} is not a date like 2026-12-25 (or 12-25 for every year)")
        return None
