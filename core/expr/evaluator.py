"""The expression language of the YAML metadata: ``compute``, ``when``, ``visible``, ``check``...

An expression such as ``amount * probability / 100`` or ``stage == 'won' and
close_date < today()`` is parsed with ``ast.parse(mode="eval")``, checked against
an allow-list and compiled once into a tree of small closures, which are then
called for every record. Python's ``eval``/``exec``/``compile`` are never used:
nothing a user writes ever runs as Python code, and no value ever exposes an
attribute other than the date parts listed in ``_DATE_PARTS``. How values combine
(numbers, dates, ``None``, the size limits) lives in :mod:`trellis.expr.values`.

Conventions a YAML author relies on:

- a missing field reads as ``None``; arithmetic, ``< <= > >=``, date parts and
  value functions (``len``, ``lower``, ``round``...) given ``None`` give ``None``;
- ``==``, ``!=``, ``and``, ``or``, ``not`` and ``x if c else y`` behave as in Python;
- ``x in None`` and ``contains(None, x)`` are ``False``; ``min``/``max`` skip ``None``;
- a ``Decimal`` mixed with an int or float stays exact (floats go through ``str``);
- a date compared with (or subtracted from) a date-time uses the date-time's date,
  and a naive date-time mixed with an aware one is taken to be UTC.
"""

from __future__ import annotations

import ast
import difflib
import functools
import inspect
import operator
from collections.abc import Callable, Collection, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NoReturn

from trellis.expr.values import (
    _BINARY,
    _COLLECTION,
    _COMPARE,
    _NUMBER,
    _SEQUENCE,
    _SYMBOLS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_NODES,
    MAX_ROUND_DIGITS,
    MAX_SOURCE_LENGTH,
    MAX_STEPS,
    ExpressionError,
    _as_utc,
    _checked,
    _equal,
    _kind,
    _negate,
    _ordering,
    _power,
)

# `now` given to Expression.evaluate, read by today() and now() (also from nested evaluations).
_NOW: ContextVar[datetime | None] = ContextVar("trellis_expr_now", default=None)


@dataclass(frozen=True)
class Function:
    """A function callable from expressions: ``func`` gets the evaluated positional arguments.

    ``min_args``/``max_args`` are checked when an expression is compiled
    (``max_args=None``: any number).
    """

    name: str
    func: Callable[..., Any]
    min_args: int = 0
    max_args: int | None = None


# --- date parts ------------------------------------------------------------------------

_DATE_PARTS = {name: operator.attrgetter(name) for name in ("year", "month", "day", "hour", "minute")}
_DATE_METHODS: dict[str, Callable[[date], Any]] = {
    "weekday": operator.methodcaller("weekday"),
    "date": lambda d: d.date() if isinstance(d, datetime) else d,
}
_DATE_HELP = "the only attributes are date parts: .year .month .day .hour .minute .weekday() .date()"


def _date_part(value: Any, name: str, part: Callable[[date], Any]) -> Any:
    if value is None:
        return None
    needs_time = name in ("hour", "minute")
    if not isinstance(value, datetime if needs_time else date):
        raise ExpressionError(f"'.{name}' needs a {'date-time' if needs_time else 'date'}, got {_kind(value)}")
    return part(value)


# --- built-in functions ---------------------------------------------------------------

def _current_now() -> datetime:
    now = _NOW.get()
    return datetime.now(UTC) if now is None else _as_utc(now)


def _needs(name: str, value: Any, kinds: type | tuple[type, ...], what: str) -> None:
    if not isinstance(value, kinds):
        raise ExpressionError(f"{name}() needs {what}, got {_kind(value)}")


def _none_safe(name: str, kinds: type | tuple[type, ...], what: str, func: Callable[[Any], Any]) -> Function:
    """A one-argument function that gives None for None and checks its argument's type."""

    def run(value: Any) -> Any:
        if value is None:
            return None
        _needs(name, value, kinds, what)
        return func(value)

    return Function(name, run, 1, 1)


