"""Segments: who a campaign reaches, as conditions over contacts and their orders, run as one SQL query.

A segment is a ``segment:`` YAML document (checked by ``trellis check`` with file and
line) or a ``marketing_segment`` record (its ``conditions`` written as YAML on a page).
Both are parsed by :func:`parse` into a :class:`Segment`; :func:`statement` compiles it
to one SELECT of contact ids. Conditions over orders and products reach the sales
plugin's entities through the query layer, and only when sales is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

WHAT = "a segment"
KEYS = ("segment", "label", "contact", "orders", "last_order_days", "age", "description")
ORDER_KEYS = ("from", "to", "year", "status", "min_count", "max_count", "min_total", "product")
MAX_COUNT = 1_000_000
MAX_DAYS = 36_500
MAX_AGE = 150

SCHEMA = {
    "type": "object", "required": ["segment"], "additionalProperties": False,
    "description": "A marketing segment (the marketing plugin): contacts chosen by their fields and orders.",
    "properties": {
        "segment": {"type": "string"}, "description": {"type": "string"},
        "label": {"anyOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]},
        "contact": {"type": "object"},
        "orders": {"type": "object", "additionalProperties": False, "properties": {
            "from": {"type": "string"}, "to": {"type": "string"},
            "year": {"anyOf": [{"enum": ["this", "last"]}, {"type": "integer"}]},
            "status": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "min_count": {"type": "integer", "minimum": 0}, "max_count": {"type": "integer", "minimum": 0},
            "min_total": {"type": "number", "minimum": 0}, "product": {"type": "string"}}},
        "last_order_days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
        "age": {"type": "object", "additionalProperties": False, "properties": {
            "min": {"type": "integer", "minimum": 0, "maximum": MAX_AGE},
            "max": {"type": "integer", "minimum": 0, "maximum": MAX_AGE}}},
    },
}
"""The JSON Schema of the document, for editors (``trellis schema``); :func:`parse` checks the rest."""


@dataclass(frozen=True)
class Orders:
    """Conditions over a contact's orders: dates (``MM-DD`` with a ``year``, or full dates), count, total, product."""

    start: str | None = None
    end: str | None = None
    year: str | int | None = None
    statuses: tuple[str, ...] = ()
    min_count: int = 1
    max_count: int | None = None
    min_total: float | None = None
    product: str | None = None

    def dates(self, today: date) -> tuple[date | None, date | None]:
        """The first and last day ordered between, for ``today`` (``year: last`` is last year's)."""
        year = {"this": today.year, "last": today.year - 1, None: today.year}.get(self.year, self.year)
        return _day(self.start, year), _day(self.end, year)


@dataclass(frozen=True)
class Segment:
    """One segment: contact filters (the query builder's), order conditions, and "no order for N days"."""

    name: str
    label: dict = field(default_factory=dict)
    contact: dict = field(default_factory=dict)
    orders: Orders | None = None
    last_order_days: int | None = None
    age: tuple[int | None, int | None] | None = None


def _day(text: str | None, year: int) -> date | None:
    if text is None:
        return None
    return date.fromisoformat(text if len(text) == 10 else f"{year:04d}-{text}")


def _check_day(text: Any) -> str | None:
    """None when ``text`` is ``YYYY-MM-DD`` or ``MM-DD``, else what is wrong."""
    if not isinstance(text, str) or len(text) not in (5, 10):
        return "must be a date, YYYY-MM-DD or MM-DD"
    try:
        date.fromisoformat(text if len(text) == 10 else f"2000-{text}")
    except ValueError:
        return "must be a date, YYYY-MM-DD or MM-DD"
    return None


