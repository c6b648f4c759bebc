"""The expression language as a YAML author sees it: values in, a result (or a clear error) out."""

import ast
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import trellis.expr.evaluator as expr
from trellis.expr import (
    BUILTIN_FUNCTIONS,
    Expression,
    ExpressionError,
    Function,
    compile_expression,
    evaluate,
)

DEAL_FIELDS = {"name", "amount", "probability", "stage", "close_date", "created_at", "tags", "owner", "current_user"}


def run(source, **values):
    return compile_expression(source, names=DEAL_FIELDS | set(values)).evaluate(values)


def error_of(source, names=None, **values):
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source, names=names).evaluate(values)
    return caught.value


# --- None ---------------------------------------------------------------------------


def test_arithmetic_with_a_missing_field_gives_none():
    assert run("amount * probability / 100", probability=50) is None


def test_arithmetic_with_all_fields_present_gives_a_number():
    assert run("amount * probability / 100", amount=2000, probability=50) == 1000


def test_ordering_comparison_with_none_gives_none_which_is_falsy():
    assert run("close_date < today()") is None
    assert run("'late' if close_date < today() else 'ok'") == "ok"


def test_chained_comparison_with_none_gives_none():
    assert run("1 < amount < 10") is None


def test_equality_with_none_works_as_in_python():
    assert run("amount == None") is True
    assert run("amount != None", amount=0) is True


def test_is_none_and_is_not_none_check_for_a_missing_value():
    assert run("owner is None") is True
    assert run("owner is not None", owner=7) is True


def test_and_or_not_follow_python_truthiness_and_return_operands():
    assert run("name or 'Unnamed'", name="") == "Unnamed"
    assert run("name and upper(name)", name="ann") == "ANN"
    assert run("not amount") is True


def test_value_functions_of_none_give_none():
    assert run("lower(name)") is None
    assert run("upper(name)") is None
    assert run("len(tags)") is None
    assert run("round(amount, 2)") is None
    assert run("year(close_date)") is None


def test_date_part_of_none_gives_none():
    assert run("close_date.year") is None
    assert run("created_at.date()") is None


def test_coalesce_returns_the_first_value_that_is_not_none():
    assert run("coalesce(amount, probability, 0)", probability=0.5) == 0.5
    assert run("coalesce(amount, probability)") is None


def test_in_with_a_missing_list_is_false_and_not_in_is_true():
    assert run("'vip' in tags") is False
    assert run("'vip' not in tags") is True


def test_min_and_max_skip_none():
    assert run("min(amount, 5, 3)") == 3
    assert run("max(amount, probability)") is None


def test_negating_none_gives_none():
    assert run("-amount") is None


# --- Decimals -----------------------------------------------------------------------


def test_decimal_and_int_combine_into_a_decimal():
    assert run("amount * 2", amount=Decimal("10.50")) == Decimal("21.00")


def test_decimal_and_float_combine_exactly_through_the_floats_text():
    result = run("amount + 0.2", amount=Decimal("0.1"))
    assert result == Decimal("0.3") and isinstance(result, Decimal)


def test_decimal_equals_the_float_written_the_same_way():
    assert run("amount == 0.1", amount=Decimal("0.1")) is True


def test_division_by_zero_is_an_expression_error():
    assert error_of("amount / 0", amount=5).message == "division by zero"


def test_decimal_division_by_zero_is_an_expression_error():
    assert error_of("amount / 0", amount=Decimal("5")).message == "division by zero"
    assert error_of("amount % 0", amount=Decimal("0")).message == "division by zero"


def test_huge_integer_results_are_refused():
    assert "too large" in error_of("amount * amount", amount=10**20).message


def test_power_with_a_small_constant_exponent_works():
    assert run("amount ** 2", amount=12) == 144
    assert run("amount ** -1", amount=4) == 0.25


def test_power_of_a_negative_number_to_a_fraction_is_refused():
    assert "not a real number" in error_of("amount ** 0.5", amount=-8).message


# --- Dates --------------------------------------------------------------------------

NOW = datetime(2024, 3, 15, 9, 30, tzinfo=UTC)


def test_date_plus_days_is_a_date():
    assert run("close_date + days(3)", close_date=date(2024, 2, 28)) == date(2024, 3, 2)


def test_date_minus_date_is_a_number_of_days():
    assert run("close_date - created_at", close_date=date(2024, 3, 10), created_at=date(2024, 3, 1)) == timedelta(9)


