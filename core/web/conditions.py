"""``visible`` and ``required_if`` for the browser: evaluated on the server, by the same compiled
expressions the record service checks on save.

Why a JSON endpoint (``POST /app/<entity>/_eval``) rather than compiling expressions to
JavaScript: there is then exactly one evaluator (``trellis.expr``), so the browser can
never disagree with the save about whether a field is required, functions that plugins
add through ``expression_functions()`` work without a JavaScript twin, and the cost is
one small request when a field changes (the script waits until typing pauses).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from trellis.expr import ExpressionError
from trellis.metadata.model import Entity


def typed_values(entity: Entity, raw: dict[str, Any], metadata) -> dict[str, Any]:
    """Posted values coerced by field type; a value that does not coerce counts as empty."""
    from trellis.data.coerce import coerce_value

    values: dict[str, Any] = {name: None for name in entity.fields}
    for name, value in raw.items():
        field = entity.fields.get(name)
        if field is None:
            continue
        try:
            values[name] = coerce_value(value, field, metadata.field_types.get(field.type))
        except (ValueError, TypeError):
            values[name] = None
    return values


def field_states(entity: Entity, values: dict[str, Any]) -> dict[str, dict[str, bool]]:
    """``{"visible": {field: bool}, "required": {field: bool}}`` for fields with conditions.

    An expression that fails on these values (say, a number compared with nothing)
    leaves the field visible and not required: the save reports the real problem.
    """
    now = datetime.now(UTC)
    visible, required = {}, {}
    for field in entity.fields.values():
        if field.visible is not None:
            visible[field.name] = _truth(field.visible, values, now, True)
        if field.required_if is not None:
            required[field.name] = _truth(field.required_if, values, now, False)
        elif field.required:
            required[field.name] = True
    return {"visible": visible, "required": required}


def _truth(expression, values: dict[str, Any], now: datetime, fallback: bool) -> bool:
    try:
        return bool(expression.evaluate(values, now=now))
    except (ExpressionError, TypeError, ValueError):
        return fallback
