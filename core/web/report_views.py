"""A report's result as a page shows it: group labels in the user's language, localised numbers and
money, the chart's geometry, the data table, drill-down links and download links.

Labels: a link's group by the linked record's title, a selection's by its option label, a workflow
state's by its state label (in state order), a date bucket by its day, week, month, quarter or year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from flask import url_for
from flask_babel import gettext as _
from trellis.data.report_calendars import jalali_next
from trellis.data.reports import ReportResult, ResultRow, folded_values
from trellis.metadata.model import Field, Report, ReportMeasure
from trellis.web import charts, jalali
from trellis.web.charts import Mark, Series
from trellis.web.labels import (
    SYSTEM_COLUMNS,
    date_text,
    entity_label,
    field_label,
    label,
    option_label,
    text_direction,
    user_locale,
)

SERIES_CHARTS = ("stacked_bar", "line", "area")


@dataclass
class Cell:
    """One table cell: its text and, for a group's value, the list it drills down to."""

    text: str
    link: str | None = None
    number: bool = False


@dataclass
class ReportView:
    """Everything ``reports/report.html`` draws for one report."""

    name: str
    title: str
    description: str
    chart: charts.Chart | None
    headers: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    kpi: str = ""
    kpi_change: str = ""
    kpi_direction: str = ""
    truncated: bool = False
    empty: bool = False
    downloads: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)


def view_of(result: ReportResult, metadata, query: dict[str, str] | None = None) -> ReportView:
    """The page's view of ``result``; ``query`` are the page's period parameters, kept in download links."""
    report = result.report
    entity = metadata.entities[report.entity]
    measure = _chart_measure(report)
    view = ReportView(report.name, label(report.label, report.name), "", None, truncated=result.truncated,
                      query=dict(query or {}))
    view.downloads = {kind: url_for("reports.download", name=report.name, kind=kind, **view.query)
                      for kind in ("csv", "xlsx")}
    namer = _GroupNamer(report, entity, metadata)
    if not report.groups:
        value = result.totals.get(measure.name)
        view.kpi = format_value(report, entity, measure, value)
        view.kpi_change, view.kpi_direction = _change(value, (result.previous or {}).get(measure.name))
        view.headers = [measure_label(m, entity) for m in report.measures]
        view.rows = [[Cell(format_value(report, entity, m, result.totals.get(m.name)), number=True)
                      for m in report.measures]]
        view.description = _("%(measure)s of %(entity)s: %(value)s", measure=measure_label(measure, entity),
                             entity=entity_label(entity, plural=True), value=view.kpi)
        return view
    view.empty = not any(_has_value(row, report) for row in result.rows)
    view.headers = [field_label(entity.fields.get(g.field) or SYSTEM_COLUMNS.get(g.field) or Field(g.field, "string"))
                    for g in report.groups] + [measure_label(m, entity) for m in report.measures]
    for row in result.rows:
        cells = [Cell(namer.name(row, level), namer.link(row, level, result)) for level in range(len(report.groups))]
        cells += [Cell(format_value(report, entity, m, row.values.get(m.name)), number=True) for m in report.measures]
        view.rows.append(cells)
    view.description = _("%(measure)s of %(entity)s by %(groups)s, %(count)s groups.",
                          measure=measure_label(measure, entity), entity=entity_label(entity, plural=True),
                          groups=", ".join(view.headers[:len(report.groups)]), count=len(result.rows))
    if report.chart != "table" and not view.empty:
        view.chart = _chart(report, entity, measure, result, namer)
    return view


def measure_label(measure: ReportMeasure, entity) -> str:
    """The measure's label, else a readable name from its function and field."""
    if measure.label:
        return label(measure.label)
    return label(None, measure.name)


def format_value(report: Report, entity, measure: ReportMeasure, value: Any) -> str:
    """A measure's value as text in the user's locale: ratios as percentages, money with two decimals."""
    if value is None:
        return "—"
    locale = user_locale()
    if measure.ratio is not None:
        return format_percent(value, "#,##0.#%", locale=locale)
    fld = entity.fields.get(measure.field) if measure.field else None
    if fld is not None and fld.field_type.display == "money" and measure.function != "count_distinct":
        return format_decimal(value, "#,##0.00", locale=locale)
    if isinstance(value, date):
        return date_text(value, "medium", locale=locale)
    return format_decimal(value, locale=locale)


