"""The geometry of server-rendered SVG charts: where each bar, point, slice and label goes.

No markup here: these functions turn a report's values into coordinates (plain numbers and SVG
path data), and the theme's ``reports/chart.html`` draws them, escaping every text. We draw our
own rather than use pygal or leather: both build their SVG as strings in Python (our pages are
templates, escaped by Jinja) and pygal adds inline scripts and styles the CSP forbids; the few
shapes a CRM needs fit in this module and one template.

Right-to-left pages mirror the horizontal axis (the first category on the right, horizontal bars
growing leftwards), so a Persian chart reads in the direction of its text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

WIDTH, HEIGHT = 640, 320
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 80, 16, 16, 56
# Okabe & Ito's palette: told apart by people with any common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
OTHER_COLOUR = "#999999"


@dataclass
class Mark:
    """One drawn value: a bar (``x``, ``y``, ``width``, ``height``), a point (``x``, ``y``) or a slice
    (``path``), with the text of its ``<title>`` and the list it drills down to."""

    label: str
    value: str
    colour: str
    link: str | None = None
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    path: str = ""
    label_x: float = 0
    label_y: float = 0


@dataclass
class Series:
    """A line or area chart's series: its name, colour, points and the path data of its line (and area)."""

    name: str
    colour: str
    marks: list[Mark] = field(default_factory=list)
    line: str = ""
    area: str = ""


@dataclass
class Tick:
    """A value-axis tick: its position along the axis and its formatted text."""

    at: float
    text: str


@dataclass
class Chart:
    """What the template draws: the kind, size, marks (or series), axis ticks and category labels."""

    kind: str
    width: int = WIDTH
    height: int = HEIGHT
    marks: list[Mark] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    categories: list[Mark] = field(default_factory=list)   # x-axis labels (label, x, y)
    legend: list[Mark] = field(default_factory=list)
    rtl: bool = False
    plot: tuple[float, float, float, float] = (0, 0, 0, 0)  # left, top, right, bottom


def colour(index: int, other: bool = False) -> str:
    """The palette's colour for series/category ``index`` (grey for "Other")."""
    return OTHER_COLOUR if other else PALETTE[index % len(PALETTE)]


