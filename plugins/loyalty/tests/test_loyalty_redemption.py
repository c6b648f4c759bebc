"""Redeeming a voucher or points on an order: ``POST /api/v1/loyalty/redeem`` and what it refuses."""

from trellis.testing.api import bearer, new_user


def test_a_voucher_becomes_a_discount_line_on_the_order(cashier, world, records):
    answer = cashier({"order": world["order"].id, "voucher": world["voucher"]["code"]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["discount"], body["points"], body["voucher"], body["balance"]) == ("20.00", 0,
                                                                                    world["voucher"]["code"], 1000)
    line = records.get("order_line", body["order_line"])
    assert (line["order"], line["price"], line["line_total"]) == (world["order"].id, -20, -20)
    assert records.get("order", world["order"].id)["lines_total"] == -20
    voucher = records.get("loyalty_voucher", world["voucher"].id)
    assert (voucher["status"], voucher["redeemed_order"]) == ("redeemed", world["order"].id)


def test_points_are_spent_at_the_programmes_point_value(cashier, world, records):
    answer = cashier({"order": world["order"].id, "card": world["account"]["card_number"], "points": 600})
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["discount"], answer.get_json()["balance"]) == ("6.00", 400)
    assert records.get("loyalty_account", world["account"].id)["balance"] == 400
    entry = records.query("loyalty_entry").filter(kind="redeemed").first()
    assert (entry["points"], entry["order"]) == (-600, world["order"].id)


def test_spending_more_than_the_balance_is_refused_with_a_clear_error(cashier, world, records):
    answer = cashier({"order": world["order"].id, "account": world["account"].id, "points": 1001})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"] == {"points": "Only 1000 points left"}
    assert records.query("order_line").count()[0] == 0


def test_a_used_voucher_is_refused(cashier, world):
    body = {"order": world["order"].id, "voucher": world["voucher"]["code"]}
    assert cashier(body, key="first").status_code == 200
    again = cashier(body, key="second")
    assert again.status_code == 422
    assert again.get_json()["error"]["fields"] == {"voucher": "This voucher has already been used"}


def test_the_same_idempotency_key_answers_the_same_and_redeems_once(cashier, world, records):
    body = {"order": world["order"].id, "card": world["account"]["card_number"], "points": 100}
    answers = [cashier(body, key="till-7-0042") for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 3
    assert answers[0].get_json() == answers[1].get_json() == answers[2].get_json()
    assert records.get("loyalty_account", world["account"].id)["balance"] == 900


def test_a_key_reused_for_another_redemption_is_refused(cashier, world):
    cashier({"order": world["order"].id, "account": world["account"].id, "points": 100}, key="same")
    answer = cashier({"order": world["order"].id, "account": world["account"].id, "points": 200}, key="same")
    assert answer.status_code == 422 and "key" in answer.get_json()["error"]["fields"]


def test_a_request_without_an_idempotency_key_is_refused(cashier, world):
    answer = cashier({"order": world["order"].id, "account": world["account"].id, "points": 1}, key=None)
    assert answer.status_code == 422 and "Idempotency-Key" in answer.get_json()["error"]["fields"]


def test_numbers_are_bounded_before_use(cashier, world):
    for body in ({"order": 10**30, "account": world["account"].id, "points": 1},
                 {"order": world["order"].id, "account": world["account"].id, "points": 10**30},
                 {"order": world["order"].id, "account": world["account"].id, "points": -5}):
        assert cashier(body, key=str(body)).status_code == 422


def test_a_voucher_of_another_customer_is_refused(cashier, world, records):
    bob = records.create("contact", {"first_name": "Bob", "last_name": "Ray"})
    bobs = records.create("order", {"name": "Bob's", "contact": bob.id, "amount": 50})
    answer = cashier({"order": bobs.id, "voucher": world["voucher"]["code"]})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"] == {
        "account": "This account belongs to another customer than the order"}


def test_without_a_token_or_the_role_nothing_is_redeemed(cashier, trellis_app, world, records):
    body = {"order": world["order"].id, "voucher": world["voucher"]["code"]}
    assert trellis_app.test_client().post("/api/v1/loyalty/redeem", json=body).status_code == 401
    salesperson = bearer(trellis_app, new_user(trellis_app, "rep@example.com", role="salesperson"))
    assert cashier(body, role_headers=salesperson).status_code == 403
    assert records.get("loyalty_voucher", world["voucher"].id)["status"] == "active"