def _chart_measure(report: Report) -> ReportMeasure:
    return report.measures[0]


def _has_value(row: ResultRow, report: Report) -> bool:
    return any(v not in (None, 0) for k, v in row.values.items() if "__" not in k)


def _change(value: Any, previous: Any) -> tuple[str, str]:
    if value is None or previous in (None, 0):
        return "", ""
    change = (Decimal(str(value)) - Decimal(str(previous))) / abs(Decimal(str(previous)))
    direction = "up" if change > 0 else "down" if change < 0 else "same"
    text = format_percent(change, "+#,##0.#%;-#,##0.#%", locale=user_locale())
    return _("%(change)s vs the previous period", change=text), direction


class _GroupNamer:
    """Labels and drill-down links of groups."""

    def __init__(self, report: Report, entity, metadata):
        self.report, self.entity = report, entity
        self.states = [metadata.workflow_for(report.entity, g.field) for g in report.groups]

    def name(self, row: ResultRow, level: int) -> str:
        """The group's label at ``level``: "Other", "(none)", or its value as the user reads it."""
        if row.other and (level == 0 or row.other_levels[level]) and row.keys[level] is None:
            return _("Other")
        value = row.keys[level]
        if value is None:
            return _("(none)")
        group = self.report.groups[level]
        if group.bucket is not None:
            return bucket_label(value, group.bucket)
        workflow = self.states[level]
        if workflow is not None and value in workflow.states:
            return label(workflow.states[value].label, str(value))
        fld = self.entity.fields.get(group.field)
        title = row.titles[level] if len(row.titles) > level else None
        if fld is not None and fld.storage == "link":
            return str(title) if title is not None else f"#{value}"
        if fld is not None and fld.options:
            return option_label(fld, value)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, int | Decimal):
            return format_decimal(value, locale=user_locale())
        return str(value)

    def link(self, row: ResultRow, level: int, result: ReportResult) -> str | None:
        """The list of this entity filtered to the group (the report's filters, the period and the group's
        values up to ``level``); None for "Other"."""
        params = {key: ",".join(map(str, v)) if isinstance(v, list) else str(v)
                  for key, v in self.report.filters.items()}
        if result.period is not None and self.report.period_field:
            params[f"{self.report.period_field}__gte"] = result.period[0].isoformat()
            params[f"{self.report.period_field}__lte"] = result.period[1].isoformat()
        for index in range(level + 1):
            if row.other and (index == 0 or row.other_levels[index]) and row.keys[index] is None:
                return None
            params.update(drill_filters(self.report.groups[index], row.keys[index]))
        return url_for("lists.index", entity=self.report.entity, **params)


def drill_filters(group, value: Any) -> dict[str, str]:
    """List filters selecting the rows of one group's value (a date bucket as a range of days)."""
    if value is None:
        return {f"{group.field}__isnull": "1"}
    if group.bucket is not None:
        return {f"{group.field}__gte": value.isoformat(),
                f"{group.field}__lte": (next_bucket(value, group.bucket) - timedelta(days=1)).isoformat()}
    if isinstance(value, bool):
        return {group.field: "1" if value else "0"}
    return {group.field: str(value)}


