"""Derived values: defaults on create, computed fields in dependency order, roll-ups.

A computed field (``compute: "amount * probability / 100"``) may read another
computed field, so they are evaluated in topological order of the names their
expressions read. A roll-up (``rollup: {from: deal.contact, sum: amount}``) is an
aggregate over the child records linking to this one; the record service
recomputes it whenever a child is created, changed, moved or deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from trellis.data.coerce import coerce_value
from trellis.expr import ExpressionError
from trellis.metadata.model import Entity, Field, Metadata

ROLLUP_FUNCTIONS = ("sum", "count", "min", "max", "avg")


def apply_defaults(entity: Entity, values: dict[str, Any], given: set[str], metadata: Metadata,
                   current_user: Any, now: datetime, errors: dict[str, str], *,
                   fields: list[Field] | None = None, coercers: dict[str, Callable] | None = None) -> None:
    """Fill fields the caller did not give from ``default`` or ``default_expr`` (create only).

    ``default_expr`` reads the values given so far plus ``current_user`` (the acting
    user's id) and ``now``; its result is coerced like input. ``fields`` (those with
    a default) and ``coercers`` (by field name) may come from a
    :class:`~trellis.data.plan.WritePlan`.
    """
    for field in fields if fields is not None else entity.fields.values():
        if field.name in given or field.type == "children" or field.computed:  # children: nothing stored
            continue
        if field.default_expr is not None:
            try:
                raw = field.default_expr.evaluate({**values, "current_user": current_user}, now=now)
            except ExpressionError as e:
                errors[field.name] = f"cannot compute the default: {e.message}"
                continue
        elif field.default is not None:
            raw = field.default
        else:
            continue
        try:
            values[field.name] = _coerced(raw, field, metadata, coercers)
        except ValueError as e:
            errors[field.name] = f"default value {raw!r} {e}"


def compute_order(entity: Entity) -> list[Field]:
    """The entity's ``compute`` fields, each after the computed fields it reads."""
    computed = {f.name: f for f in entity.fields.values() if f.compute is not None}
    ordered: list[Field] = []
    state: dict[str, str] = {}

    def visit(name: str) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            return  # a cycle: the metadata check reports it; here we just stop going round
        state[name] = "visiting"
        for dependency in sorted(computed[name].compute.names & computed.keys()):
            visit(dependency)
        state[name] = "done"
        ordered.append(computed[name])

    for name in computed:
        visit(name)
    return ordered


def apply_computed(entity: Entity, values: dict[str, Any], metadata: Metadata, now: datetime,
                   errors: dict[str, str], *, order: list[Field] | None = None,
                   coercers: dict[str, Callable] | None = None) -> None:
    """Evaluate every ``compute`` field into ``values`` (which also holds the system values).

    ``order`` (:func:`compute_order`) and ``coercers`` may come from a :class:`~trellis.data.plan.WritePlan`.
    """
    for field in order if order is not None else compute_order(entity):
        if errors and field.compute.names & errors.keys():
            continue  # an input is already wrong: its own message says why
        try:
            result = field.compute.evaluate(values, now=now)
            values[field.name] = _coerced(result, field, metadata, coercers)
        except ExpressionError as e:
            errors[field.name] = f"cannot compute: {e.message}"
        except ValueError as e:
            errors[field.name] = f"computed value {e}"


def _coerced(value: Any, field: Field, metadata: Metadata, coercers: dict[str, Callable] | None) -> Any:
    if coercers is not None:
        return coercers[field.name](value)
    return coerce_value(value, field, metadata.field_types.get(field.type))


def rollups_over(metadata: Metadata, child: str) -> list[tuple[Entity, Field]]:
    """Every (parent entity, roll-up field) that aggregates records of ``child``."""
    return [(entity, field) for entity in metadata.entities.values() for field in entity.fields.values()
            if field.rollup is not None and field.rollup.entity == child]


def rollup_inputs(metadata: Metadata, field: Field) -> set[str]:
    """The child fields whose change can change ``field``'s roll-up value."""
    rollup = field.rollup
    names = {rollup.link}
    if rollup.field:
        names.add(rollup.field)
    if rollup.where is not None:
        names |= set(rollup.where.names)
    return names