def nice_max(value: float) -> float:
    """A round number at least ``value`` for the top of a value axis (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def _plot(rtl: bool = False) -> tuple[float, float, float, float]:
    """The plotting area; the value axis (and its room for labels) is on the right of a right-to-left chart."""
    if rtl:
        return MARGIN_RIGHT, MARGIN_TOP, WIDTH - MARGIN_LEFT, HEIGHT - MARGIN_BOTTOM
    return MARGIN_LEFT, MARGIN_TOP, WIDTH - MARGIN_RIGHT, HEIGHT - MARGIN_BOTTOM


def _ticks(top: float, fmt, along: str, plot) -> list[Tick]:
    left, upper, right, bottom = plot
    ticks = []
    for step in range(5):
        value = top * step / 4
        at = bottom - (bottom - upper) * step / 4 if along == "y" else left + (right - left) * step / 4
        ticks.append(Tick(round(at, 1), fmt(value)))
    return ticks


def bars(points: list[Mark], values: list[Any], fmt, rtl: bool = False) -> Chart:
    """Vertical bars: ``points`` carry labels, colours and links; ``values`` their numbers."""
    chart = Chart("bar", rtl=rtl, plot=_plot(rtl))
    left, upper, right, bottom = chart.plot
    top = nice_max(max((_number(v) for v in values), default=0))
    slot = (right - left) / max(len(points), 1)
    for index, (mark, value) in enumerate(zip(points, values, strict=True)):
        position = len(points) - 1 - index if rtl else index
        height = (bottom - upper) * _number(value) / top
        mark.x, mark.width = round(left + slot * position + slot * 0.15, 1), round(slot * 0.7, 1)
        mark.y, mark.height = round(bottom - height, 1), round(height, 1)
        mark.label_x, mark.label_y = round(left + slot * (position + 0.5), 1), bottom + 16
        chart.marks.append(mark)
    chart.ticks = _ticks(top, fmt, "y", chart.plot)
    return chart


def stacked_bars(categories: list[Mark], stacks: list[list[Mark]], values: list[list[Any]], legend: list[Mark],
                 fmt, rtl: bool = False) -> Chart:
    """Bars of several segments: ``stacks[i]`` the segments of category ``i`` with ``values[i]``."""
    chart = Chart("stacked_bar", rtl=rtl, plot=_plot(rtl), legend=legend)
    left, upper, right, bottom = chart.plot
    top = nice_max(max((sum(_number(v) for v in row) for row in values), default=0))
    slot = (right - left) / max(len(categories), 1)
    for index, category in enumerate(categories):
        position = len(categories) - 1 - index if rtl else index
        base = bottom
        for mark, value in zip(stacks[index], values[index], strict=True):
            height = (bottom - upper) * _number(value) / top
            mark.x, mark.width = round(left + slot * position + slot * 0.15, 1), round(slot * 0.7, 1)
            mark.y, mark.height = round(base - height, 1), round(height, 1)
            base -= height
            chart.marks.append(mark)
        category.label_x, category.label_y = round(left + slot * (position + 0.5), 1), bottom + 16
        chart.categories.append(category)
    chart.categories = spaced(chart.categories, slot)
    chart.ticks = _ticks(top, fmt, "y", chart.plot)
    return chart


def horizontal_bars(points: list[Mark], values: list[Any], fmt, rtl: bool = False, kind: str = "horizontal_bar",
                    centred: bool = False) -> Chart:
    """Bars along the horizontal axis, one per row (``centred``: a funnel, each bar centred on the axis)."""
    label_room = 160
    chart = Chart(kind, rtl=rtl, height=max(120, 28 * len(points) + 40))
    room = 40   # half a tick label past the axis' end
    left, right = (room, WIDTH - label_room) if rtl else (label_room, WIDTH - room)
    chart.plot = (left, 8, right, chart.height - 24)
    top = nice_max(max((_number(v) for v in values), default=0)) if not centred else \
        max((_number(v) for v in values), default=0) or 1
    for index, (mark, value) in enumerate(zip(points, values, strict=True)):
        length = (right - left) * _number(value) / top
        if centred:
            mark.x = round(left + ((right - left) - length) / 2, 1)
        else:
            mark.x = round(right - length if rtl else left, 1)
        mark.width, mark.y, mark.height = round(length, 1), 8 + 28 * index, 22
        mark.label_x, mark.label_y = (right + 8 if rtl else left - 8), 8 + 28 * index + 15
        chart.marks.append(mark)
    if not centred:
        chart.ticks = _ticks(top, fmt, "x", chart.plot)
        if rtl:
            chart.ticks = [Tick(round(left + right - t.at, 1), t.text) for t in chart.ticks]
    return chart


LABEL_CHARS = 16        # an axis label's characters at most (the template truncates past them)
CHAR_WIDTH = 6.5        # about the width of one character of an axis label, in the chart's units


def spaced(categories: list[Mark], slot: float) -> list[Mark]:
    """Every category's axis label when they fit ``slot`` apart, else every second, third, ... one (the
    first kept), so that no two labels overlap ("اردیبهشت ۱۴۰۴" is wider than "Apr 2025")."""
    widest = max((min(len(c.label or ""), LABEL_CHARS) * CHAR_WIDTH for c in categories), default=0)
    every = max(1, math.ceil(widest / slot)) if slot > 0 else 1
    return categories[::every]


def lines(categories: list[Mark], series: list[Series], values: list[list[Any]], fmt, rtl: bool = False,
          area: bool = False) -> Chart:
    """One polyline per series over the categories (``area``: filled down to the axis)."""
    chart = Chart("area" if area else "line", rtl=rtl, plot=_plot(rtl))
    left, upper, right, bottom = chart.plot
    top = nice_max(max((_number(v) for row in values for v in row), default=0))
    count = max(len(categories), 1)
    step = (right - left) / max(count - 1, 1)

    def x_of(index: int) -> float:
        position = count - 1 - index if rtl else index
        return round(left + step * position if count > 1 else (left + right) / 2, 1)

    for index, category in enumerate(categories):
        category.label_x, category.label_y = x_of(index), bottom + 16
        chart.categories.append(category)
    chart.categories = spaced(chart.categories, step)
    for one, row in zip(series, values, strict=True):
        points = []
        for index, (mark, value) in enumerate(zip(one.marks, row, strict=True)):
            mark.x, mark.y = x_of(index), round(bottom - (bottom - upper) * _number(value) / top, 1)
            points.append(f"{mark.x},{mark.y}")
        one.line = "M" + " L".join(points) if points else ""
        if points and area:
            one.area = f"{one.line} L{one.marks[-1].x},{bottom} L{one.marks[0].x},{bottom} Z"
        chart.series.append(one)
    chart.ticks = _ticks(top, fmt, "y", chart.plot)
    chart.legend = [Mark(s.name, "", s.colour) for s in series] if len(series) > 1 else []
    return chart


def pie(points: list[Mark], values: list[Any], donut: bool = False) -> Chart:
    """Slices of a circle in proportion to ``values`` (``donut``: with a hole); negative values count as 0."""
    chart = Chart("donut" if donut else "pie", height=HEIGHT)
    cx, cy, radius = HEIGHT / 2, HEIGHT / 2, HEIGHT / 2 - 16
    inner = radius * 0.55 if donut else 0
    total = sum(max(_number(v), 0) for v in values)
    angle = -math.pi / 2
    for mark, value in zip(points, values, strict=True):
        share = max(_number(value), 0) / total if total else 0
        if share <= 0:
            continue
        end = angle + share * 2 * math.pi
        mark.path = _slice(cx, cy, radius, inner, angle, min(end, angle + 2 * math.pi - 1e-4))
        middle = (angle + end) / 2
        mark.label_x = round(cx + (radius + inner) / 2 * math.cos(middle), 1)
        mark.label_y = round(cy + (radius + inner) / 2 * math.sin(middle), 1)
        chart.marks.append(mark)
        angle = end
    chart.legend = list(points)
    return chart


def _slice(cx: float, cy: float, outer: float, inner: float, start: float, end: float) -> str:
    large = 1 if end - start > math.pi else 0

    def at(radius: float, angle: float) -> str:
        return f"{round(cx + radius * math.cos(angle), 2)},{round(cy + radius * math.sin(angle), 2)}"

    if inner <= 0:
        return f"M{cx},{cy} L{at(outer, start)} A{outer},{outer} 0 {large} 1 {at(outer, end)} Z"
    return (f"M{at(outer, start)} A{outer},{outer} 0 {large} 1 {at(outer, end)} "
            f"L{at(inner, end)} A{inner},{inner} 0 {large} 0 {at(inner, start)} Z")