def _round(value: Any, digits: Any = None) -> Any:
    if value is None:
        return None
    _needs("round", value, _NUMBER, "a number")
    if digits is None:
        return round(value)
    if isinstance(digits, bool) or not isinstance(digits, int) or abs(digits) > MAX_ROUND_DIGITS:
        raise ExpressionError(f"round() digits must be a whole number from -{MAX_ROUND_DIGITS} to {MAX_ROUND_DIGITS}")
    return round(value, digits)


def _extreme(name: str, better: Callable[[Any, Any], Any]) -> Function:
    """min/max over the arguments (or over one list argument), skipping None."""

    def run(*args: Any) -> Any:
        items = args[0] if len(args) == 1 and isinstance(args[0], _COLLECTION) else args
        best = None
        for item in items:
            if item is not None and (best is None or better(item, best)):
                best = item
        return best

    return Function(name, run, 1, None)


def _days(count: Any) -> timedelta | None:
    if count is None:
        return None
    _needs("days", count, _NUMBER, "a number")
    return timedelta(days=float(count) if isinstance(count, Decimal) else count)


def _contains_function(haystack: Any, needle: Any) -> bool:
    """Case-insensitive substring of text, or membership of a list."""
    if haystack is None or needle is None:
        return False
    if isinstance(haystack, str):
        _needs("contains", needle, str, "text to look for")
        return needle.casefold() in haystack.casefold()
    if isinstance(haystack, _COLLECTION):
        folded = needle.casefold() if isinstance(needle, str) else needle
        return any(_equal(folded, item.casefold() if isinstance(item, str) else item) for item in haystack)
    raise ExpressionError(f"contains() needs text or a list, got {_kind(haystack)}")


def _coalesce(*args: Any) -> Any:
    return next((arg for arg in args if arg is not None), None)


BUILTIN_FUNCTIONS: Mapping[str, Function] = MappingProxyType({f.name: f for f in [
    _none_safe("len", (str, *_COLLECTION), "text or a list", len),
    Function("round", _round, 1, 2),
    _extreme("min", _ordering(operator.lt)),
    _extreme("max", _ordering(operator.gt)),
    _none_safe("abs", (*_NUMBER, timedelta), "a number", abs),
    Function("today", lambda: _current_now().date(), 0, 0),
    Function("now", _current_now, 0, 0),
    Function("days", _days, 1, 1),
    _none_safe("lower", str, "text", str.lower),
    _none_safe("upper", str, "text", str.upper),
    Function("contains", _contains_function, 2, 2),
    _none_safe("year", date, "a date", lambda d: d.year),
    _none_safe("month", date, "a date", lambda d: d.month),
    Function("coalesce", _coalesce, 1, None),
]})
"""The functions every expression may call, by name."""


def _arity(func: Callable[..., Any]) -> tuple[int, int | None]:
    """(min, max) positional arguments of a plain callable; (0, None) when unknown."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return 0, None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(1 for p in positional if p.default is p.empty)
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return required, None
    return required, len(positional)


def _function_table(functions: Mapping[str, Callable[..., Any] | Function] | None) -> dict[str, Function]:
    table = dict(BUILTIN_FUNCTIONS)
    for name, value in (functions or {}).items():
        if not name.isidentifier() or name.startswith("_"):
            raise ExpressionError(f"function name {name!r} is not allowed")
        if isinstance(value, Function):
            table[name] = value
        elif callable(value):
            table[name] = Function(name, value, *_arity(value))
        else:
            raise ExpressionError(f"function {name!r} is not callable")
    return table


# --- compilation -----------------------------------------------------------------------

_Run = Callable[["_Context"], Any]


class _Context:
    """The state of one evaluation: the record's values and the step budget."""

    __slots__ = ("values", "steps")

    def __init__(self, values: Mapping[str, Any]):
        self.values = values
        self.steps = 0

    def charge(self, value: Any) -> None:
        """Count one step, plus one per element when an operation scans a list or text."""
        self.steps += 1 + (len(value) if isinstance(value, (str, *_COLLECTION)) else 0)
        if self.steps > MAX_STEPS:
            raise ExpressionError(f"expression takes too long to evaluate (more than {MAX_STEPS:,} steps)")


