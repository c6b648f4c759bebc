"""Turning input into stored values, and checking them: one function per field type.

Input arrives as form strings ("12.50", "on", "2026-01-31") or JSON values; the
record service calls :func:`coerce_value` for every field it is given and
:func:`check_record` on the whole record, and collects every message per field.
A coercer raises ``ValueError`` with a message a user can read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from trellis.data.record import empty  # noqa: F401 - re-exported: callers check emptiness here too
from trellis.data.storage import canonical_decimal
from trellis.expr import ExpressionError
from trellis.metadata.model import Entity, Field, FieldType

TRUE = ("true", "on", "1", "yes", "y", "t")
FALSE = ("false", "off", "0", "no", "n", "f")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
DECIMAL_PLACES = Decimal("0.0001")  # the scale of decimal columns (trellis.data.schema.column_type)
PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")


def _text(value: Any, field: Field) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("must be text")
    return str(value)


MAX_INTEGER = 2**63 - 1                 # BIGINT on every database
MAX_DECIMAL = Decimal(10) ** 14         # Numeric(18, 4): 14 digits before the point
MAX_NUMBER_TEXT = 100
"""Longest number text read: no stored number needs more, and parsing stays cheap."""
MAX_EXPONENT = 30
"""A parsed number's magnitude (``Decimal.adjusted()``) past which it is refused *before* any
conversion to ``int`` (``int(Decimal("1e1000000"))`` costs a minute of CPU)."""


def _integer(value: Any, field: Field) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if not isinstance(value, int):
        number = _decimal(value, field)  # refuses a huge magnitude before int() below
        if number != number.to_integral_value():
            raise ValueError("must be a whole number")
        value = int(number)
    if abs(value) > MAX_INTEGER:
        raise ValueError(f"is too large (at most {MAX_INTEGER:,})")
    return value


def _bounded(number: Decimal) -> Decimal:
    if abs(number) >= MAX_DECIMAL:
        raise ValueError("is too large (at most 14 digits before the decimal point)")
    return number


def _decimal(value: Any, field: Field) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("must be a number")
    if isinstance(value, Decimal):
        number = value
    else:
        # An int of thousands of digits is refused by str() itself: check its size as a number.
        if isinstance(value, int) and abs(value) > 10 ** MAX_EXPONENT:
            raise ValueError("is too large")
        text = str(value).strip().replace(" ", "")
        if len(text) > MAX_NUMBER_TEXT:
            raise ValueError("is too long for a number")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("must be a number") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if number and number.adjusted() > MAX_EXPONENT:
        raise ValueError("is too large")
    return number


def _money(value: Any, field: Field) -> Decimal:
    return canonical_decimal(_bounded(_decimal(value, field)), money=True)


def _exact(value: Any, field: Field) -> Decimal:
    # Rounded to the column's scale now, so the value returned by a write is the value stored.
    return canonical_decimal(_bounded(_decimal(value, field)).quantize(DECIMAL_PLACES))


def _boolean(value: Any, field: Field) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE + FALSE:
        return value.strip().lower() in TRUE
    raise ValueError("must be yes or no")


def _date(value: Any, field: Field) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("must be a date (YYYY-MM-DD)")


def _datetime(value: Any, field: Field) -> datetime:
    moment = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
    if moment is None:
        raise ValueError("must be a date and time (YYYY-MM-DDTHH:MM)")
    # Naive input is UTC: the web layer converts from the user's time zone before it gets here.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _email(value: Any, field: Field) -> str:
    text = _text(value, field).strip()
    if not EMAIL.match(text):
        raise ValueError("must be an email address (name@example.com)")
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def _url(value: Any, field: Field) -> str:
    text = _text(value, field).strip()
    if "://" not in text and re.match(r"^[\w.-]+\.[a-z]{2,}(/|$)", text, re.IGNORECASE):
        text = "https://" + text
    parts = urlsplit(text)
    # Only web addresses: a javascript: or data: URL shown as a link would run in the browser.
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise ValueError("must be a web address (https://...)")
    return text


def _phone(value: Any, field: Field) -> str:
    text = " ".join(_text(value, field).split())
    digits = sum(c.isdigit() for c in text)
    if not PHONE_CHARS.match(text) or not 3 <= digits <= 20:
        raise ValueError("must be a phone number (digits, spaces, + - ( ) .)")
    return text


def _selection(value: Any, field: Field) -> str:
    text = _text(value, field)
    if field.options and text not in field.options:
        raise ValueError(f"must be one of: {', '.join(field.options)}")
    return text


def _list_of_text(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list | tuple | set):
        raise ValueError("must be a list")
    items: dict[str, None] = {}  # a dict keeps the order and finds a duplicate in O(1)
    for item in value:
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise ValueError("must be a list of text values")
        item = str(item).strip()
        if item:
            items[item] = None
    return list(items)


def _multiselect(value: Any, field: Field) -> list[str]:
    items = _list_of_text(value)
    unknown = [item for item in items if field.options and item not in field.options]
    if unknown:
        raise ValueError(f"'{unknown[0]}' is not one of: {', '.join(field.options)}")
    return items


def _tags(value: Any, field: Field) -> list[str]:
    return _list_of_text(value)


MAX_ID = 2**31 - 1
"""Ids (and link columns) are INTEGER, 32 bits on PostgreSQL: a larger number can name no record."""


def _id(value: Any) -> int:
    if isinstance(value, dict):  # a query row's {"id": 3, "name": "Ann"} passed back
        value = value.get("id")
    if isinstance(value, bool):
        raise ValueError("must be a record id")
    if isinstance(value, str):
        text = value.strip()
        # ASCII digits only, and few of them: int() of "²" fails and of 5,000 digits is refused by Python.
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            raise ValueError("must be a record id")
        value = int(text)
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValueError("must be a record id")
    return value


def _link(value: Any, field: Field) -> int:
    return _id(value)


def _links(value: Any, field: Field) -> list[int]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple | set):
        raise ValueError("must be a list of record ids")
    ids: dict[int, None] = {}  # ordered, and a duplicate found in O(1)
    for item in value:
        ids[_id(item)] = None
    return list(ids)


def _json(value: Any, field: Field) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError("must be valid JSON") from None
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise ValueError("must be a JSON value (text, number, list, mapping)") from None
    return value


COERCERS: dict[str, Callable[[Any, Field], Any]] = {
    "string": _text, "text": _text, "html": _text, "file": _text,
    "integer": _integer, "decimal": _exact, "money": _money, "percent": _exact,
    "boolean": _boolean, "date": _date, "datetime": _datetime,
    "email": _email, "phone": _phone, "url": _url,
    "selection": _selection, "multiselect": _multiselect, "tags": _tags,
    "link": _link, "user": _link, "links": _links, "json": _json,
}
"""Built-in coercers by type name; plugin types bring their own ``FieldType.coerce``."""

BY_STORAGE: dict[str, Callable[[Any, Field], Any]] = {
    "string": _text, "text": _text, "integer": _integer, "decimal": _exact, "boolean": _boolean,
    "date": _date, "datetime": _datetime, "json": _json, "link": _link, "links": _links,
}
"""Fallback for a plugin type without ``coerce``: its storage kind decides."""


def coerce_value(value: Any, field: Field, ftype: FieldType | None,
                 sanitize_html: Callable[[str], str] | None = None) -> Any:
    """``value`` as stored for ``field``; blank input becomes None. Raises ValueError(message)."""
    return coercer(field, ftype, sanitize_html)(value)


_MANY = ("multiselect", "tags", "links")


def coercer(field: Field, ftype: FieldType | None,
            sanitize_html: Callable[[str], str] | None = None) -> Callable[[Any], Any]:
    """:func:`coerce_value` for ``field`` as a function of the value alone, its dispatch done once.

    For the many values of one field a batch coerces (see ``trellis.data.plan``).
    """
    many = field.type in _MANY
    if ftype is not None and ftype.coerce is not None:
        convert, sanitize = ftype.coerce, None  # a plugin's type: its coercer has the last word
    else:
        convert = COERCERS.get(field.type) or BY_STORAGE.get(ftype.storage if ftype else "string", _text)
        sanitize = sanitize_html if field.type == "html" else None  # the security subsystem registers it

    def coerce(value: Any) -> Any:
        if type(value) is str:  # most input (forms, CSV): the checks below, without the calls
            if not value.strip():
                return [] if many else None
            if "\x00" in value:
                raise ValueError("must not contain NUL characters")
        elif value is None or (isinstance(value, str) and not value.strip()):
            return [] if many else None
        elif type(value) not in _PLAIN and _has_nul(value):  # PostgreSQL cannot store it, no user means to type it
            raise ValueError("must not contain NUL characters")
        result = convert(value, field)
        return result if sanitize is None else sanitize(result)

    return coerce


_PLAIN = frozenset({int, float, bool, Decimal, date, datetime})  # values that cannot hold a NUL character


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | dict):
        return "\\u0000" in json.dumps(value, default=str)
    return False


def _bound(field: Field, ftype: FieldType | None, bound: Any) -> Any:
    """``min``/``max`` from YAML in the field's own type (a date bound may be written as text)."""
    try:
        return coerce_value(bound, field, ftype) if isinstance(bound, str) else bound
    except ValueError:
        return bound


