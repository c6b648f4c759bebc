"""Property tests: on the subset it shares with Python, the evaluator agrees with Python.

Python's own ``eval`` is the oracle here, on sources generated from a small
grammar of numbers, booleans, x/y/z, arithmetic, comparisons, and/or/not and
if/else. Sizes are bounded (integers within ±1000, at most 8 leaves) so that
no result can pass the evaluator's number limit.
"""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from trellis.expr import ExpressionError, compile_expression

NAMES = ("x", "y", "z")
INTS = st.integers(min_value=-1000, max_value=1000)
FLOATS = st.integers(min_value=-8000, max_value=8000).map(lambda n: n / 8)  # exact, never tiny
NUMBERS = st.one_of(INTS, FLOATS, st.booleans())
VALUES = st.fixed_dictionaries({name: NUMBERS for name in NAMES})

ARITHMETIC = ["+", "-", "*", "/", "//", "%"]
COMPARISONS = ["<", "<=", ">", ">=", "==", "!="]


def literal(value):
    return f"({value!r})"


LEAVES = st.one_of(NUMBERS.map(literal), st.sampled_from(NAMES))


def combine(children):
    binary = st.tuples(children, st.sampled_from(ARITHMETIC + COMPARISONS + ["and", "or"]), children)
    chained = st.tuples(children, st.sampled_from(COMPARISONS), children, st.sampled_from(COMPARISONS), children)
    return st.one_of(
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "+", "not "]), children).map(lambda t: f"({t[0]}{t[1]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        chained.map(lambda t: f"({t[0]} {t[1]} {t[2]} {t[3]} {t[4]})"),
    )


EXPRESSIONS = st.recursive(LEAVES, combine, max_leaves=8)


def python_outcome(source, values):
    try:
        result = eval(source, {"__builtins__": {}}, dict(values))  # the oracle; sources come from the grammar above
    except ZeroDivisionError:
        return ("error", "division by zero")
    return ("value", type(result), repr(result))


def trellis_outcome(source, values):
    try:
        result = compile_expression(source, names=NAMES).evaluate(values)
    except ExpressionError as error:
        return ("error", error.message)
    return ("value", type(result), repr(result))


@settings(max_examples=400, deadline=None)
@given(EXPRESSIONS, VALUES)
def test_evaluator_agrees_with_python_on_numbers_logic_and_comparisons(source, values):
    assert trellis_outcome(source, values) == python_outcome(source, values)


@settings(deadline=None)
@given(st.one_of(st.integers(-50, 50), FLOATS.filter(lambda f: abs(f) <= 50)), st.integers(-4, 4))
def test_power_with_a_small_constant_exponent_agrees_with_python(base, exponent):
    source = f"x ** {exponent}"
    assert trellis_outcome(source, {"x": base}) == python_outcome(source, {"x": base})


@given(st.sampled_from(ARITHMETIC), NUMBERS, st.booleans())
def test_arithmetic_with_a_missing_operand_gives_none(operator, number, missing_on_left):
    source = f"x {operator} {literal(number)}" if missing_on_left else f"{literal(number)} {operator} x"
    assert compile_expression(source).evaluate({}) is None


@given(st.sampled_from(["<", "<=", ">", ">="]), NUMBERS)
def test_ordering_against_a_missing_value_gives_none(operator, number):
    assert compile_expression(f"x {operator} {literal(number)}").evaluate({}) is None


@given(st.decimals(min_value=-10**6, max_value=10**6, places=2), st.integers(-1000, 1000))
def test_decimal_arithmetic_with_ints_stays_exact(amount, count):
    result = compile_expression("amount * count + amount").evaluate({"amount": amount, "count": count})
    assert result == amount * count + amount and isinstance(result, Decimal)


TOKENS = [
    "x", "y", "name", "1", "2.5", "0", "'a'", "None", "True", "(", ")", "[", "]", ",", ".", "+", "-", "*", "/",
    "//", "%", "**", "<", "==", "and", "or", "not", "if", "else", "in", "is", "len", "round", "min", "today",
    "days", "contains", "coalesce", "year", "date", "__class__", "format", "lambda", ":", "for", "{", "}",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25), st.sampled_from([0, 3, "abc", None, [1, 2]]))
def test_any_token_soup_either_compiles_or_fails_with_an_expression_error(tokens, value):
    try:
        expression = compile_expression(" ".join(tokens))
    except ExpressionError:
        return
    try:
        expression.evaluate({"x": value, "y": date(2024, 1, 1), "name": "Ann"})
    except ExpressionError:
        pass