_REJECTED = {  # node type -> what the error message calls it
    ast.Lambda: "lambda functions", ast.ListComp: "list comprehensions", ast.SetComp: "set comprehensions",
    ast.DictComp: "dict comprehensions", ast.GeneratorExp: "generator expressions", ast.JoinedStr: "f-strings",
    ast.NamedExpr: "assignment expressions (:=)", ast.Starred: "starred expressions (*x)",
    ast.Dict: "dict displays ({key: value})", ast.Set: "set displays ({...})", ast.Await: "await expressions",
    ast.Yield: "yield expressions", ast.YieldFrom: "yield expressions", ast.Slice: "slices (x[a:b])",
}
_OPERATOR_NODES = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)


def _suggest(name: str, candidates: Collection[str]) -> str:
    match = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""


class _Compiler:
    """Checks a parsed expression against the allow-list while building its closures."""

    _METHODS = {ast.Constant: "_constant", ast.Name: "_name", ast.List: "_list", ast.Tuple: "_list",
                ast.BinOp: "_binop", ast.UnaryOp: "_unaryop", ast.BoolOp: "_boolop", ast.Compare: "_compare",
                ast.IfExp: "_ifexp", ast.Subscript: "_subscript", ast.Attribute: "_attribute", ast.Call: "_call"}

    def __init__(self, source: str, names: frozenset[str] | None, functions: dict[str, Function]):
        self.lines = source.split("\n")
        self.names = names
        self.functions = functions
        self.free: set[str] = set()

    def offset(self, line: int, column: int, in_bytes: bool = True) -> int:
        """0-based offset in the source of a 1-based line and a column."""
        index = min(max(line - 1, 0), len(self.lines) - 1)
        text = self.lines[index]
        if in_bytes:  # ast columns count UTF-8 bytes
            column = len(text.encode()[:column].decode("utf-8", "ignore"))
        return sum(len(before) + 1 for before in self.lines[:index]) + min(column, len(text))

    def fail(self, node: ast.AST, message: str) -> NoReturn:
        raise ExpressionError(message, self.offset(node.lineno, node.col_offset))

    def check_size(self, root: ast.expr) -> None:
        """Refuse expressions too big or too deep before anything recurses over them.

        The same walk gives each node the line numbers of the source: the parser read
        it after an added first line (see ``_parse``), and a second walk of the tree
        (``ast.increment_lineno``) took a third of the time of compiling an expression.
        """
        count, stack = 0, [(root, 1)]
        while stack:
            node, depth = stack.pop()
            line = getattr(node, "lineno", None)
            if line is not None:
                node.lineno = line - 1
                if node.end_lineno is not None:
                    node.end_lineno -= 1
            count += 1
            if count > MAX_NODES:
                self.fail(root, f"expression is too complex (more than {MAX_NODES} parts)")
            if depth > MAX_DEPTH:
                self.fail(node, f"expression is nested too deeply (more than {MAX_DEPTH} levels)")
            children = ast.iter_child_nodes(node)
            stack.extend((child, depth + 1) for child in children if not isinstance(child, _OPERATOR_NODES))

    def compile(self, node: ast.AST) -> _Run:
        method = self._METHODS.get(type(node))
        if method is None:
            self.fail(node, f"{_REJECTED.get(type(node), type(node).__name__ + ' expressions')} are not allowed")
        return getattr(self, method)(node)

    def _constant(self, node: ast.Constant) -> _Run:
        value = node.value
        if value is Ellipsis:
            self.fail(node, "'...' (Ellipsis) is not allowed")
        if not (value is None or isinstance(value, bool | int | float | str)):
            self.fail(node, f"{type(value).__name__} literals are not allowed")
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                _checked(value)
            except ExpressionError as error:
                self.fail(node, error.message)
        return lambda ctx: value

    def _name(self, node: ast.Name) -> _Run:
        name = node.id
        if name.startswith("__"):
            self.fail(node, f"name '{name}' is not allowed")
        if self.names is not None and name not in self.names:
            self.fail(node, f"unknown name '{name}'{_suggest(name, self.names)}")
        self.free.add(name)
        return lambda ctx: ctx.values.get(name)

    def _list(self, node: ast.List | ast.Tuple) -> _Run:
        items = [self.compile(element) for element in node.elts]
        build = list if isinstance(node, ast.List) else tuple
        return lambda ctx: build([item(ctx) for item in items])

    def _binop(self, node: ast.BinOp) -> _Run:
        op = type(node.op)
        if op is ast.Pow:
            return self._pow(node)
        if op not in _BINARY:
            self.fail(node, f"operator '{_SYMBOLS.get(op, op.__name__)}' is not allowed")
        if op is ast.Mod and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            self.fail(node, "text formatting with '%' is not allowed")
        left, right, apply = self.compile(node.left), self.compile(node.right), _BINARY[op]

        def run(ctx: _Context) -> Any:
            a, b = left(ctx), right(ctx)
            return None if a is None or b is None else apply(a, b)

        return run

    def _pow(self, node: ast.BinOp) -> _Run:
        exponent = node.right
        sign = 1
        if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub | ast.UAdd):
            sign = -1 if isinstance(exponent.op, ast.USub) else 1
            exponent = exponent.operand
        if not (isinstance(exponent, ast.Constant) and isinstance(exponent.value, int | float)):
            self.fail(node, "'**' is only allowed with a constant exponent, e.g. x ** 2")
        value = sign * exponent.value
        if abs(value) > MAX_EXPONENT:
            self.fail(node, f"exponent {value} is too large for '**' (at most {MAX_EXPONENT})")
        base = self.compile(node.left)
        return lambda ctx: _power(base(ctx), value)

    def _unaryop(self, node: ast.UnaryOp) -> _Run:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda ctx: not operand(ctx)
        if isinstance(node.op, ast.Invert):
            self.fail(node, "operator '~' is not allowed")
        sign = -1 if isinstance(node.op, ast.USub) else 1
        return lambda ctx: _negate(operand(ctx), sign)

    def _boolop(self, node: ast.BoolOp) -> _Run:
        first, *rest = [self.compile(value) for value in node.values]
        stop_when = bool(isinstance(node.op, ast.Or))  # `or` stops at a truthy value, `and` at a falsy one

        def run(ctx: _Context) -> Any:
            value = first(ctx)
            for operand in rest:
                if bool(value) == stop_when:
                    return value
                value = operand(ctx)
            return value

        return run

    def _compare(self, node: ast.Compare) -> _Run:
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            pair = operands[i], operands[i + 1]
            if isinstance(op, ast.Is | ast.IsNot) and not any(
                    isinstance(x, ast.Constant) and x.value is None for x in pair):
                self.fail(node, "'is' is only allowed with None (x is None, x is not None)")
        first, *others = [self.compile(operand) for operand in operands]
        steps = list(zip([_COMPARE[type(op)] for op in node.ops], others, strict=True))

        def run(ctx: _Context) -> Any:
            left, result = first(ctx), None
            for compare, operand in steps:
                right = operand(ctx)
                ctx.charge(right)
                result = compare(left, right)
                if not result:
                    return result
                left = right
            return result

        return run

    def _ifexp(self, node: ast.IfExp) -> _Run:
        test, body, orelse = self.compile(node.test), self.compile(node.body), self.compile(node.orelse)
        return lambda ctx: body(ctx) if test(ctx) else orelse(ctx)

    def _subscript(self, node: ast.Subscript) -> _Run:
        if isinstance(node.slice, ast.Slice | ast.Tuple):
            self.fail(node, "slices (x[a:b]) are not allowed, only one index: x[0]")
        value, index = self.compile(node.value), self.compile(node.slice)
        return lambda ctx: _item(value(ctx), index(ctx))

    def _attribute(self, node: ast.Attribute) -> _Run:
        name = node.attr
        if name in _DATE_METHODS:
            self.fail(node, f"'.{name}' must be called: write '.{name}()'")
        if name not in _DATE_PARTS:
            self.fail(node, f"attribute access '.{name}' is not allowed ({_DATE_HELP})")
        if isinstance(node.value, ast.Attribute):
            self.fail(node, "attribute chains (a.b.c) are not allowed")
        value, part = self.compile(node.value), _DATE_PARTS[name]
        return lambda ctx: _date_part(value(ctx), name, part)

    def _call(self, node: ast.Call) -> _Run:
        if isinstance(node.func, ast.Attribute):
            return self._method(node, node.func)
        if not isinstance(node.func, ast.Name):
            self.fail(node, "only named functions can be called, e.g. len(x)")
        name = node.func.id
        function = self.functions.get(name)
        if function is None:
            hint = "" if name.startswith("_") else _suggest(name, self.functions)
            self.fail(node, f"function '{name}' is not allowed{hint}")
        self._check_arguments(node, function)
        args = [self.compile(arg) for arg in node.args]
        return lambda ctx: _invoke(ctx, function, [arg(ctx) for arg in args])

    def _check_arguments(self, node: ast.Call, function: Function) -> None:
        for keyword in node.keywords:
            self.fail(keyword, "'**' arguments are not allowed" if keyword.arg is None
                      else f"keyword arguments are not allowed ('{keyword.arg}=')")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.fail(arg, "'*' arguments are not allowed")
        given, low, high = len(node.args), function.min_args, function.max_args
        if given < low or (high is not None and given > high):
            expected = str(low) if low == high else f"at least {low}" if high is None else f"{low} to {high}"
            self.fail(node, f"{function.name}() takes {expected} argument{'s' * (expected != '1')}, {given} given")

    def _method(self, node: ast.Call, attribute: ast.Attribute) -> _Run:
        name = attribute.attr
        if name not in _DATE_METHODS:
            hint = f"; use {name}(x) instead" if name in self.functions else ""
            self.fail(node, f"method call '.{name}()' is not allowed ({_DATE_HELP}{hint})")
        if node.args or node.keywords:
            self.fail(node, f"'.{name}()' takes no arguments")
        if isinstance(attribute.value, ast.Attribute):
            self.fail(node, "attribute chains (a.b.c) are not allowed")
        value, method = self.compile(attribute.value), _DATE_METHODS[name]
        return lambda ctx: _date_part(value(ctx), name, method)