def next_bucket(start: date, bucket: str) -> date:
    """The first day of the bucket after the one starting on ``start``."""
    if bucket == "day":
        return start + timedelta(days=1)
    if bucket == "week":
        return start + timedelta(days=7)
    if jalali.in_use(user_locale()):
        return jalali_next(start, bucket)
    months = {"month": 1, "quarter": 3, "year": 12}[bucket]
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def bucket_label(start: date, bucket: str) -> str:
    """A bucket's name in the user's locale: a day, "Week of 4 Jan 2027", "Jan 2027", "Q1 2027", "2027"
    (for Persian users every bucket is the Jalali one the report grouped by: "فروردین ۱۴۰۴", "Q۱ ۱۴۰۴")."""
    locale = user_locale()
    if bucket == "day":
        return date_text(start, "medium", locale=locale)
    if bucket == "week":
        return _("Week of %(day)s", day=date_text(start, "medium", locale=locale))
    if jalali.in_use(locale):
        if bucket == "month":
            return jalali.format_day(start, "month")
        year = jalali.format_day(start, "year")
        if bucket == "quarter":
            return _("Q%(quarter)s %(year)s", quarter=jalali.persian_digits(str((jalali.to_jalali(start).month - 1)
                                                                                 // 3 + 1)), year=year)
        return year
    if bucket == "month":
        return format_date(start, "MMM y", locale=locale)
    if bucket == "quarter":
        return _("Q%(quarter)s %(year)s", quarter=(start.month - 1) // 3 + 1,
                 year=format_date(start, "y", locale=locale))
    return format_date(start, "y", locale=locale)


def _chart(report: Report, entity, measure: ReportMeasure, result: ReportResult, namer: _GroupNamer):
    rtl = text_direction() == "rtl"

    def fmt(value):
        return format_value(report, entity, measure, Decimal(str(round(value, 2))))

    rows = result.rows
    if len(report.groups) == 2 and report.chart in SERIES_CHARTS:
        return _series_chart(report, entity, measure, result, namer, fmt, rtl)
    if len(report.groups) == 2:   # other charts draw the first level's totals
        rows = _first_level(report, rows)
    points, values = [], []
    for index, row in enumerate(rows):
        value = row.values.get(measure.name)
        points.append(Mark(namer.name(row, 0), format_value(report, entity, measure, value),
                           charts.colour(index if report.chart in ("pie", "donut") else 0, row.other),
                           namer.link(row, 0, result)))
        values.append(value)
    if report.chart in ("pie", "donut"):
        return charts.pie(points, values, donut=report.chart == "donut")
    if report.chart == "funnel":
        return charts.horizontal_bars(points, values, fmt, rtl, kind="funnel", centred=True)
    if report.chart == "horizontal_bar":
        return charts.horizontal_bars(points, values, fmt, rtl)
    if report.chart in ("line", "area"):
        series = Series(measure_label(measure, entity), charts.colour(0), [Mark(p.label, p.value, p.colour, p.link)
                                                                          for p in points])
        return charts.lines(points, [series], [values], fmt, rtl, area=report.chart == "area")
    return charts.bars(points, values, fmt, rtl)


def _first_level(report: Report, rows: list[ResultRow]) -> list[ResultRow]:
    groups: dict[Any, list[ResultRow]] = {}
    for row in rows:
        groups.setdefault((row.keys[0], row.other_levels[0]), []).append(row)
    return [ResultRow((key[0],), folded_values(report, [r.values for r in members]), members[0].titles[:1],
                      other=key[1], other_levels=(key[1], False)) for key, members in groups.items()]


def _series_chart(report, entity, measure, result: ReportResult, namer: _GroupNamer, fmt, rtl: bool):
    rows = result.rows
    categories: dict[Any, Mark] = {}
    series: dict[Any, Series] = {}
    cells: dict[tuple, ResultRow] = {}
    for row in rows:
        first, second = (row.keys[0], row.other_levels[0]), (row.keys[1], row.other_levels[1])
        categories.setdefault(first, Mark(namer.name(row, 0), "", ""))
        series.setdefault(second, Series(namer.name(row, 1), charts.colour(len(series), second[1])))
        cells[(first, second)] = row
    values = []
    for key, one in series.items():
        one_values = []
        for category in categories:
            row = cells.get((category, key))
            value = row.values.get(measure.name) if row else None
            one.marks.append(Mark(f"{categories[category].label} · {one.name}",
                                  format_value(report, entity, measure, value), one.colour,
                                  namer.link(row, 1, result) if row else None))
            one_values.append(value)
        values.append(one_values)
    if report.chart == "stacked_bar":
        stacks = [[one.marks[i] for one in series.values()] for i in range(len(categories))]
        stack_values = [[values[s][i] for s in range(len(series))] for i in range(len(categories))]
        legend = [Mark(one.name, "", one.colour) for one in series.values()]
        return charts.stacked_bars(list(categories.values()), stacks, stack_values, legend, fmt, rtl)
    return charts.lines(list(categories.values()), list(series.values()), values, fmt, rtl,
                        area=report.chart == "area")
