"""Column type changes: which are safe widenings, and how existing values convert.

``trellis migrate`` applies a widening (integer -> bigint or decimal, a longer string,
string -> text, a wider decimal) on its own. Any other change could lose data, so it
is refused unless ``--convert`` is given and :func:`convert_value` accepts every
existing value of the column.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

TRUE = {"true", "t", "yes", "y", "1", "on"}
FALSE = {"false", "f", "no", "n", "0", "off"}


def kind_of(column_type: sa.types.TypeEngine) -> tuple[str, Any]:
    """A type as ``(kind, size)``: ``("integer", 64)``, ``("string", 100)``, ``("decimal", (18, 4))`` ..."""
    t = column_type
    if isinstance(t, sa.Boolean):
        return "boolean", None
    if isinstance(t, sa.Integer):
        if isinstance(t, sa.BigInteger):
            return "integer", 64
        return "integer", 16 if isinstance(t, sa.SmallInteger) else 32
    if isinstance(t, sa.Float):
        return "float", None
    if isinstance(t, sa.Numeric):
        return "decimal", (t.precision, t.scale)
    if isinstance(t, sa.String):
        if isinstance(t, sa.Text) or t.length is None:
            return "text", None
        return "string", t.length
    if isinstance(t, sa.DateTime):
        return "datetime", None
    if isinstance(t, sa.Date):
        return "date", None
    if isinstance(t, sa.JSON):
        return "json", None
    return type(t).__name__.lower(), None


def describe(column_type: sa.types.TypeEngine) -> str:
    """A short name for messages: ``text``, ``integer``, ``string(100)``, ``decimal(18,4)``."""
    kind, size = kind_of(column_type)
    if kind == "string":
        return f"string({size})"
    if kind == "decimal" and size and size[0] is not None:
        return f"decimal({size[0]},{size[1] or 0})"
    return kind


def is_widening(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> bool:
    """True when every value of type ``old`` fits ``new`` unchanged."""
    (ok, osize), (nk, nsize) = kind_of(old), kind_of(new)
    if ok == nk == "integer":
        return nsize >= osize
    if ok == "integer" and nk == "decimal":
        return True
    if ok == "string" and nk == "string":
        return nsize >= osize
    if ok in ("string", "text") and nk == "text":
        return True
    if ok == nk == "decimal":
        (op, os_), (np_, ns) = (osize[0], osize[1] or 0), (nsize[0], nsize[1] or 0)
        if op is None:
            return np_ is None
        return np_ is None or (ns >= os_ and np_ - ns >= op - os_)
    return False


def same_type(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> bool:
    """True when a reflected type and a wanted one differ only in spelling (no change needed)."""
    return kind_of(old) == kind_of(new)


def convert_value(value: Any, new: sa.types.TypeEngine) -> Any:
    """``value`` as type ``new``, or ValueError when it does not convert without loss."""
    kind, size = kind_of(new)
    if value is None:
        return None
    converter = _CONVERTERS.get(kind)
    if converter is None:
        raise ValueError(f"no conversion to {kind}")
    return converter(value, size)


def _to_integer(value: Any, _size) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    number = _to_decimal(value, None)
    if number != number.to_integral_value():
        raise ValueError("has a fraction")
    return int(number)


def _to_decimal(value: Any, size) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("is a boolean")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("is not a number") from None
    if not number.is_finite():
        raise ValueError("is not a finite number")
    if size and size[0] is not None:
        precision, scale = size[0], size[1] or 0
        if number != number.quantize(Decimal(1).scaleb(-scale)) or abs(number) >= Decimal(10) ** (precision - scale):
            raise ValueError(f"does not fit decimal({precision},{scale})")
    return number


def _to_text(value: Any, _size) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _to_string(value: Any, size) -> str:
    text = _to_text(value, None)
    if size is not None and len(text) > size:
        raise ValueError(f"is longer than {size} characters")
    return text


def _to_boolean(value: Any, _size) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError("is not yes/no")


def _to_date(value: Any, _size) -> date:
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise ValueError("has a time of day")
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def _to_datetime(value: Any, _size) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    return datetime.fromisoformat(str(value).strip())


def _to_json(value: Any, _size) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value          # plain text becomes a JSON string
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


_CONVERTERS = {
    "integer": _to_integer, "decimal": _to_decimal, "text": _to_text, "string": _to_string,
    "boolean": _to_boolean, "date": _to_date, "datetime": _to_datetime, "json": _to_json,
}