def _item(value: Any, index: Any) -> Any:
    """``tags[0]``: lists only, a whole-number index, None when out of range."""
    if value is None or index is None:
        return None
    if not isinstance(value, _SEQUENCE):
        raise ExpressionError(f"only lists can be indexed, not {_kind(value)}")
    if isinstance(index, bool) or not isinstance(index, int):
        raise ExpressionError(f"a list index must be a whole number, not {_kind(index)}")
    return value[index] if -len(value) <= index < len(value) else None


def _invoke(ctx: _Context, function: Function, args: list[Any]) -> Any:
    for arg in args:
        ctx.charge(arg)
    try:
        return function.func(*args)
    except ExpressionError:
        raise
    except Exception as error:  # a plugin's bug or a bad value must not escape as a traceback
        raise ExpressionError(f"{function.name}() failed: {error}") from error


def _parse(source: str, compiler: _Compiler) -> ast.Expression:
    """Parse inside parentheses (so YAML block scalars may span lines) and refuse unbalanced ones.

    The tree's line numbers count the added first line; ``check_size`` moves them back.
    """
    try:
        tree = ast.parse(f"(\n{source}\n)", mode="eval")
    except SyntaxError as error:
        line, column = (error.lineno or 2) - 1, (error.offset or 1) - 1
        raise ExpressionError(f"syntax error: {error.msg}", compiler.offset(line, column, in_bytes=False)) from None
    except (RecursionError, MemoryError, ValueError) as error:
        raise ExpressionError(f"expression cannot be parsed: {error or 'too complex'}") from None
    root = tree.body
    if root.lineno < 2 or (root.end_lineno or 0) > len(compiler.lines) + 1:
        message = "values separated by commas must be in brackets: [a, b]" \
            if isinstance(root, ast.Tuple) else "syntax error: unbalanced parentheses"
        raise ExpressionError(message, 0)
    return tree  # its line numbers count the added "(" line until check_size moves them back


