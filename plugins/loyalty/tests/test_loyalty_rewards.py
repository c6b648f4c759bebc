"""Rewards a member buys with points (a fixed or percent discount, a free product), over the redeem API."""

from decimal import Decimal

import pytest

PROGRAMME = """\
loyalty: standard
earn_on: [delivered]
rewards:
  ten_percent: {every: 1000, voucher: {percent: 10}}
  five_off: {cost: 400, discount: {amount: 5}}
  tenth_off: {cost: 700, discount: {percent: 10}}
  free_coffee: {cost: 250, free_product: ESPRESSO}
"""


@pytest.fixture
def programme_yaml():
    return PROGRAMME


@pytest.fixture
def espresso(records):
    return records.create("product", {"name": "Espresso", "code": "ESPRESSO", "price": "2.80"})


def lines(records, order):
    return [(line.get("product"), line["price"], line["discount"], line["line_total"])
            for line in records.query("order_line").filter(order=order.id).order_by("id").iterate()]


def balance(records, account):
    return records.get("loyalty_account", account.id)["balance"]


def test_a_fixed_discount_costs_its_points_and_becomes_a_discount_line(cashier, world, records):
    answer = cashier({"order": world["order"].id, "account": world["account"].id, "reward": "five_off"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() | {"order_line": None} == {
        "order": world["order"].id, "order_line": None, "discount": "5.00", "points": 400, "voucher": None,
        "reward": "five_off", "balance": 600, "redemption": answer.get_json()["redemption"]}
    assert lines(records, world["order"]) == [(None, -5, 0, -5)]
    assert balance(records, world["account"]) == 600


def test_a_percent_discount_is_taken_off_the_orders_amount(cashier, world, records):
    answer = cashier({"order": world["order"].id, "account": world["account"].id, "reward": "tenth_off"})
    assert answer.get_json()["discount"] == "20.00"   # 10% of $200
    assert balance(records, world["account"]) == 300


def test_a_free_product_is_its_line_at_a_100_percent_discount(cashier, world, records, espresso):
    answer = cashier({"order": world["order"].id, "account": world["account"].id, "reward": "free_coffee"})
    assert answer.status_code == 200, answer.get_json()
    assert lines(records, world["order"]) == [(espresso.id, Decimal("2.80"), 100, 0)]
    assert balance(records, world["account"]) == 750


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"reward": "ten_percent"}, "reward", "This programme has no reward of this name to buy with points"),
    ({"reward": "gold_bar"}, "reward", "This programme has no reward of this name to buy with points"),
    ({"reward": "five_off", "points": 10}, "reward", "A reward is redeemed on its own"),
    ({"reward": "free_coffee"}, "reward", "The product of this reward is not on sale"),
])
def test_what_cannot_be_bought_is_refused_and_nothing_is_spent(cashier, world, records, body, field, message):
    answer = cashier({"order": world["order"].id, "account": world["account"].id, **body})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"] == {field: message}
    assert balance(records, world["account"]) == 1000 and lines(records, world["order"]) == []


def test_a_reward_beyond_the_balance_is_refused(cashier, world, records):
    assert cashier({"order": world["order"].id, "account": world["account"].id, "reward": "tenth_off"},
                   key="a").status_code == 200
    answer = cashier({"order": world["order"].id, "account": world["account"].id, "reward": "tenth_off"}, key="b")
    assert answer.get_json()["error"]["fields"] == {"points": "Only 300 points left"}
    assert balance(records, world["account"]) == 300


@pytest.mark.parametrize(("reward", "error"), [
    ("five_off: {every: 400, discount: {amount: 5}}",
     "loyalty.yaml:5:26: error: reward 'five_off' is given every N points: it gives a 'voucher'"),
    ("five_off: {cost: 400, voucher: {amount: 5}}",
     "loyalty.yaml:5:25: error: reward 'five_off' is bought with points: it gives a 'discount' or a 'free_product'"),
    ("five_off: {discount: {amount: 5}}",
     "loyalty.yaml:5:13: error: reward 'five_off' needs either 'every' (given every N points earned) or 'cost'"),
    ("five_off: {cost: 0, discount: {amount: 5}}",
     "loyalty.yaml:5:20: error: 'cost' of reward 'five_off' must be at least 1"),
])
def test_a_reward_that_makes_no_sense_is_an_error_at_its_line(check, tmp_path, reward, error):
    result = check(tmp_path, PROGRAMME.replace("five_off: {cost: 400, discount: {amount: 5}}", reward))
    assert result.returncode == 1
    assert error in result.stdout, result.stdout
