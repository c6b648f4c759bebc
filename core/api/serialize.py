"""Records to JSON and JSON to record values, the same way for every endpoint.

Output: decimals as strings (no float rounding), dates and date-times as ISO 8601
(date-times in UTC), link fields as ``{"id", "name"}``, ``links`` as lists of ids,
plus the system values ``id``, ``version``, ``created_at``, ``created_by``,
``updated_at``, ``updated_by``. Input: a link is its id (``{"id": 3}`` is accepted too).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from trellis.api.errors import ApiError
from trellis.data.coerce import MAX_ID
from trellis.metadata.model import Entity

# What the columns hold (trellis.data.schema.column_type): BIGINT, NUMERIC(18,4), INTEGER ids.
# A JSON number beyond these would fail in the database (a 500) instead of as a field error.
STORABLE = {"integer": Decimal(2) ** 63 - 1, "decimal": Decimal(10) ** 14 - 1, "link": Decimal(MAX_ID)}


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (recursively)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def record_json(meta: Entity, record: Any, fields: list[str] | None = None) -> dict[str, Any]:
    """A record (from the service or a query page) as the API shows it; ``fields`` limits the fields."""
    values = record.to_dict()
    out: dict[str, Any] = {"id": values.get("id"), "version": values.get("version")}
    for name in ("created_at", "created_by", "updated_at", "updated_by"):
        if fields is None or name in fields:
            out[name] = values.get(name)
    for field in meta.fields.values():
        if field.name not in values or (fields is not None and field.name not in fields):
            continue
        value = values[field.name]
        if field.storage == "link" and value is not None and not isinstance(value, dict):
            value = {"id": int(value), "name": getattr(value, "name", None)}  # a Link, or a bare id
        out[field.name] = value
    return plain(out)


def record_input(meta: Entity, body: Any) -> dict[str, Any]:
    """The values of a JSON body for the record service (links as ids); 400 when it is not an object."""
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object of field values")
    values = {}
    for name, value in body.items():
        field = meta.fields.get(name)
        if field is not None and field.storage == "link" and isinstance(value, dict) and "id" in value:
            value = value["id"]
        if field is not None and field.storage == "links" and isinstance(value, list):
            value = [v["id"] if isinstance(v, dict) and "id" in v else v for v in value]
        values[name] = value
    errors = {name: "is too large to store" for name, value in values.items()
              if name in meta.fields and too_large(meta.fields[name], value)}
    # PostgreSQL refuses NUL in text (a 500); no field type has a use for it.
    errors.update({name: "must not contain a NUL character" for name, value in values.items() if has_nul(value)})
    if errors:
        raise ApiError(422, "validation_failed", "the record is not valid", fields=errors)
    return values


def has_nul(value: Any) -> bool:
    """True when ``value`` (or any text inside it) contains a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def too_large(field, value: Any) -> bool:
    """True for a number (or numeric text) beyond what the field's column can hold."""
    storage = {"link": "link", "links": "link", "integer": "integer", "decimal": "decimal"}.get(field.storage)
    if storage is None or isinstance(value, bool):
        return False
    items = value if isinstance(value, list) and storage == "link" else [value]
    for item in items:
        if not isinstance(item, int | float | str):
            continue
        try:
            number = Decimal(str(item).strip())
        except InvalidOperation:
            continue  # not a number at all: the record service says so
        # adjusted() first: abs() of 1e1000000 overflows the decimal context.
        if number.is_finite() and number and (number.adjusted() > 30 or abs(number) > STORABLE[storage]):
            return True
    return False
