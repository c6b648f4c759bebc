"""Earning rules beyond "per dollar", all YAML: per order, per product, miles by distance, referral and sign-up.

Each test writes its programme (and, where needed, the organisation's own fields or
automation) as YAML in the organisation's layer, then records orders and contacts
through the record service, as the form or the API would.
"""

from pathlib import Path

import pytest

PROGRAMME = """\
loyalty: standard
earn_on: [delivered]
earn:
  per_unit: 1
  per_order: 25
  products: {ESPRESSO: 10, BEANS-1KG: 50}
tiers:
  silver: {from: 0}
  gold: {from: 1000, multiplier: 2}
"""


@pytest.fixture
def programme_yaml():
    return PROGRAMME


@pytest.fixture
def ann(records):
    return records.create("contact", {"first_name": "Ann", "last_name": "Lee"}).id


def entries(records, **conditions):
    return [(e["kind"], e["points"]) for e in records.query("loyalty_entry").filter(**conditions).order_by("id")
            .iterate()]


def order_with_lines(records, contact, amount, lines):
    order = records.create("order", {"name": "Till", "contact": contact, "amount": amount})
    for code, qty in lines:
        product = records.query("product").filter(code=code).first() or records.create(
            "product", {"name": code.title(), "code": code, "price": 3})
        records.create("order_line", {"order": order.id, "product": product.id, "qty": qty, "price": 3})
    return order


def test_an_order_earns_per_dollar_per_order_and_per_product_bought(records, ann):
    order = order_with_lines(records, ann, 40, [("ESPRESSO", 2), ("BEANS-1KG", 1), ("MUG", 4)])
    records.update("order", order.id, {"status": "delivered"})
    # 40 × 1 + 25 for the order + 2 × 10 + 1 × 50 (a mug earns nothing of its own)
    assert entries(records, order=order.id) == [("earned", 135)]


def test_a_returned_line_reverses_its_product_points_and_resaving_changes_nothing(records, ann):
    order = order_with_lines(records, ann, 40, [("ESPRESSO", 2), ("BEANS-1KG", 1)])
    records.update("order", order.id, {"status": "delivered"})
    beans = records.query("order_line").filter(order=order.id).order_by("-id").first()
    records.delete("order_line", beans.id)            # the bag of beans is brought back...
    records.update("order", order.id, {"amount": 37})  # ...and its $3 refunded
    records.update("order", order.id, {"name": "Till (synced)"})
    assert entries(records, order=order.id) == [("earned", 135), ("reversed", -50), ("reversed", -3)]


def test_the_tier_multiplier_applies_to_every_rule(records, ann):
    first = order_with_lines(records, ann, 975, [])
    records.update("order", first.id, {"status": "delivered"})     # 1,000 points: gold from now on
    second = order_with_lines(records, ann, 10, [("ESPRESSO", 1)])
    records.update("order", second.id, {"status": "delivered"})
    assert entries(records, order=second.id) == [("earned", (10 + 25 + 10) * 2)]


class TestMiles:
    """An airline's programme: miles by the distance flown, a field the organisation adds to orders."""

    @pytest.fixture
    def programme_yaml(self):
        return "loyalty: skymiles\nkind: miles\nearn_on: [delivered]\nearn: {field: distance, per_unit: 1}\n"

    @pytest.fixture
    def trellis_config(self, trellis_config):
        (Path(trellis_config["ORG_DIR"]) / "metadata" / "flights.yaml").write_text(
            "extends: order\nfields:\n  distance: {type: integer, min: 0, max: 40000}\n", encoding="utf-8")
        return trellis_config

    def test_a_flight_earns_its_distance_in_miles(self, records, ann):
        flight = records.create("order", {"name": "SOF-LHR", "contact": ann, "amount": 180, "distance": 1260})
        records.update("order", flight.id, {"status": "delivered"})
        # The shipped points programme earns its dollars; the airline's programme its miles.
        miles = records.query("loyalty_account").filter(contact=ann, program="skymiles").first()
        points = records.query("loyalty_account").filter(contact=ann, program="standard").first()
        assert (miles["balance"], points["balance"]) == (1260, 180)


def test_a_referral_gives_the_referrer_200_points_once_per_referred_contact(records, ann):
    for name in ("Bob", "Cem"):
        records.create("contact", {"first_name": name, "last_name": "Ng", "referred_by": ann})
    records.create("contact", {"first_name": "Dee", "last_name": "Ng"})
    account = records.query("loyalty_account").filter(contact=ann).first()
    assert entries(records, account=account.id) == [("earned", 200), ("earned", 200)]
    assert records.query("loyalty_account").count()[0] == 1


class TestSignUp:
    """A sign-up bonus is the organisation's YAML automation with the plugin's action."""

    @pytest.fixture
    def trellis_config(self, trellis_config):
        (Path(trellis_config["ORG_DIR"]) / "metadata" / "signup.yaml").write_text(
            "automation: signup_bonus\nentity: contact\ntrigger: {on: [create]}\n"
            "actions:\n  - add_points: {points: 50, reason: signup}\n", encoding="utf-8")
        return trellis_config

    def test_a_new_contact_starts_with_50_points(self, records):
        bob = records.create("contact", {"first_name": "Bob", "last_name": "Ng"})
        account = records.query("loyalty_account").filter(contact=bob.id).first()
        assert account["balance"] == 50


@pytest.mark.parametrize(("change", "error"), [
    ("per_order: 25", "loyalty.yaml:5:14: error: 'per_order' of 'earn' of a loyalty programme must be a number"),
    ("BEANS-1KG: 50", "loyalty.yaml:6:39: error: 'BEANS-1KG' of 'products' of 'earn' of a loyalty programme"
                      " must be a number"),
])
def test_negative_rule_points_are_errors_at_their_line(check, tmp_path, change, error):
    wrong = change.split(": ")[0] + ": -" + change.split(": ")[1]
    result = check(tmp_path, PROGRAMME.replace(change, wrong))
    assert result.returncode == 1
    assert error in result.stdout, result.stdout
