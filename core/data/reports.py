"""Running a ``report:``: one SQL GROUP BY over the rows the viewer may read, never records in Python.

The statement goes through the query builder, so the report's filters, the dashboard's period
and the viewer's record rules are the WHERE of a list page showing the same rows. A group-by
or a measure over a field the viewer may not read is refused (:class:`ReportRefused`), never
computed. At most ``limit`` groups come back; the rest are folded into one "Other" group
(``other=True``), so no report sends an unbounded number of groups to a page.

    result = run_report(records, metadata.reports["pipeline_by_stage"], zone="Asia/Tehran")
    for row in result.rows: row.keys, row.titles, row.values["amount"]

``calendar="jalali"`` buckets months, quarters and years in the Jalali calendar (a Persian user's; see
:mod:`trellis.data.report_calendars`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, and_, case, desc, distinct, func, literal, select
from sqlalchemy.sql import visitors
from trellis.data import report_calendars
from trellis.data.report_buckets import bucket
from trellis.data.schema import link_target
from trellis.errors import PermissionDenied
from trellis.metadata.model import Report, ReportMeasure

DEFAULT_LIMIT = 20        # groups shown when a report sets no limit
MAX_CELLS = 2000          # cells (groups of a two-level report) read at most; past it, the result says so
SERIES_LIMIT = 10         # second-level groups (series) shown; the rest are "Other"
PLACES = Decimal("0.01")


class ReportRefused(PermissionDenied):
    """The viewer may not run this report: it groups or measures a field they may not read."""


@dataclass
class ResultRow:
    """One group: its ``keys`` (raw values, one per group-by; a date bucket as a date; a link as its id),
    ``titles`` of linked records (None when not a link or hidden), and ``values`` per measure name."""

    keys: tuple
    values: dict[str, Any]
    titles: tuple = ()
    other: bool = False
    other_levels: tuple[bool, bool] = (False, False)   # of a two-level report: which group is "Other"


@dataclass
class ReportResult:
    """What a report found: ``rows`` in order, ``totals`` over every row (None for a two-level report's
    count distinct), whether cells were left out (``truncated``), and the previous period's totals for a KPI."""

    report: Report
    rows: list[ResultRow] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False
    previous: dict[str, Any] | None = None
    period: tuple[date, date] | None = None


def run_report(records, report: Report, *, zone: str = "UTC", period: tuple[date, date] | None = None,
               filters: dict[str, Any] | None = None, calendar: str = "gregorian") -> ReportResult:
    """Run ``report`` as ``records``' user: ``zone`` buckets date-times, ``period`` (first and last day,
    inclusive, in ``zone``) limits ``period_field``, ``filters`` narrow it further (a drill-down),
    ``calendar`` (``gregorian`` or ``jalali``) says whose months, quarters and years the buckets are."""
    if calendar not in report_calendars.CALENDARS:
        raise ValueError(f"unknown calendar '{calendar}'")
    query = records.query(report.entity).filter(report.filters)   # PermissionDenied when the entity is not readable
    if filters:
        query = query.filter(filters)
    _check_readable(records, report)
    if period is not None and report.period_field:
        query = query.filter(_period_filters(query, report.period_field, period, zone))
    result = ReportResult(report, period=period)
    if not report.groups:
        result.totals = _totals(query, report, zone)
        result.rows = [ResultRow((), result.totals)]
        if period is not None and report.period_field:
            result.previous = _totals(query_for_previous(records, report, period, zone, filters), report, zone)
        return result
    rows = _grouped(query, records, report, zone, calendar)
    result.truncated = len(rows) > MAX_CELLS
    rows = rows[:MAX_CELLS]
    if len(report.groups) == 1:
        result.rows = _bounded(records, report, rows, report.limit or DEFAULT_LIMIT)
    else:
        result.rows = _bounded_pivot(records, report, rows)
    distinct = any(m.function == "count_distinct" for m in report.measures)
    if result.truncated or distinct:   # a count distinct of all rows is not the sum of the groups'
        result.totals = _totals(query, report, zone)
    else:
        result.totals = folded_values(report, [r.values for r in rows])
    for row in result.rows:
        _ratios(report, row.values)
    _ratios(report, result.totals)
    return result


def query_for_previous(records, report: Report, period: tuple[date, date], zone: str, filters) -> Any:
    """The report's query over the period of the same length just before ``period`` (for a KPI's change)."""
    length = (period[1] - period[0]).days + 1
    previous = (period[0] - timedelta(days=length), period[0] - timedelta(days=1))
    query = records.query(report.entity).filter(report.filters)
    if filters:
        query = query.filter(filters)
    return query.filter(_period_filters(query, report.period_field, previous, zone))


