"""One business calendar and the arithmetic of working time on it.

Working hours are written in the calendar's wall-clock time (``09:00-13:00`` in
``Europe/Sofia``) and measured in real elapsed time: on the night a clock jumps
forward, ``02:00-06:00`` holds three hours of work, on the night it falls back five.
A wall time that does not exist (inside the jump) is read with the offset in force
before it; one that exists twice (inside the fall-back hour) is its first occurrence.

Moments passed in may be aware (any zone) or naive, meaning UTC as Trellis stores
them; results come back in the zone of the moment given (naive UTC for naive).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60
MAX_DAYS = 366 * 20
"""How far ahead a calendar is searched for working time before giving up (twenty years)."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Hours = tuple[tuple[int, int], ...]
"""Working periods of one day: (start, end) in minutes after midnight, ``end`` up to 1440 (24:00), sorted."""
Pause = tuple[datetime, datetime | None]
"""A period the clock stood still: (paused at, resumed at), ``None`` while still paused."""


class NoWorkingTime(ValueError):
    """The calendar has no working time in the twenty years searched (all days closed)."""


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday, closed days and special days, in one time zone.

    ``week`` holds seven :data:`Hours`, Monday first; ``holidays`` are closed dates,
    ``yearly_holidays`` (month, day) pairs closed every year, and ``special_days`` dates
    with their own hours (a shortened eve, a Saturday worked in exchange for a bridge
    day; empty hours close the day). A special day wins over a holiday, a holiday over
    the week.

    Hours are wall-clock time in ``timezone`` and time is measured as it really
    passes: across a clock change, ``02:00-06:00`` holds three hours on the night the
    clock jumps forward and five on the night it falls back. A moment may be aware (any
    zone) or naive, meaning UTC as Trellis stores it; an answer comes back in the zone of
    the moment asked about. ``pauses`` are (paused at, resumed at) pairs, resumed at
    ``None`` while still paused: the clock of a ticket waiting on its customer. Get the
    organisation's calendars with ``trellis.business_calendar(name)``, or build one::

        from datetime import UTC, datetime, timedelta
        from trellis import BusinessCalendar

        office = BusinessCalendar.weekly("office", "Europe/Sofia", ["09:00-13:00", "14:00-18:00"])
        due = office.add_working_time(datetime(2026, 3, 27, 15, 0, tzinfo=UTC), timedelta(hours=8))
    """

    name: str  # how YAML and code refer to it
    timezone: str = "UTC"  # IANA name; working hours are wall-clock time there
    week: tuple[Hours, ...] = ((),) * 7  # Monday first
    holidays: frozenset[date] = frozenset()  # closed dates
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()  # (month, day) closed every year
    special_days: dict[date, Hours] = field(default_factory=dict)  # dates with their own hours
    label: dict[str, str] = field(default_factory=dict)  # text per locale
    default: bool = False  # the organisation's calendar when none is named

    @classmethod
    def weekly(cls, name: str, timezone: str, hours: Iterable[str], days: Iterable[str] = WEEKDAYS[:5],
               **options) -> BusinessCalendar:
        """A calendar open the same ``hours`` (``"09:00-13:00"`` texts) on each of ``days`` (``mon``...)."""
        periods = tuple(sorted(parse_period(text) for text in hours))
        chosen = set(days)
        return cls(name, timezone, tuple(periods if day in chosen else () for day in WEEKDAYS), **options)

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.timezone)

    def hours_on(self, day: date) -> Hours:
        """The working periods of ``day`` (a local date): its special hours, none on a holiday, else the week's."""
        if day in self.special_days:
            return self.special_days[day]
        if day in self.holidays or (day.month, day.day) in self.yearly_holidays:
            return ()
        return self.week[day.weekday()]

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` (a local date) has any working hours."""
        return bool(self.hours_on(day))

    def working_days(self, first: date, last: date) -> list[date]:
        """The working days from ``first`` to ``last``, both included (e.g. the days a leave request uses)."""
        count = (last - first).days + 1
        if count > MAX_DAYS:
            raise ValueError(f"at most {MAX_DAYS} days at once")
        return [day for day in (first + timedelta(days=n) for n in range(max(count, 0))) if self.is_working_day(day)]

    def periods(self, start: datetime, end: datetime | None = None) -> Iterator[tuple[datetime, datetime]]:
        """Working periods as (start, end) in UTC, from the one containing or after ``start``, up to ``end``.

        Periods are clipped to ``start`` and ``end``; without ``end`` they go on until
        twenty years of days have been looked at.
        """
        begin, stop = _utc(start), (_utc(end) if end is not None else None)
        day = begin.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(MAX_DAYS):
            for low, high in self._day_periods(day):
                if stop is not None and low >= stop:
                    return
                if high > begin:
                    yield max(low, begin), (min(high, stop) if stop is not None else high)
            day += timedelta(days=1)
            if stop is not None and _local_midnight(day, self.zone) >= stop:
                return

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside a working period."""
        at = _utc(moment)
        return any(low <= at < high for low, high in self._day_periods(at.astimezone(self.zone).date()))

    def next_working_time(self, moment: datetime) -> datetime:
        """``moment`` itself during working time, else the start of the next working period."""
        for low, _ in self.periods(moment):
            return _like(low, moment)
        raise NoWorkingTime(f"calendar '{self.name}' has no working time after {moment}")

    def add_working_time(self, start: datetime, duration: timedelta,
                         pauses: Iterable[Pause] = ()) -> datetime | None:
        """The moment ``duration`` of working time after ``start``, the clock stopped during ``pauses``.

        A due date for a target such as "answer within 8 business hours". The result
        is the end of the last minute of work: 8 hours from Friday 15:00 on a 9-to-18
        calendar is Monday 14:00. With a pause still open (resumed at ``None``) before
        the time is used up, the due date is unknown: ``None``.
        """
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        left = duration
        stops = _merged(pauses)
        for low, high in self.periods(start):
            for part_low, part_high in _outside(low, high, stops):
                if part_low is None:
                    return None
                if part_high - part_low >= left:
                    return _like(part_low + left, start)
                left -= part_high - part_low
        raise NoWorkingTime(f"calendar '{self.name}' has no working time after {start}")

    def working_time_between(self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> timedelta:
        """Working time from ``start`` to ``end`` not inside ``pauses`` (negative when ``end`` is earlier).

        An open pause (resumed at ``None``) stops the clock until ``end``.
        """
        if _utc(end) < _utc(start):
            return -self.working_time_between(end, start, pauses)
        stops = [(low, high if high is not None else _utc(end)) for low, high in _merged(pauses)]
        total = timedelta(0)
        for low, high in self.periods(start, end):
            total += sum((part_high - part_low for part_low, part_high in _outside(low, high, stops)), timedelta(0))
        return total

    def _day_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        zone = self.zone
        return [(_wall(day, low, zone), _wall(day, high, zone)) for low, high in self.hours_on(day)]


def parse_period(text: str) -> tuple[int, int]:
    """``"09:00-13:00"`` as minutes after midnight, ``(540, 780)``; ``24:00`` ends a day. ValueError if wrong."""
    try:
        first, second = (part.strip() for part in str(text).split("-"))
        low, high = _minutes(first), _minutes(second)
    except ValueError:
        raise ValueError(f"'{text}' is not a period like 09:00-13:00") from None
    if high <= low:
        raise ValueError(f"'{text}' ends before it starts")
    return low, high


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > DAY_MINUTES:
        raise ValueError(text)
    return value


def _wall(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """``minutes`` after local midnight of ``day`` as UTC (24:00 is the next midnight)."""
    if minutes == DAY_MINUTES:
        return _local_midnight(day + timedelta(days=1), zone)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(UTC)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _like(moment: datetime, example: datetime) -> datetime:
    """``moment`` (UTC) in the zone of ``example``; naive UTC for a naive example."""
    return moment.replace(tzinfo=None) if example.tzinfo is None else moment.astimezone(example.tzinfo)


def _merged(pauses: Iterable[Pause]) -> list[tuple[datetime, datetime | None]]:
    """Pauses sorted and overlapping ones joined; an open pause swallows every later one."""
    result: list[tuple[datetime, datetime | None]] = []
    for low, high in sorted(((_utc(a), _utc(b) if b is not None else None) for a, b in pauses),
                            key=lambda pause: pause[0]):
        if high is not None and high <= low:
            continue
        if result and (result[-1][1] is None or low <= result[-1][1]):
            last_low, last_high = result[-1]
            result[-1] = (last_low, None if high is None or last_high is None else max(last_high, high))
        else:
            result.append((low, high))
    return result


def _outside(low: datetime, high: datetime, stops: list[tuple[datetime, datetime | None]]):
    """The parts of [low, high) outside ``stops``; ``(None, None)`` where an open stop begins inside."""
    for stop_low, stop_high in stops:
        if stop_high is not None and stop_high <= low:
            continue
        if stop_low >= high:
            break
        if stop_low > low:
            yield low, stop_low
        if stop_high is None:
            yield None, None
            return
        low = max(low, stop_high)
        if low >= high:
            return
    if low < high:
        yield low, high
