"""How expression values combine: kinds, limits, exact numbers, dates and ``None``.

The arithmetic, comparison and membership rules of :mod:`trellis.expr` (see its
docstring for the conventions a YAML author relies on), kept apart from the
compiler so that each module holds one idea. Imports neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

MAX_SOURCE_LENGTH = 2_000
MAX_NODES = 200
MAX_DEPTH = 32
MAX_TEXT_LENGTH = 10_000
MAX_LIST_LENGTH = 10_000
MAX_NUMBER = 10**30
MAX_EXPONENT = 100
MAX_ROUND_DIGITS = 30
MAX_STEPS = 100_000

_NUMBER = (int, float, Decimal)
_SEQUENCE = (list, tuple)
_COLLECTION = (list, tuple, set, frozenset)


class ExpressionError(Exception):
    """A problem in an expression: ``.message`` (str), ``.offset`` (0-based column in the source or None)."""

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset


# --- values: kinds, limits, coercion -------------------------------------------------

_KINDS = [(bool, "boolean"), (_NUMBER, "number"), (str, "text"), (datetime, "date-time"), (date, "date"),
          (timedelta, "duration"), (_COLLECTION, "list"), (type(None), "None")]


def _kind(value: Any) -> str:
    """The name of a value's type as a YAML author knows it."""
    return next((name for kinds, name in _KINDS if isinstance(value, kinds)), type(value).__name__)


def _checked(number: Any) -> Any:
    """Return an arithmetic result, or refuse one too large to be a CRM value."""
    if isinstance(number, complex):
        raise ExpressionError("result is not a real number")
    if isinstance(number, float):
        too_large = not math.isfinite(number)
    elif isinstance(number, Decimal):
        too_large = not number.is_finite() or abs(number) > MAX_NUMBER
    else:
        too_large = isinstance(number, int) and abs(number) > MAX_NUMBER
    if too_large:
        raise ExpressionError("number too large")
    return number


def _check_size(size: int, what: str) -> None:
    limit, unit = (MAX_TEXT_LENGTH, "characters") if what == "text" else (MAX_LIST_LENGTH, "items")
    if size > limit:
        raise ExpressionError(f"{what} would be too long (more than {limit:,} {unit})")


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(int(value))


def _numbers(a: Any, b: Any) -> tuple[Any, Any] | None:
    """Both operands as numbers of one kind (Decimal wins), or None if either is not a number."""
    if not (isinstance(a, _NUMBER) and isinstance(b, _NUMBER)):
        return None
    if isinstance(a, Decimal) != isinstance(b, Decimal):
        return _to_decimal(a), _to_decimal(b)
    return a, b


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def _align_dates(a: date, b: date) -> tuple[date, date]:
    """Make a date and a date-time (or a naive and an aware date-time) comparable."""
    a_time, b_time = isinstance(a, datetime), isinstance(b, datetime)
    if a_time != b_time:
        return (a.date() if a_time else a), (b.date() if b_time else b)
    if a_time and (a.utcoffset() is None) != (b.utcoffset() is None):
        return _as_utc(a), _as_utc(b)
    return a, b


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    numbers = _numbers(a, b)
    if numbers:
        return numbers
    if isinstance(a, date) and isinstance(b, date):
        return _align_dates(a, b)
    return a, b


# --- operators -------------------------------------------------------------------------

def _type_error(verb: str, a: Any, b: Any) -> ExpressionError:
    return ExpressionError(f"cannot {verb} {_kind(a)} and {_kind(b)}")


def _repeat(seq: Any, times: Any) -> Any:
    """``'ab' * 3`` or ``[0] * 3``, refused before the result is built if it would be too long."""
    _check_size(len(seq) * max(times, 0), "text" if isinstance(seq, str) else "list")
    return seq * times


def _add(a: Any, b: Any) -> Any:
    numbers = _numbers(a, b)
    if numbers:
        return _checked(numbers[0] + numbers[1])
    if isinstance(a, str) and isinstance(b, str):
        _check_size(len(a) + len(b), "text")
        return a + b
    if isinstance(a, _SEQUENCE) and type(a) is type(b):
        _check_size(len(a) + len(b), "list")
        return a + b
    if isinstance(a, date | timedelta) and isinstance(b, timedelta):
        return a + b
    if isinstance(a, timedelta) and isinstance(b, date):
        return b + a
    raise _type_error("add", a, b)