def _check_readable(records, report: Report) -> None:
    readable = records.access.readable_fields(records.user, report.entity)
    if readable is None:
        return
    used = [(g.field, "group by") for g in report.groups]
    used += [(m.field, m.function) for m in report.measures if m.field]
    for name, what in used:
        if name not in readable and name not in ("id", "created_at", "updated_at"):
            raise ReportRefused(f"This report needs to {what.replace('_', ' ')} '{name}' of {report.entity}, "
                                "which you may not read.")


def _period_filters(query, name: str, period: tuple[date, date], zone: str) -> dict[str, Any]:
    _, fld = query.column(name)
    if fld.storage != "datetime":
        return {f"{name}__gte": period[0], f"{name}__lte": period[1]}
    info = ZoneInfo(zone)
    start = datetime.combine(period[0], time(0), info)
    end = datetime.combine(period[1] + timedelta(days=1), time(0), info)
    return {f"{name}__gte": start, f"{name}__lt": end}


# --- SQL --------------------------------------------------------------------------------------------

def _measure_columns(query, report: Report) -> list[Any]:
    """``(label, SQL)`` of every stored measure; an average also reads its sum and count (for "Other")."""
    columns = []
    for measure in report.measures:
        if measure.ratio is not None:
            continue
        condition = query.conditions(measure.where) if measure.where else None
        value = query.column(measure.field)[0] if measure.field else literal(1)
        counted = case((condition, value)) if condition is not None else value
        if measure.function == "count":
            columns.append(_count(counted, measure, condition))
        elif measure.function == "count_distinct":
            columns.append(func.count(distinct(counted)).label(measure.name))
        elif measure.function == "avg":
            columns.append(func.sum(counted).label(f"{measure.name}__sum"))
            columns.append(func.count(counted).label(f"{measure.name}__n"))
        else:
            columns.append(getattr(func, measure.function)(counted).label(measure.name))
    return columns


def _count(counted, measure: ReportMeasure, condition) -> Any:
    if measure.field is None and condition is None:
        return func.count().label(measure.name)
    return func.count(counted).label(measure.name)


def _group_columns(query, records, report: Report, zone: str, dialect: str, covered: bool = False,
                   calendar: str = "gregorian") -> tuple[list, list, Any]:
    """The group-by expressions (labelled ``g0``, ``g1``), the linked titles (``t0``, ``t1``) and the FROM;
    ``covered``: an index holds every column the statement reads (see :func:`_covered`)."""
    keys, titles = [], []
    source = query.table
    for index, group in enumerate(report.groups):
        column, fld = query.column(group.field)
        if group.bucket is not None:
            storage = fld.storage if fld.storage == "datetime" else "date"
            keys.append(bucket(column, report_calendars.split_bucket(group.bucket, calendar), storage, zone,
                               dialect).label(f"g{index}"))
        elif dialect == "sqlite" and not covered:
            # An expression, not the bare column: SQLite would otherwise walk an index on the column for the
            # GROUP BY and read the table row by row in index order, many times slower than one scan. With a
            # covering index the bare column is best: SQLite reads that index in group order, without a sort.
            keys.append(func.ifnull(column, None).label(f"g{index}"))
        else:
            keys.append(column.label(f"g{index}"))
        target = link_target(fld) if fld.storage == "link" else None
        entity = records.metadata.entities.get(target) if target else None
        if entity is None or not entity.title or target not in records.schema.tables:
            titles.append(None)
            continue
        alias = records.schema.alias(target, f"l{index}")
        allowed = records.access.read_filter(records.user, target, alias)
        on = alias.c.id == column
        source = source.outerjoin(alias, on if allowed is None else and_(on, allowed))
        shown = records.access.readable_fields(records.user, target)
        title = entity.fields.get(entity.title)
        visible = title is not None and title.column and (shown is None or entity.title in shown)
        titles.append(func.max(alias.c[title.column]).label(f"t{index}") if visible else None)
    return keys, titles, source