def rollup_value(connection, schema, metadata: Metadata, field: Field, parent_id: int) -> Any:
    """The roll-up ``field`` for the parent ``parent_id``, read from its children now."""
    rollup = field.rollup
    child = metadata.entity(rollup.entity)
    table = schema.tables[rollup.entity]
    link_column = table.c[child.fields[rollup.link].column]
    target = table.c[child.fields[rollup.field].column] if rollup.field else None
    if rollup.where is None:
        aggregate = func.count() if rollup.function == "count" else getattr(func, rollup.function)(target)
        result = connection.execute(select(aggregate).where(link_column == parent_id)).scalar()
    else:
        # `where` is an expression of the child's fields: evaluate it in Python over the children.
        names = {n for n in rollup.where.names if n in child.fields and child.fields[n].column}
        names |= {n for n in rollup.where.names if n in table.c and n not in child.fields}
        if rollup.field:
            names.add(rollup.field)
        columns = {n: table.c[child.fields[n].column] if n in child.fields else table.c[n] for n in names}
        rows = connection.execute(select(*[c.label(n) for n, c in columns.items()]).where(link_column == parent_id))
        picked = []
        for row in rows.mappings():
            try:
                if rollup.where.evaluate(dict(row)):
                    picked.append(row[rollup.field] if rollup.field else 1)
            except ExpressionError:
                continue  # a child the condition cannot judge is not counted
        result = _aggregate(rollup.function, picked)
    return _as_field_value(field, metadata, rollup.function, result)


def rollup_values(connection, schema, metadata: Metadata, field: Field, parent_ids: list[int]) -> dict[int, Any]:
    """:func:`rollup_value` for each of ``parent_ids``; a sum, count, min, max or average without ``where``
    is one ``GROUP BY`` per thousand parents."""
    rollup = field.rollup
    if rollup.where is not None or len(parent_ids) < 2:
        return {i: rollup_value(connection, schema, metadata, field, i) for i in parent_ids}
    child = metadata.entity(rollup.entity)
    table = schema.tables[rollup.entity]
    link_column = table.c[child.fields[rollup.link].column]
    target = table.c[child.fields[rollup.field].column] if rollup.field else None
    aggregate = func.count() if rollup.function == "count" else getattr(func, rollup.function)(target)
    found: dict[int, Any] = {}
    for start in range(0, len(parent_ids), 1000):
        chunk = parent_ids[start:start + 1000]
        found.update(connection.execute(select(link_column, aggregate).where(link_column.in_(chunk))
                                        .group_by(link_column)).all())
    return {i: _as_field_value(field, metadata, rollup.function, found.get(i)) for i in parent_ids}


def rollup_of(field: Field, metadata: Metadata, children: list[dict[str, Any]]) -> Any:
    """The roll-up ``field`` over ``children`` (the child records' values, not read from the database):
    what :func:`rollup_value` would answer if they were the parent's children, for a form's preview."""
    rollup = field.rollup
    picked = []
    for child in children:
        try:
            if rollup.where is None or rollup.where.evaluate(child):
                picked.append(child.get(rollup.field) if rollup.field else 1)
        except ExpressionError:
            continue
    return _as_field_value(field, metadata, rollup.function, _aggregate(rollup.function, picked))


def _aggregate(function: str, values: list[Any]) -> Any:
    if function == "count":
        return len(values)
    present = [v for v in values if v is not None]
    if function == "sum":
        return sum(present, Decimal(0)) if present else 0
    if not present:
        return None
    if function == "avg":
        return sum((Decimal(str(v)) for v in present), Decimal(0)) / len(present)
    return min(present) if function == "min" else max(present)


def _as_field_value(field: Field, metadata: Metadata, function: str, result: Any) -> Any:
    if result is None and function in ("sum", "count"):
        result = 0
    if isinstance(result, float):
        result = Decimal(str(result))
    if field.type == "integer" and isinstance(result, Decimal):
        result = int(result.to_integral_value())
    try:
        return coerce_value(result, field, metadata.field_types.get(field.type))
    except ValueError:
        return result