def _subtract(a: Any, b: Any) -> Any:
    numbers = _numbers(a, b)
    if numbers:
        return _checked(numbers[0] - numbers[1])
    if isinstance(a, date | timedelta) and isinstance(b, timedelta):
        return a - b
    if isinstance(a, date) and isinstance(b, date):
        a, b = _align_dates(a, b)
        return a - b
    raise _type_error("subtract", a, b)


def _multiply(a: Any, b: Any) -> Any:
    numbers = _numbers(a, b)
    if numbers:
        return _checked(numbers[0] * numbers[1])
    if isinstance(a, str | list | tuple) and isinstance(b, int):
        return _repeat(a, b)
    if isinstance(b, str | list | tuple) and isinstance(a, int):
        return _repeat(b, a)
    if isinstance(a, timedelta) and isinstance(b, int | float):
        return a * b
    if isinstance(b, timedelta) and isinstance(a, int | float):
        return b * a
    raise _type_error("multiply", a, b)


def _divider(verb: str, divide: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``/``, ``//`` or ``%`` on numbers, and ``/``, ``//`` on durations."""

    def run(a: Any, b: Any) -> Any:
        if isinstance(a, str) and divide is operator.mod:  # printf-style formatting is never offered
            raise ExpressionError("text formatting with '%' is not allowed")
        numbers = _numbers(a, b)
        if numbers and numbers[1] == 0:  # checked here: Decimal's 0/0 is not a ZeroDivisionError
            raise ExpressionError("division by zero")
        if numbers:
            return _checked(divide(*numbers))
        if isinstance(a, timedelta) and isinstance(b, timedelta | int | float) and divide is not operator.mod:
            return divide(a, b)
        raise _type_error(verb, a, b)

    return run


def _power(base: Any, exponent: int | float) -> Any:
    if base is None:
        return None
    if not isinstance(base, _NUMBER):
        raise ExpressionError(f"cannot raise {_kind(base)} to a power")
    _checked(base)
    if isinstance(base, Decimal):
        exponent = _to_decimal(exponent)
    return _checked(base**exponent)


def _contains(container: Any, item: Any) -> bool:
    """``item in container`` where a missing container is empty."""
    if container is None:
        return False
    if isinstance(container, str):
        if item is None:
            return False
        if not isinstance(item, str):
            raise ExpressionError(f"cannot look for {_kind(item)} in text")
        return item in container
    if isinstance(container, _COLLECTION):
        return any(_equal(item, element) for element in container)
    raise ExpressionError(f"'in' needs a list or text, got {_kind(container)}")


def _equal(a: Any, b: Any) -> bool:
    a, b = _comparable(a, b)
    return a == b


def _ordering(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool | None]:
    def run(a: Any, b: Any) -> bool | None:
        a, b = _comparable(a, b)
        if a is None or b is None:
            return None
        try:
            return compare(a, b)
        except TypeError:
            raise ExpressionError(f"cannot compare {_kind(a)} and {_kind(b)}") from None

    return run


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: _add,
    ast.Sub: _subtract,
    ast.Mult: _multiply,
    ast.Div: _divider("divide", operator.truediv),
    ast.FloorDiv: _divider("divide", operator.floordiv),
    ast.Mod: _divider("take the remainder of", operator.mod),
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: _equal,
    ast.NotEq: lambda a, b: not _equal(a, b),
    ast.Lt: _ordering(operator.lt),
    ast.LtE: _ordering(operator.le),
    ast.Gt: _ordering(operator.gt),
    ast.GtE: _ordering(operator.ge),
    ast.In: lambda a, b: _contains(b, a),
    ast.NotIn: lambda a, b: not _contains(b, a),
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_SYMBOLS = {ast.Pow: "**", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
            ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~"}


def _negate(value: Any, sign: int) -> Any:
    if value is None:
        return None
    if isinstance(value, _NUMBER):
        return _checked(-value if sign < 0 else +value)
    if isinstance(value, timedelta):
        return -value if sign < 0 else value
    raise ExpressionError(f"cannot negate {_kind(value)}")