def _grouped(query, records, report: Report, zone: str, calendar: str = "gregorian") -> list[ResultRow]:
    measures = _measure_columns(query, report)

    def build(dialect: str, covered: bool = True):
        keys, titles, source = _group_columns(query, records, report, zone, dialect, covered, calendar)
        order = _order(report, measures, keys)
        shown = [t for t in titles if t is not None]
        statement = (select(*keys, *shown, *measures).select_from(source).group_by(*keys)
                     .order_by(*order).limit(MAX_CELLS + 1))
        if dialect == "sqlite" and covered and not _covered(query, statement):
            return build(dialect, covered=False)
        return statement

    rows = query.aggregate(build, cached=True)
    result = []
    for row in rows:
        mapping = row._mapping
        keys = tuple(_key(mapping[f"g{i}"], g.bucket) for i, g in enumerate(report.groups))
        titles = tuple(mapping.get(f"t{i}") for i in range(len(report.groups)))
        result.append(ResultRow(keys, _values(report, mapping), titles))
    if report_calendars.uses_jalali(report, calendar):
        result = report_calendars.fold(report, result, folded_values)
    return result


def _covered(query, statement) -> bool:
    """Whether one index of the report's table holds every column of it the statement, its filters and the
    viewer's read rule read (SQLite then answers from that index alone)."""
    table = query.table
    used = {element.name for element in visitors.iterate(statement)
            if isinstance(element, Column) and element.table is table} | query.read_columns()
    return any(used <= {column.name for column in index.columns} for index in table.indexes)


def _order(report: Report, measures: list, keys: list) -> list:
    """Largest first by the sort measure (else the first measure), so the groups kept are the top ones."""
    by = report.sort[0] if report.sort else None
    named = {m.name: m for m in measures}
    measure = next((m for m in report.measures if m.name == by and m.ratio is None), None)
    if measure is None and by is None:
        measure = next((m for m in report.measures if m.ratio is None), None)
    if measure is None or measure.name not in named:
        if measure is not None and f"{measure.name}__sum" in named:
            return [desc(named[f"{measure.name}__sum"]).nulls_last(), *keys]
        return list(keys)
    descending = report.sort[1] if report.sort and report.sort[0] == measure.name else True
    expression = named[measure.name]
    return [(desc(expression) if descending else expression).nulls_last(), *keys]


def _totals(query, report: Report, zone: str) -> dict[str, Any]:
    measures = _measure_columns(query, report)
    rows = query.aggregate(lambda dialect: select(*measures).select_from(query.table), cached=True)
    values = _values(report, rows[0]._mapping) if rows else {}
    _ratios(report, values)
    return values


def _key(value: Any, bucket_name: str | None) -> Any:
    if bucket_name is not None and value is not None:
        return date.fromisoformat(str(value)[:10])
    return value


def _values(report: Report, mapping) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for measure in report.measures:
        if measure.ratio is not None:
            continue
        if measure.function == "avg":
            total, count = mapping[f"{measure.name}__sum"], mapping[f"{measure.name}__n"]
            values[f"{measure.name}__sum"], values[f"{measure.name}__n"] = _number(total), count or 0
            values[measure.name] = _average(_number(total), count)
        elif measure.function in ("sum", "min", "max"):
            values[measure.name] = _places(_number(mapping[measure.name]))
        else:
            values[measure.name] = _number(mapping[measure.name])
    return values


def _places(value: Any) -> Any:
    """Decimals as the record service hands them out (two places; the columns keep four)."""
    return value.quantize(PLACES) if isinstance(value, Decimal) else value


def _number(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value)).quantize(PLACES) if value != int(value) else Decimal(int(value))
    return value


def _average(total: Any, count: Any) -> Decimal | None:
    if not count or total is None:
        return None
    return (Decimal(str(total)) / Decimal(count)).quantize(PLACES)


def _ratios(report: Report, values: dict[str, Any]) -> None:
    for measure in report.measures:
        if measure.ratio is None:
            continue
        top, bottom = (values.get(name) for name in measure.ratio)
        values[measure.name] = (None if top is None or not bottom
                                else (Decimal(str(top)) / Decimal(str(bottom))).quantize(Decimal("0.0001")))


# --- bounding: top N and "Other" --------------------------------------------------------------------

def folded_values(report: Report, values: list[dict[str, Any]]) -> dict[str, Any]:
    """Measures over the union of groups: counts and sums add, min/max combine, averages from their parts;
    a count distinct cannot be combined and is None."""
    folded: dict[str, Any] = {}
    for measure in report.measures:
        if measure.ratio is not None:
            continue
        name, present = measure.name, [v for v in values if v.get(measure.name) is not None]
        if measure.function == "count_distinct":
            folded[name] = values[0][name] if len(values) == 1 else None
        elif measure.function == "avg":
            parts = [v for v in values if v.get(f"{name}__sum") is not None]
            total = sum((Decimal(str(v[f"{name}__sum"])) for v in parts), Decimal(0)) if parts else None
            count = sum(v.get(f"{name}__n") or 0 for v in values)
            folded[f"{name}__sum"], folded[f"{name}__n"], folded[name] = total, count, _average(total, count)
        elif measure.function in ("min", "max"):
            pick = min if measure.function == "min" else max
            folded[name] = pick(v[name] for v in present) if present else None
        elif measure.function == "count":
            folded[name] = sum(v.get(name) or 0 for v in values)
        else:
            folded[name] = sum((v[name] for v in present), Decimal(0)) if present else None
    _ratios(report, folded)
    return folded