def check_field(field: Field, ftype: FieldType | None, value: Any) -> str | None:
    """The message for a coerced ``value`` that breaks ``required``/``min``/``max``/``max_length``, else None."""
    if empty(value):
        return "is required" if field.required and not field.computed else None
    if field.max_length is not None and isinstance(value, str) and len(value) > field.max_length:
        return f"must be at most {field.max_length} characters"
    try:
        if field.min is not None and value < _bound(field, ftype, field.min):
            return f"must be at least {field.min}"
        if field.max is not None and value > _bound(field, ftype, field.max):
            return f"must be at most {field.max}"
    except TypeError:
        return None  # a bound that makes no sense for this type is the metadata check's business
    return None


def label_text(label: dict | str | None, locale: str = "en") -> str:
    """One locale's text of a label (``{"en": ...}``), falling back to English, then to any."""
    if not label:
        return ""
    if isinstance(label, str):
        return label
    return label.get(locale) or label.get("en") or next(iter(label.values()))


def check_record(entity: Entity, values: dict[str, Any], errors: dict[str, str], now: datetime,
                 required_if: list[Field] | None = None) -> None:
    """Add ``required_if`` and ``rules`` messages to ``errors`` (fields already in error are skipped).

    ``values`` holds fields and system values. A rule reading a field that already
    has an error is not evaluated: its message would only repeat the first one.
    ``required_if``: the entity's fields that have one, when the caller knows them.
    """
    for field in required_if if required_if is not None else entity.fields.values():
        if field.name in errors or field.required_if is None or not empty(values.get(field.name)):
            continue
        try:
            needed = field.required_if.evaluate(values, now=now)
        except ExpressionError as e:
            errors[field.name] = f"cannot check required_if: {e.message}"
            continue
        if needed:
            errors[field.name] = "is required"
    for rule in entity.rules:
        if rule.check.names & errors.keys():
            continue
        target = rule.field or "__all__"
        try:
            ok = rule.check.evaluate(values, now=now)
        except ExpressionError as e:
            errors.setdefault(target, f"cannot check rule: {e.message}")
            continue
        if not ok:
            errors.setdefault(target, label_text(rule.message) or f"rule failed: {rule.check.source}")
