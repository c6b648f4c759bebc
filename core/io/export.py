"""Export: the records a user can see, as CSV or XLSX, through the query builder.

The query builder applies the user's record rules and leaves out the fields the
user may not read, so an export never shows more than the list page does. The
file is written so that it imports back: headers are field names, a link column
holds the linked record's title, a ``links`` column ``#id`` references.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula (CSV injection), so such text is written with
a leading apostrophe, which the programs show as plain text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from trellis.data.record import Link
from trellis.data.records import records_for
from trellis.errors import ValidationError
from trellis.metadata.model import Entity

FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` safe to open in a spreadsheet: an apostrophe before a formula-like start."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unneutralise(text: str) -> str:
    """The inverse of :func:`neutralise`, for importing an exported file: ``'=1+2`` -> ``=1+2``."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def export_columns(app, entity: str, user: Any = None, columns: Iterable[str] | None = None) -> list[str]:
    """``id`` plus the fields to export: ``columns`` when given (each must be readable), else every readable field."""
    service = records_for(app, user, channel="ui")
    meta: Entity = service.metadata.entities[entity]
    readable = service.access.readable_fields(user, entity)
    allowed = [f.name for f in meta.fields.values()
               if (f.column or f.storage == "links") and (readable is None or f.name in readable)]
    if not columns:
        return ["id", *allowed]
    chosen = []
    for name in columns:
        name = name.strip()
        if name and name != "id" and name not in allowed:
            raise ValidationError({"columns": f"unknown field '{name}' of {entity}"})
        if name:
            chosen.append(name)
    return chosen


def export_rows(app, entity: str, user: Any = None, filters: dict[str, Any] | None = None,
                columns: Iterable[str] | None = None, order: str | None = None):
    """``(headers, rows)``: rows is an iterator of lists of plain values, read a page at a time."""
    service = records_for(app, user, channel="ui")
    query = service.query(entity).filter(filters or {})
    if order:
        query = query.order_by(order)
    headers = export_columns(app, entity, user, columns)
    meta = service.metadata.entities[entity]

    def rows():
        for record in query.iterate(batch=500):
            yield [plain(meta, name, record.id if name == "id" else record.get(name)) for name in headers]

    return headers, rows()


def plain(meta: Entity, name: str, value: Any) -> Any:
    """A record value as a cell: link -> title, list -> ``a, b``, ``links`` -> ``#1; #2``."""
    fld = meta.fields.get(name)
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get("name") if value.get("name") is not None else f"#{value.get('id')}"
    if isinstance(value, Link):
        return value.name if value.name is not None else f"#{int(value)}"
    if isinstance(value, list):
        if fld is not None and fld.storage == "links":
            return "; ".join(f"#{v}" for v in value)
        return ", ".join(str(v) for v in value)
    return value


def write_csv(headers: list[str], rows: Iterable[list[Any]], out: IO[str]) -> int:
    """Write a CSV (formula-like text neutralised); returns the number of rows."""
    writer = csv.writer(out)
    writer.writerow(headers)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        count += 1
    return count


def write_xlsx(headers: list[str], rows: Iterable[list[Any]], path: str | Path) -> int:
    """Write an XLSX file (numbers and dates stay typed; text neutralised); returns the number of rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
        count += 1
    book.save(path)
    return count


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)  # a number is never a formula, and "-5" must stay a number
    return neutralise(str(value))


def _xlsx_cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # XLSX has no time zones; values are UTC
    if isinstance(value, date):
        return value
    return neutralise(str(value))