def _whole(value: Any, top: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= top


def parse(name: str, spec: Any) -> tuple[Segment | None, list[tuple[tuple[str, ...], str]]]:
    """The :class:`Segment` ``spec`` (a mapping) describes, and its mistakes as ``(key path, message)``."""
    errors: list[tuple[tuple[str, ...], str]] = []
    if not isinstance(spec, dict):
        return None, [((), "the conditions must be a mapping (contact, orders, last_order_days)")]
    for key in spec:
        if key not in KEYS:
            errors.append(((str(key),), f"unknown key '{key}' in {WHAT} (known: {', '.join(KEYS[2:6])})"))
    contact = spec.get("contact") or {}
    if not isinstance(contact, dict):
        errors.append((("contact",), "'contact' must be a mapping of field filters (city: Paris)"))
        contact = {}
    orders = None
    if spec.get("orders") is not None:
        orders = _orders(spec["orders"], errors)
    days = spec.get("last_order_days")
    if days is not None and (not _whole(days, MAX_DAYS) or days < 1):
        errors.append((("last_order_days",), f"'last_order_days' must be a whole number from 1 to {MAX_DAYS}"))
        days = None
    age = _age(spec["age"], errors) if spec.get("age") is not None else None
    label = spec.get("label") if isinstance(spec.get("label"), dict) else {"en": str(spec.get("label") or name)}
    return Segment(name, label, {str(k): v for k, v in contact.items()}, orders, days, age), errors


def _age(spec: Any, errors: list) -> tuple[int | None, int | None] | None:
    """``(min, max)`` whole years of ``age: {min, max}``; None (and an error) when it is wrong."""
    if not isinstance(spec, dict) or not spec or any(key not in ("min", "max") for key in spec):
        errors.append((("age",), "'age' must be a mapping with min and/or max (age: {min: 18, max: 35})"))
        return None
    for key in spec:
        if not _whole(spec[key], MAX_AGE):
            errors.append((("age", key), f"'{key}' must be a whole number of years from 0 to {MAX_AGE}"))
            return None
    if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
        errors.append((("age", "max"), "'max' must not be below 'min'"))
        return None
    return spec.get("min"), spec.get("max")


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for a 29 February that year does not have)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _orders(spec: Any, errors: list) -> Orders | None:
    if not isinstance(spec, dict):
        errors.append((("orders",), "'orders' must be a mapping (from, to, year, min_count, min_total, product)"))
        return None
    for key in spec:
        if key not in ORDER_KEYS:
            errors.append((("orders", str(key)), f"unknown key '{key}' in 'orders' (known: {', '.join(ORDER_KEYS)})"))
    for key in ("from", "to"):
        if key in spec and (problem := _check_day(spec[key])):
            errors.append((("orders", key), f"'{key}' {problem}"))
    year = spec.get("year")
    if year is not None and year not in ("this", "last") and not _whole(year, 9999):
        errors.append((("orders", "year"), "'year' must be this, last or a year (2025)"))
    for key in ("min_count", "max_count"):
        if key in spec and not _whole(spec[key], MAX_COUNT):
            errors.append((("orders", key), f"'{key}' must be a whole number from 0 to {MAX_COUNT}"))
    total = spec.get("min_total")
    if total is not None and (isinstance(total, bool) or not isinstance(total, int | float) or not 0 <= total < 1e15):
        errors.append((("orders", "min_total"), "'min_total' must be a number of at least 0"))
    statuses = spec.get("status") or ()
    statuses = (statuses,) if isinstance(statuses, str) else tuple(str(s) for s in statuses)
    return Orders(spec.get("from"), spec.get("to"), year, statuses, spec.get("min_count", 1), spec.get("max_count"),
                  total, str(spec["product"]) if spec.get("product") is not None else None)


def build(document, reader) -> Segment | None:
    """Check one ``segment:`` YAML document; the :class:`Segment` it describes (errors at their file:line)."""
    name = reader.text(document, "segment", WHAT, required=True)
    segment, errors = parse(name or "", dict(document))
    for path, message in errors:
        reader.error(_where(document, path), message)
    return segment


def _where(document, path: tuple[str, ...]):
    node, where = document, document.source
    for key in path:
        if not hasattr(node, "value_at") or key not in node:
            break
        where = node.key_at(key) if key == path[-1] and key not in ORDER_KEYS + KEYS else node.value_at(key)
        node = node[key]
    return where