class Expression:
    """A compiled expression; immutable, safe to share and to evaluate from many threads.

    ``source`` is the text, ``names`` the free names it reads (never function names)
    and ``tree`` the validated ``ast.Expression`` (line numbers are the source's).
    """

    __slots__ = ("source", "names", "tree", "_run")

    def __init__(self, source: str, names: frozenset[str], tree: ast.Expression, run: _Run):
        self.source, self.names, self.tree, self._run = source, names, tree, run

    def evaluate(self, values: Mapping[str, Any] | None, *, now: datetime | None = None) -> Any:
        """Evaluate against ``values`` (field name -> value; missing names read as None).

        ``now`` fixes what ``now()`` and ``today()`` return (a naive ``now`` is taken
        as UTC; default: the current UTC time). Raises ExpressionError, never
        TypeError, ZeroDivisionError or OverflowError.
        """
        token = _NOW.set(now)
        try:
            return self._run(_Context(values if values is not None else {}))
        except ExpressionError:
            raise
        except ZeroDivisionError:
            raise ExpressionError("division by zero") from None
        except OverflowError:
            raise ExpressionError("number or date out of range") from None
        except Exception as error:  # e.g. decimal.InvalidOperation, or a value's own __eq__ failing
            raise ExpressionError(f"cannot evaluate {self.source!r}: {error}") from error
        finally:
            _NOW.reset(token)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def compile_expression(source: str, names: Collection[str] | None = None,
                       functions: Mapping[str, Callable[..., Any] | Function] | None = None) -> Expression:
    """Parse, validate and compile ``source`` into an :class:`Expression`.

    ``names`` are the free names allowed (e.g. the entity's fields plus ``id`` and
    ``current_user``); ``None`` allows any name (a missing one reads as None).
    ``functions`` are extra functions, by name, added to (or replacing)
    :data:`BUILTIN_FUNCTIONS`. Raises ExpressionError with a message and the
    0-based offset of the problem, e.g. "unknown name 'amout' (did you mean 'amount'?)".
    """
    if not isinstance(source, str):
        raise ExpressionError(f"an expression must be text, not {type(source).__name__}")
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(f"expression is too long ({len(source):,} characters, at most {MAX_SOURCE_LENGTH:,})")
    if not source.strip():
        raise ExpressionError("expression is empty", 0)
    compiler = _Compiler(source, None if names is None else frozenset(names), _function_table(functions))
    tree = _parse(source, compiler)
    compiler.check_size(tree.body)
    run = compiler.compile(tree.body)
    return Expression(source, frozenset(compiler.free), tree, run)


@functools.lru_cache(maxsize=1024)
def _compile_cached(source: str) -> Expression:
    return compile_expression(source)


def evaluate(source: str, values: Mapping[str, Any] | None, **kw: Any) -> Any:
    """Compile ``source`` (cached, any name allowed, built-in functions only) and evaluate it.

    ``kw`` goes to :meth:`Expression.evaluate` (``now=``).
    """
    if not isinstance(source, str):
        raise ExpressionError(f"an expression must be text, not {type(source).__name__}")
    return _compile_cached(source).evaluate(values, **kw)
