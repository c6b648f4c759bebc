"""The timeline's layout: where each bar, milestone, arrow and the today line go in the SVG.

Pure arithmetic on records' values (no database, no Flask): :func:`layout` answers a
:class:`Timeline` that ``projects/timeline_svg.html`` draws. The x axis is calendar days
(weekends take room, as people read a calendar); in a right-to-left locale it runs from
the right, names sit on the right and arrows point left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

ROW = 24
"""Height of one task's row, in pixels."""
LABELS = 220
"""Width of the column of task names."""
HEADER = 28
"""Height of the month scale above the rows."""
MAX_WIDTH = 3200
"""The widest the bars' area gets; a longer project gets narrower days."""
MAX_ROWS = 2000
"""The most tasks drawn (a larger project is cut, and the page says so)."""


@dataclass
class Bar:
    """One task's bar: position, size, and how it is drawn."""

    id: int
    name: str
    x: float
    y: float
    width: float
    label_x: float
    done: bool
    critical: bool
    percent: float = 0


@dataclass
class Arrow:
    """A dependency's arrow, as an SVG path, and whether it joins two critical tasks."""

    path: str
    critical: bool


@dataclass
class Timeline:
    """Everything the SVG template needs."""

    width: float
    height: float
    rtl: bool
    bars: list[Bar] = field(default_factory=list)
    milestones: list[dict] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    months: list[dict] = field(default_factory=list)
    today_x: float | None = None
    cut: int = 0


def _month_starts(first: date, last: date) -> list[date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        if day >= first:
            months.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def layout(tasks: list, links: list, milestones: list, critical: set[int], today: date, rtl: bool = False) -> Timeline:
    """Place ``tasks`` (records with start/due dates), ``links`` (:class:`~.schedule.Link`) and ``milestones``.

    Tasks without any date are left out; rows follow the start date, then the name.
    """
    dated = [t for t in tasks if t.get("start_date") or t.get("due_date")]
    dated.sort(key=lambda t: (t.get("start_date") or t.get("due_date"), t.get("name") or "", t.id))
    cut = max(0, len(dated) - MAX_ROWS)
    dated = dated[:MAX_ROWS]
    marks = [m for m in milestones if m.get("date")]
    days = [d for t in dated for d in (t.get("start_date"), t.get("due_date")) if d] + [m["date"] for m in marks]
    if not days:
        return Timeline(width=LABELS + 200, height=HEADER + ROW, rtl=rtl)
    first, last = min(days), max(days)
    span = (last - first).days + 1
    day = min(24.0, MAX_WIDTH / span)  # a long project gets thin days, never a wider picture
    area = span * day
    width = LABELS + area
    rows = len(dated) + (1 if marks else 0)
    timeline = Timeline(width=width, height=HEADER + rows * ROW + 4, rtl=rtl, cut=cut)

    def x_of(start: date, length_days: float = 0) -> float:
        left = (start - first).days * day
        return (area - left - length_days * day) if rtl else LABELS + left

    label_x = (area + LABELS - 6) if rtl else 6
    row_of = {}
    for n, task in enumerate(dated):
        start = task.get("start_date") or task.get("due_date")
        due = max(start, task.get("due_date") or start)
        length = (due - start).days + 1
        y = HEADER + n * ROW
        row_of[task.id] = (x_of(start, length), y, length * day)
        timeline.bars.append(Bar(task.id, task.get("name") or "", x_of(start, length), y + 5, max(2.0, length * day),
                                 label_x,
                                 task.get("stage") == "done", task.id in critical))
    y = HEADER + len(dated) * ROW
    half = -day / 2 if rtl else day / 2
    for mark in marks:
        timeline.milestones.append({"name": mark.get("name") or "", "x": x_of(mark["date"], 0) + half,
                                    "y": y + ROW / 2, "done": bool(mark.get("done"))})
    for link in links:
        if link.predecessor in row_of and link.successor in row_of:
            timeline.arrows.append(Arrow(_arrow(row_of[link.predecessor], row_of[link.successor], link.kind, rtl),
                                         link.predecessor in critical and link.successor in critical))
    for month in _month_starts(first, last):
        timeline.months.append({"date": month, "x": x_of(month, 0)})
    if first <= today <= last:
        timeline.today_x = x_of(today, 0) + half
    return timeline


def _arrow(before: tuple, after: tuple, kind: str, rtl: bool) -> str:
    """An elbow path from the predecessor's tied end to the successor's tied end (FS: end to start)."""
    (bx, by, bw), (ax, ay, aw) = before, after
    starts = {"S": bx + bw if rtl else bx, "F": bx if rtl else bx + bw}
    ends = {"S": ax + aw if rtl else ax, "F": ax if rtl else ax + aw}
    x1, y1 = starts[kind[0]], by + ROW / 2
    x2, y2 = ends[kind[1]], ay + ROW / 2
    step = -6 if rtl else 6
    return f"M{x1:.1f},{y1:.1f} h{step} V{y2:.1f} H{x2 - step:.1f} h{step}"