# --- SQL ---------------------------------------------------------------------------------


def statement(records, segment: Segment, today: date):
    """One SELECT of the ids of the contacts in ``segment`` on ``today``, for :func:`count` and sending.

    ``records`` is a record service; the contact filters are the query builder's (a bad
    one is a ValidationError naming it), orders are reached through the sales plugin's
    ``order`` entity when it is loaded (a ValidationError otherwise). Everything is read as
    ``records`` reads it, the read rules of contacts and orders included, so the statement
    stands alone: a page passes the viewer's service, so order conditions see only the
    orders (and fields) the viewer may read, and are refused to one who may read none;
    sending passes the plugin's own service, which reads them all.

    Conditions over a contact's orders (dates, count, total, "no order since") are one
    GROUP BY over contacts joined once to their orders, with HAVING: the planner then
    knows how many rows the join gives (a ``contact.id IN (SELECT ... GROUP BY ...
    HAVING ...)`` is estimated at a few percent of the groups whatever they are, and
    PostgreSQL hashed, spilled or even recomputed it per parallel worker), and reads both
    tables in id order (merge join over the sales plugin's ``order (contact, order_date,
    amount)`` index).
    """
    from sqlalchemy import select

    contacts = records.query("contact")
    table = contacts.table
    where = [contacts.conditions(segment.contact)]
    limit = records.access.read_filter(records.user, "contact", table)
    if limit is not None:
        where.append(limit)
    if segment.age is not None:
        where += _age_clauses(contacts, segment.age, today)
    found = select(table.c.id)
    if segment.orders is not None or segment.last_order_days is not None:
        joined, clauses, having = _order_clauses(records, segment, table, today)
        where += clauses
        if joined is not None:
            found = found.select_from(table.join(*joined)).group_by(table.c.id).having(*having)
    return found.where(*where)


def _age_clauses(contacts, age: tuple[int | None, int | None], today: date) -> list:
    """Age on ``today`` in whole years, from the contacts' ``birthday`` (the loyalty plugin adds it)."""
    from trellis import ValidationError, metadata_model

    if "birthday" not in metadata_model().entities["contact"].fields:
        raise ValidationError({"age": _("Age conditions need a birthday on contacts (the loyalty plugin)")})
    born = contacts.column("birthday")[0]
    youngest, oldest = age
    clauses = [born.is_not(None)]
    if youngest is not None:
        clauses.append(born <= years_before(today, youngest))
    if oldest is not None:
        clauses.append(born > years_before(today, oldest + 1))
    return clauses


def _readable(records, entity: str):
    """The query over ``entity`` as ``records`` reads it, and its read rule as WHERE clauses for a subquery
    (an aggregate adds the rule of its own entity only); a ValidationError naming ``orders`` when it may not."""
    from trellis import PermissionDenied, ValidationError

    try:
        query = records.query(entity)
    except PermissionDenied:
        raise ValidationError({"orders": _("You may not read orders, so conditions over orders are not "
                                           "available to you")}) from None
    limit = records.access.read_filter(records.user, entity, query.table)
    return query, [] if limit is None else [limit]