def _bounded(records, report: Report, rows: list[ResultRow], limit: int) -> list[ResultRow]:
    kept, rest = rows[:limit], rows[limit:]
    if not rest and not report.sort:   # sorted by a measure, an empty group would only trail at the end
        kept += _empty_groups(records, report, {row.keys[0] for row in rows})
    if not report.sort:
        kept.sort(key=_natural_order(records, report, 0))
    if rest:
        kept.append(ResultRow((None,), folded_values(report, [r.values for r in rest]), (None,), other=True,
                              other_levels=(True, False)))
    return kept


def _empty_groups(records, report: Report, present: set) -> list[ResultRow]:
    """Zero rows for the workflow states or selection options no row has (a funnel shows every stage),
    unless the report's filters choose among them."""
    group = report.groups[0]
    if any(key.partition("__")[0] == group.field for key in report.filters):
        return []
    workflow = records.metadata.workflow_for(report.entity, group.field)
    fld = records.metadata.entities[report.entity].fields.get(group.field)
    options = list(workflow.states) if workflow else (list(fld.options) if fld is not None and fld.type == "selection"
                                                      else [])
    empty = folded_values(report, [])
    return [ResultRow((option,), dict(empty), (None,)) for option in options if option not in present]


def _bounded_pivot(records, report: Report, cells: list[ResultRow]) -> list[ResultRow]:
    """Cells of the top ``limit`` first-level groups and top SERIES_LIMIT second-level ones; others folded."""
    first = _top_keys(report, cells, 0, report.limit or DEFAULT_LIMIT)
    second = _top_keys(report, cells, 1, SERIES_LIMIT)
    folded: dict[tuple, list[ResultRow]] = {}
    for cell in cells:
        key = (cell.keys[0] if cell.keys[0] in first else _OTHER, cell.keys[1] if cell.keys[1] in second else _OTHER)
        folded.setdefault(key, []).append(cell)
    result = []
    for (one, two), group in folded.items():
        if len(group) == 1 and _OTHER not in (one, two):
            result.append(group[0])
            continue
        titles = tuple(None if k is _OTHER else group[0].titles[i] for i, k in enumerate((one, two)))
        keys = tuple(None if k is _OTHER else k for k in (one, two))
        result.append(ResultRow(keys, folded_values(report, [c.values for c in group]), titles,
                                other=_OTHER in (one, two), other_levels=(one is _OTHER, two is _OTHER)))
    order0, order1 = _natural_order(records, report, 0), _natural_order(records, report, 1)
    result.sort(key=lambda r: (_is_other(r, 0), order0(r), _is_other(r, 1), order1(r)))
    return result


class _Other:
    def __repr__(self) -> str:
        return "Other"


_OTHER = _Other()


def _is_other(row: ResultRow, level: int) -> bool:
    return row.other_levels[level]


def _top_keys(report: Report, cells: list[ResultRow], level: int, limit: int) -> set:
    measure = next((m.name for m in report.measures if m.ratio is None), None)
    totals: dict[Any, Decimal] = {}
    for cell in cells:
        totals[cell.keys[level]] = totals.get(cell.keys[level], 0) + (cell.values.get(measure) or 0)
    return set(sorted(totals, key=lambda k: -totals[k])[:limit])


def _natural_order(records, report: Report, level: int):
    """A sort key for rows by their group at ``level``: workflow states and selection options in their
    order, dates and numbers ascending, links by title; None (no value) last."""
    group = report.groups[level]
    entity = records.metadata.entities[report.entity]
    fld = entity.fields.get(group.field)
    workflow = records.metadata.workflow_for(report.entity, group.field)
    order = list(workflow.states) if workflow else (list(fld.options) if fld is not None and fld.options else None)

    def key(row: ResultRow):
        value = row.keys[level]
        if value is None:
            return (2, 0, "")
        if order is not None:
            return (0, order.index(value) if value in order else len(order), str(value))
        title = row.titles[level] if len(row.titles) > level else None
        if title is not None:
            return (1, 0, str(title).casefold())
        return (1, 0, value) if isinstance(value, int | Decimal | date) and not isinstance(value, bool) \
            else (1, 0, str(value))
    return key
