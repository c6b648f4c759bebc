"""Task scheduling in working days: dependency constraints, rescheduling, cycles, the critical path.

Dates become working-day numbers (:class:`WorkingDays`), so every rule is integer
arithmetic: a task occupies the working days ``start`` to ``finish`` (both included),
and a dependency of kind FS, SS, FF or SF with ``lag`` working days says how early its
successor may start or finish. Nothing here reads the database; :mod:`.scheduling`
feeds it records and writes the answers back through the record service.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta

CHUNK = 366
"""Calendar days added at a time when a date falls outside the working days known so far."""
MAX_SPAN = 366 * 30
"""The widest range of dates a schedule may cover (a typo of a year must not loop for long)."""


class WorkingDays:
    """The working days of a business calendar, numbered: ``index(day)`` and back ``day(number)``.

    A date that is not a working day maps to the next working day's number (a task put on a
    Saturday starts on Monday). Numbers are stable as more days are added on either side.
    """

    def __init__(self, calendar, around: date):
        self.calendar = calendar
        self.first = self.last = around - timedelta(days=1)  # no day known yet: (first, last]
        self.days: list[date] = []
        self.base = 0  # the number of days[0]

    def _extend(self, until: date) -> None:
        if (until - self.first).days > MAX_SPAN or (self.last - until).days > MAX_SPAN:
            raise ValueError(f"a schedule may not span more than {MAX_SPAN} days")
        while until > self.last:
            end = self.last + timedelta(days=CHUNK)
            self.days += self._working(self.last + timedelta(days=1), end)
            self.last = end
        while until <= self.first:
            start = self.first - timedelta(days=CHUNK)
            earlier = self._working(start + timedelta(days=1), self.first)
            self.days[:0] = earlier
            self.base -= len(earlier)
            self.first = start

    def _working(self, first: date, last: date) -> list[date]:
        """The working days from ``first`` to ``last`` inclusive."""
        return [first + timedelta(days=n) for n in range((last - first).days + 1)
                if self.calendar.is_working_day(first + timedelta(days=n))]

    def index(self, day: date) -> int:
        """The number of ``day``, or of the first working day after it."""
        self._extend(day)
        position = bisect_left(self.days, day)
        while position >= len(self.days):  # past the last working day known: look further ahead
            self._extend(self.last + timedelta(days=CHUNK))
            position = bisect_left(self.days, day)
        return self.base + position

    def day(self, number: int) -> date:
        """The working day numbered ``number``."""
        while number - self.base < 0:
            self._extend(self.first)
        while number - self.base >= len(self.days):
            self._extend(self.last + timedelta(days=CHUNK))
        return self.days[number - self.base]


@dataclass
class Span:
    """A task's working days by number: ``start`` to ``finish``, both included."""

    start: int
    finish: int

    @property
    def length(self) -> int:
        """Working days after the first (0 for a one-day task)."""
        return self.finish - self.start


@dataclass(frozen=True)
class Link:
    """``successor`` depends on ``predecessor``: ``kind`` FS, SS, FF or SF, ``lag`` in working days."""

    predecessor: int
    successor: int
    kind: str = "FS"
    lag: int = 0


def earliest_start(link: Link, before: Span, after: Span) -> int:
    """The earliest start the link allows its successor (``after``) given its predecessor (``before``)."""
    if link.kind == "SS":
        return before.start + link.lag
    if link.kind == "FF":
        return before.finish + link.lag - after.length
    if link.kind == "SF":
        return before.start + link.lag - after.length
    return before.finish + 1 + link.lag


def latest_finish(link: Link, before: Span, after_late: Span) -> int:
    """The latest finish of the predecessor that keeps the successor within ``after_late``."""
    if link.kind == "SS":
        return after_late.start - link.lag + before.length
    if link.kind == "FF":
        return after_late.finish - link.lag
    if link.kind == "SF":
        return after_late.finish - link.lag + before.length
    return after_late.start - 1 - link.lag