def _order_clauses(records, segment: Segment, contact_table, today: date) -> tuple:
    """The order conditions of ``segment``: ``(joined, where, having)``, where ``joined`` is the order table and
    the join condition when the contacts are grouped over their orders (None when they are not)."""
    from sqlalchemy import func, select
    from trellis import ValidationError, metadata_model

    if "order" not in metadata_model().entities:
        raise ValidationError({"orders": _("Conditions over orders need the sales plugin")})
    orders, readable = _readable(records, "order")
    who, dated = orders.column("contact")[0], orders.column("order_date")[0]
    mine = select(who).where(who.is_not(None), *readable)
    joined, where, having = None, [], []
    spec = segment.orders
    cutoff = today - timedelta(days=segment.last_order_days) if segment.last_order_days is not None else None
    if spec is not None and spec.min_count == 0 and spec.max_count == 0:
        where.append(contact_table.c.id.not_in(mine))
    elif spec is not None:
        start, end = spec.dates(today)
        joined = (orders.table, who == contact_table.c.id)
        where += readable
        if cutoff is not None and not (start or end or spec.statuses or spec.product):
            # Over all of a contact's orders, like "no order since": the one GROUP BY answers both.
            having.append(func.max(dated) < cutoff)
            cutoff = None
        where += [dated >= start] if start else []
        where += [dated <= end] if end else []
        if spec.statuses:
            where.append(orders.column("status")[0].in_(spec.statuses))
        if spec.product is not None:
            where.append(orders.table.c.id.in_(_orders_with_product(records, spec.product)))
        if spec.min_count > 1:
            having.append(func.count() >= spec.min_count)
        if spec.max_count is not None:
            having.append(func.count() <= spec.max_count)
        if spec.min_total is not None:
            having.append(func.coalesce(func.sum(orders.column("amount")[0]), 0) >= spec.min_total)
    if cutoff is not None:
        latest = mine.group_by(who).having(func.max(dated) < cutoff)
        where.append(contact_table.c.id.in_(latest))
    return joined, where, having


def _orders_with_product(records, product: str):
    from sqlalchemy import or_, select

    (lines, on_lines), (products, on_products) = _readable(records, "order_line"), _readable(records, "product")
    chosen = select(products.table.c.id).where(or_(products.column("code")[0] == product,
                                                   products.column("name")[0] == product), *on_products)
    return select(lines.column("order")[0]).where(lines.column("product")[0].in_(chosen), *on_lines)


def count(records, segment: Segment, today: date) -> int:
    """How many contacts are in ``segment`` now (one COUNT over the statement).

    The statement carries the read rules of ``records`` itself, so the count runs as
    the plugin (which adds none) over it: a contacts query would add its read rule to
    the outer SELECT, which has no contact table of its own.
    """
    from sqlalchemy import func, select

    ids = statement(records, segment, today).subquery()
    runner = records.as_system("marketing").query("contact")
    return runner.aggregate(lambda dialect: select(func.count()).select_from(ids))[0][0]


def preview(records, segment: Segment, today: date, size: int = 20) -> list:
    """The first ``size`` contacts of ``segment`` (id, name, email, city), by id."""
    from sqlalchemy import select

    query = records.query("contact")
    table = query.table
    wanted = statement(records, segment, today).subquery()
    columns = [table.c.id] + [query.column(name)[0] for name in ("name", "email", "city")]
    return query.aggregate(lambda dialect: select(*columns).where(table.c.id.in_(select(wanted.c.id)))
                           .order_by(table.c.id).limit(size))


def find(records, name: str) -> Segment:
    """The segment called ``name``: a YAML document, else a ``marketing_segment`` record; ValidationError if none."""
    from trellis import ValidationError, metadata_model

    for segment in reversed(metadata_model().configs.get("segment", [])):
        if segment is not None and segment.name == name:
            return segment
    record = records.query("marketing_segment").filter(name=name).first()
    if record is None:
        raise ValidationError({"segment": _("No segment is called %(name)s", name=name)})
    return from_text(name, record["conditions"])


def from_text(name: str, text: str) -> Segment:
    """The segment written as YAML ``text`` on a page; ValidationError naming ``conditions`` when it is wrong."""
    import yaml
    from trellis import ValidationError

    try:
        spec = yaml.safe_load(text or "")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ValidationError({"conditions": _("Not valid YAML (line %(line)s)", line=line)}) from None
    segment, errors = parse(name, spec if spec is not None else {})
    if errors:
        raise ValidationError({"conditions": "; ".join(f"{'.'.join(path) or name}: {message}"
                                                       for path, message in errors)})
    return segment


def _(text: str, **values) -> str:
    from flask_babel import gettext

    return gettext(text, **values)
