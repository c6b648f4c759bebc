"""Rows <-> records: reading a record's row and its many-to-many lists, writing them back.

The only place that knows a link field ``contact`` lives in column ``contact_id``
and a ``links`` field in its own table ``<entity>__<field>``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select
from trellis.data.record import SYSTEM_FIELDS, Record
from trellis.data.schema import link_columns
from trellis.metadata.model import Entity

MONEY_PLACES = Decimal("0.01")


def as_utc(value: Any) -> Any:
    """Aware UTC for datetimes (SQLite hands back naive ones, always written as UTC)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def canonical(field, value: Any) -> Any:
    """A stored value in the form the service hands out: money with 2 places, other
    decimals without the column's padding zeros (``Decimal("12.5000")`` -> ``12.5``),
    datetimes aware UTC."""
    if isinstance(value, Decimal):
        return canonical_decimal(value, field.type == "money")
    return as_utc(value)


def canonical_decimal(value: Decimal, money: bool = False) -> Decimal:
    """``value`` with 2 places for money, else without trailing zeros (never in exponent form)."""
    if money:
        return value.quantize(MONEY_PLACES)
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def column_fields(entity: Entity) -> list:
    """The entity's fields that have a column in its table."""
    return [f for f in entity.fields.values() if f.column]


def many_fields(entity: Entity, schema) -> list:
    """The entity's ``links`` fields that have a many-to-many table."""
    return [f for f in entity.fields.values() if (entity.name, f.name) in schema.links]


def record_from_row(entity: Entity, row: Any, fields: list | None = None) -> Record:
    """A Record from a row mapping holding the system columns and field columns."""
    values = {}
    for field in fields if fields is not None else column_fields(entity):
        if field.column in row:
            values[field.name] = canonical(field, row[field.column])
    system = {name: as_utc(row[name]) for name in SYSTEM_FIELDS if name in row}
    return Record(entity.name, values, system)


def records_from_rows(entity: Entity, rows: list, fields: list) -> list[Record]:
    """Records from rows holding the system columns and the column of every field in ``fields``
    (a query page): :func:`record_from_row` for each, with the columns worked out once per page."""
    columns = [(field, field.name, field.column) for field in fields]
    return [Record(entity.name, {name: canonical(field, row[column]) for field, name, column in columns},
                   {name: as_utc(row[name]) for name in SYSTEM_FIELDS})
            for row in rows]


def load(connection, schema, entity: Entity, record_id: int, where: Any = None) -> Record | None:
    """The stored record ``record_id`` (fields, system values, ``links`` lists), or None."""
    table = schema.tables[entity.name]
    statement = select(table).where(table.c.id == record_id)
    if where is not None:
        statement = statement.where(where)
    row = connection.execute(statement).mappings().first()
    if row is None:
        return None
    record = record_from_row(entity, row)
    for field in many_fields(entity, schema):
        record[field.name] = load_links(connection, schema, entity, field, [record_id]).get(record_id, [])
    return record


def load_links(connection, schema, entity: Entity, field, ids: list[int]) -> dict[int, list[int]]:
    """``{record id: [linked ids]}`` of a ``links`` field for many records in one query."""
    table = schema.links[(entity.name, field.name)]
    near, far = link_columns(entity.name, field)
    found: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = connection.execute(select(table.c[near], table.c[far]).where(table.c[near].in_(ids))
                              .order_by(table.c[near], table.c[far]))
    for near_id, far_id in rows:
        found[near_id].append(far_id)
    return found


def save_links(connection, schema, entity: Entity, field, record_id: int, ids: list[int]) -> None:
    """Replace the ``links`` list of one record."""
    table = schema.links[(entity.name, field.name)]
    near, far = link_columns(entity.name, field)
    connection.execute(delete(table).where(table.c[near] == record_id))
    if ids:
        connection.execute(insert(table), [{near: record_id, far: i} for i in ids])


def column_values(entity: Entity, values: dict[str, Any], names: set[str] | None = None) -> dict[str, Any]:
    """``{column: value}`` for the stored fields in ``values`` (only ``names`` when given)."""
    row = {}
    for f in entity.fields.values():
        if f.name in values and (names is None or f.name in names):
            column = f.column
            if column:
                row[column] = values.get(f.name)
    return row