def _graph(links: list[Link]) -> tuple[dict[int, list[Link]], dict[int, list[Link]]]:
    outgoing: dict[int, list[Link]] = {}
    incoming: dict[int, list[Link]] = {}
    for link in links:
        outgoing.setdefault(link.predecessor, []).append(link)
        incoming.setdefault(link.successor, []).append(link)
    return outgoing, incoming


def path(links: list[Link], start: int, goal: int) -> list[int] | None:
    """The task ids from ``start`` to ``goal`` following the links forwards, or None when unreachable."""
    outgoing, _ = _graph(links)
    came_from = {start: None}
    waiting = deque([start])
    while waiting:
        task = waiting.popleft()
        if task == goal:
            found = [task]
            while came_from[found[-1]] is not None:
                found.append(came_from[found[-1]])
            return found[::-1]
        for link in outgoing.get(task, ()):
            if link.successor not in came_from:
                came_from[link.successor] = task
                waiting.append(link.successor)
    return None


def cycle_with(links: list[Link], new: Link) -> list[int] | None:
    """The cycle ``new`` would close, as task ids from its predecessor back to it, or None."""
    if new.predecessor == new.successor:
        return [new.predecessor, new.predecessor]
    back = path(links, new.successor, new.predecessor)
    return None if back is None else [new.predecessor, *back]


def _order(tasks: set[int], links: list[Link]) -> list[int]:
    """``tasks`` in dependency order (Kahn); tasks on a cycle, which validation refuses, come last."""
    inside = [link for link in links if link.predecessor in tasks and link.successor in tasks]
    outgoing, _ = _graph(inside)
    waiting_on = {task: 0 for task in tasks}
    for link in inside:
        waiting_on[link.successor] += 1
    ready = deque(sorted(task for task, count in waiting_on.items() if count == 0))
    ordered = []
    while ready:
        task = ready.popleft()
        ordered.append(task)
        for link in outgoing.get(task, ()):
            waiting_on[link.successor] -= 1
            if waiting_on[link.successor] == 0:
                ready.append(link.successor)
    return ordered + sorted(tasks - set(ordered))


def reschedule(spans: dict[int, Span], links: list[Link], moved: set[int]) -> dict[int, Span]:
    """The new spans of the tasks downstream of ``moved`` that its new dates push later.

    A dependent keeps its length in working days and moves to the earliest start all its
    links allow, only when its current start is earlier than that (a gain upstream never
    pulls work earlier on its own). Tasks without dates (not in ``spans``) are skipped.
    """
    outgoing, incoming = _graph(links)
    reached, waiting = set(moved), deque(moved)
    while waiting:
        for link in outgoing.get(waiting.popleft(), ()):
            if link.successor not in reached:
                reached.add(link.successor)
                waiting.append(link.successor)
    current = dict(spans)
    changed: dict[int, Span] = {}
    for task in _order(reached, links):
        if task in moved or task not in current:
            continue
        span = current[task]
        needed = max((earliest_start(link, current[link.predecessor], span) for link in incoming.get(task, ())
                      if link.predecessor in current), default=span.start)
        if needed > span.start:
            shift = needed - span.start
            current[task] = changed[task] = Span(span.start + shift, span.finish + shift)
    return changed


def critical_tasks(spans: dict[int, Span], links: list[Link]) -> set[int]:
    """The tasks without float: delaying any of them by one working day delays the project's end."""
    if not spans:
        return set()
    end = max(span.finish for span in spans.values())
    links = [link for link in links if link.predecessor in spans and link.successor in spans]
    outgoing, _ = _graph(links)
    late: dict[int, Span] = {}
    for task in reversed(_order(set(spans), links)):
        span = spans[task]
        finish = min((latest_finish(link, span, late[link.successor]) for link in outgoing.get(task, ())
                      if link.successor in late), default=end)
        finish = min(finish, end)
        late[task] = Span(finish - span.length, finish)
    return {task for task, span in spans.items() if late[task].finish <= span.finish}