def test_whole_days_between_dates_come_from_floor_division_by_one_day():
    assert run("(close_date - created_at) // days(1)", close_date=date(2024, 3, 10), created_at=date(2024, 3, 1)) == 9


def test_today_uses_the_now_given_to_evaluate():
    assert compile_expression("today()").evaluate({}, now=NOW) == date(2024, 3, 15)


def test_today_follows_the_timezone_of_the_given_now():
    late_evening = datetime(2024, 3, 15, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert compile_expression("today()").evaluate({}, now=late_evening) == date(2024, 3, 15)


def test_now_is_timezone_aware():
    assert compile_expression("now()").evaluate({}).tzinfo is not None
    assert compile_expression("now()").evaluate({}, now=datetime(2024, 1, 1)).tzinfo is UTC


def test_now_and_today_default_to_the_current_time():
    before = datetime.now(UTC)
    assert before <= compile_expression("now()").evaluate({}) <= datetime.now(UTC)


def test_overdue_deal_is_found_with_date_arithmetic():
    overdue = compile_expression("stage != 'won' and close_date < today() - days(7)", names=DEAL_FIELDS)
    assert overdue.evaluate({"stage": "open", "close_date": date(2024, 3, 1)}, now=NOW) is True
    assert overdue.evaluate({"stage": "open", "close_date": date(2024, 3, 10)}, now=NOW) is False


def test_date_compared_with_datetime_uses_the_datetimes_date():
    assert run("close_date == created_at", close_date=date(2024, 3, 15), created_at=NOW) is True
    assert run("close_date < created_at", close_date=date(2024, 3, 14), created_at=NOW) is True


def test_naive_datetime_is_taken_as_utc_when_compared_with_an_aware_one():
    naive = datetime(2024, 3, 15, 9, 0)
    assert compile_expression("created_at < now()").evaluate({"created_at": naive}, now=NOW) is True


def test_date_parts_read_year_month_day_hour_minute():
    values = {"created_at": datetime(2024, 3, 15, 9, 30)}
    source = "[created_at.year, created_at.month, created_at.day, created_at.hour, created_at.minute]"
    assert compile_expression(source).evaluate(values) == [2024, 3, 15, 9, 30]


def test_weekday_and_date_methods_work_on_date_values():
    assert run("created_at.weekday()", created_at=datetime(2024, 3, 15, 9, 30)) == 4
    assert run("created_at.date()", created_at=datetime(2024, 3, 15, 9, 30)) == date(2024, 3, 15)
    assert run("close_date.date()", close_date=date(2024, 3, 15)) == date(2024, 3, 15)


def test_year_and_month_functions_read_date_parts():
    assert run("[year(close_date), month(close_date)]", close_date=date(2024, 3, 15)) == [2024, 3]


def test_date_part_of_text_is_an_expression_error():
    assert "'.year' needs a date" in error_of("name.year", name="x").message


def test_hour_of_a_plain_date_is_an_expression_error():
    assert "'.hour' needs a date-time" in error_of("close_date.hour", close_date=date(2024, 1, 1)).message


# --- Text ---------------------------------------------------------------------------


def test_text_is_joined_with_plus():
    assert run("'Call ' + name", name="Ann") == "Call Ann"


def test_adding_text_and_a_number_is_a_clear_error():
    assert error_of("'Call ' + amount", amount=5).message == "cannot add text and number"


def test_comparing_text_with_a_number_is_a_clear_error():
    assert error_of("name < 5", name="a").message == "cannot compare text and number"


def test_lower_and_upper_handle_cyrillic():
    assert run("upper(name)", name="Привет") == "ПРИВЕТ"
    assert run("lower(name)", name="ПРИВЕТ") == "привет"


def test_lower_and_upper_leave_persian_unchanged():
    assert run("upper(name)", name="سلام") == "سلام"


def test_contains_ignores_case():
    assert run("contains(name, 'acme')", name="ACME Corp") is True
    assert run("contains(name, 'ооо')", name="ООО Ромашка") is True


def test_contains_checks_list_membership():
    assert run("contains(tags, 'VIP')", tags=["vip", "new"]) is True
    assert run("contains(tags, 3)", tags=[1, 2]) is False


def test_contains_of_a_missing_value_is_false():
    assert run("contains(name, 'a')") is False


def test_in_looks_for_a_substring_in_text():
    assert run("'Corp' in name", name="ACME Corp") is True


def test_in_looks_for_a_value_in_a_literal_list():
    assert run("stage in ['won', 'lost']", stage="won") is True
    assert run("stage not in ('won', 'lost')", stage="open") is True


def test_text_repetition_is_limited():
    assert run("name * 3", name="ab") == "ababab"
    assert "too long" in error_of("name * 20000", name="ab").message


def test_text_concatenation_is_limited():
    assert "too long" in error_of("name + name", name="x" * 6000).message


def test_percent_on_text_is_refused_as_formatting():
    assert "formatting" in error_of("name % amount", name="%s", amount=1).message


def test_text_function_given_a_number_is_a_clear_error():
    assert error_of("lower(amount)", amount=3).message == "lower() needs text, got number"


# --- Functions ----------------------------------------------------------------------


def test_builtin_functions_are_the_documented_set():
    assert set(BUILTIN_FUNCTIONS) == {
        "len", "round", "min", "max", "abs", "today", "now", "days", "lower", "upper", "contains", "year",
        "month", "coalesce",
    }


def test_len_round_min_max_abs_behave_as_in_python():
    assert run("[len(name), len(tags)]", name="abc", tags=[1, 2]) == [3, 2]
    assert run("[round(2.675, 2), round(2.5), round(1234, -2)]") == [2.67, 2, 1200]
    assert run("[min(3, 1, 2), max([4, 9, 2]), abs(-5)]") == [1, 9, 5]


def test_round_keeps_decimals_exact():
    assert run("round(amount, 1)", amount=Decimal("2.25")) == Decimal("2.2")


def test_round_refuses_an_absurd_number_of_digits():
    assert "digits" in error_of("round(amount, 100000)", amount=5).message


def test_min_of_dates_and_datetimes_compares_by_date():
    assert run("min(close_date, created_at)", close_date=date(2024, 1, 1), created_at=NOW) == date(2024, 1, 1)


def test_wrong_number_of_arguments_is_a_compile_error():
    assert error_of("len(name, 2)").message == "len() takes 1 argument, 2 given"
    assert error_of("contains(name)").message == "contains() takes 2 arguments, 1 given"


def test_plugin_function_given_as_a_callable_can_be_called():
    double = compile_expression("double(amount)", names={"amount"}, functions={"double": lambda x: x * 2})
    assert double.evaluate({"amount": 21}) == 42


def test_plugin_function_arity_comes_from_its_signature():
    def score(amount, weight=1):
        return amount * weight

    with pytest.raises(ExpressionError, match="takes 1 to 2 arguments, 3 given"):
        compile_expression("score(1, 2, 3)", functions={"score": score})


def test_plugin_function_given_as_a_function_object_is_arity_checked():
    plugin = {"points": Function("points", lambda amount: amount // 100, min_args=1, max_args=1)}
    assert compile_expression("points(amount)", functions=plugin).evaluate({"amount": 1234}) == 12
    with pytest.raises(ExpressionError, match="takes 1 argument"):
        compile_expression("points()", functions=plugin)


def test_plugin_function_that_fails_gives_an_expression_error():
    def broken(x):
        raise KeyError(x)

    expression = compile_expression("broken(1)", functions={"broken": broken})
    with pytest.raises(ExpressionError, match=r"broken\(\) failed"):
        expression.evaluate({})


def test_plugin_functions_are_not_available_to_other_expressions():
    compile_expression("double(1)", functions={"double": lambda x: x * 2})
    with pytest.raises(ExpressionError, match="function 'double' is not allowed"):
        compile_expression("double(1)")


def test_unknown_function_is_refused_with_a_suggestion():
    error = error_of("lenght(name)")
    assert error.message == "function 'lenght' is not allowed (did you mean 'len'?)"
    assert error.offset == 0


# --- Names, errors and the compiled object -------------------------------------------


def test_unknown_name_is_refused_with_a_suggestion_and_its_offset():
    error = error_of("amount > 0 and amout < 5", names={"amount", "stage"})
    assert error.message == "unknown name 'amout' (did you mean 'amount'?)"
    assert error.offset == 15


def test_offset_counts_characters_not_bytes():
    assert error_of("'Привет' + amout", names={"amount"}).offset == 11


def test_offset_points_into_later_lines_of_a_multiline_expression():
    source = "amount > 0 and\n  amout < 5"
    assert error_of(source, names={"amount"}).offset == source.index("amout")


def test_unknown_name_without_a_close_match_has_no_suggestion():
    assert error_of("zzz", names={"amount"}).message == "unknown name 'zzz'"


def test_any_name_is_allowed_when_names_is_none_and_reads_as_none_when_missing():
    assert compile_expression("whatever is None").evaluate({}) is True


def test_names_lists_the_free_names_read_but_not_functions():
    expression = compile_expression("len(name) > 0 and amount > coalesce(min_amount, 0)")
    assert expression.names == frozenset({"name", "amount", "min_amount"})


def test_source_and_tree_are_kept_for_later_translation():
    expression = compile_expression("amount > 10")
    assert isinstance(expression, Expression)
    assert expression.source == "amount > 10"
    assert isinstance(expression.tree, ast.Expression)
    assert isinstance(expression.tree.body, ast.Compare)
    assert expression.tree.body.lineno == 1


def test_syntax_error_is_an_expression_error_with_an_offset():
    error = error_of("amount > > 3")
    assert error.message.startswith("syntax error")
    assert error.offset == 9


def test_empty_expression_is_refused():
    assert error_of("   ").message == "expression is empty"


def test_non_text_source_is_refused():
    with pytest.raises(ExpressionError, match="must be text"):
        compile_expression(42)


def test_multiline_expression_from_a_yaml_block_is_allowed():
    assert run("amount > 0 and\n  stage == 'won'\n", amount=1, stage="won") is True


def test_leading_spaces_are_allowed():
    assert run("   amount + 1", amount=1) == 2


def test_unbalanced_parentheses_cannot_escape_the_wrapping():
    assert "unbalanced parentheses" in error_of(") + (").message
    assert "unbalanced parentheses" in error_of("amount) or (stage").message


def test_bare_comma_separated_values_ask_for_brackets():
    assert "brackets" in error_of("1, 2").message


def test_list_index_reads_an_item_and_out_of_range_gives_none():
    assert run("tags[0]", tags=["vip"]) == "vip"
    assert run("tags[-1]", tags=["a", "b"]) == "b"
    assert run("tags[5]", tags=["vip"]) is None


def test_indexing_text_is_refused():
    assert "only lists can be indexed" in error_of("name[0]", name="abc").message


def test_a_list_index_must_be_a_whole_number():
    assert "whole number" in error_of("tags['a']", tags=[1]).message


def test_if_else_picks_a_branch():
    assert run("'big' if amount > 1000 else 'small'", amount=5000) == "big"


def test_chained_comparison_works_as_in_python():
    assert run("1 < amount <= 10", amount=10) is True
    assert run("1 < amount <= 10", amount=11) is False


def test_scanning_a_huge_list_exceeds_the_step_budget():
    with pytest.raises(ExpressionError, match="too long to evaluate"):
        compile_expression("'x' in tags").evaluate({"tags": list(range(200_000))})


def test_an_error_raised_by_a_values_own_comparison_becomes_an_expression_error():
    class Weird:
        def __eq__(self, other):
            raise RuntimeError("boom")

    with pytest.raises(ExpressionError, match="boom"):
        compile_expression("owner == 1").evaluate({"owner": Weird()})


def test_date_arithmetic_out_of_range_is_an_expression_error():
    with pytest.raises(ExpressionError, match="out of range"):
        compile_expression("close_date + days(10000000)").evaluate({"close_date": date(2024, 1, 1)})


def test_an_expression_can_be_evaluated_many_times_with_different_values():
    expression = compile_expression("amount * 2", names={"amount"})
    assert [expression.evaluate({"amount": n}) for n in range(3)] == [0, 2, 4]


# --- evaluate() --------------------------------------------------------------------


def test_evaluate_compiles_and_evaluates_in_one_call():
    assert evaluate("amount + 1", {"amount": 1}) == 2


def test_evaluate_passes_now_through():
    assert evaluate("today()", {}, now=NOW) == date(2024, 3, 15)


def test_evaluate_compiles_the_same_source_only_once(monkeypatch):
    calls = []
    real = expr.compile_expression
    monkeypatch.setattr(expr, "compile_expression", lambda source: calls.append(source) or real(source))
    source = "amount * 3 + 17 - 17  # cached"
    assert evaluate(source, {"amount": 2}) == 6
    assert evaluate(source, {"amount": 3}) == 9
    assert calls == [source]


def test_evaluate_raises_the_same_error_every_time_for_a_bad_source():
    for _ in range(2):
        with pytest.raises(ExpressionError, match="not allowed"):
            evaluate("open('x')", {})
