"""Earning through the write path, end to end over HTTP, with the source's programme in YAML.

A salesperson's manager records orders through the REST API; delivering (paying) an
order earns its points, cancelling it reverses them and voids the vouchers they gave.
"""

import pytest
from trellis.testing.api import bearer, new_user

ORDERS = [1000, 1200, 800, 300, 950, 1000]  # $5,250


@pytest.fixture
def api(trellis_app):
    client = trellis_app.test_client()
    headers = bearer(trellis_app, new_user(trellis_app, "manager@example.com", role="sales_manager"))

    def call(method, url, body=None):
        answer = client.open(url, method=method, json=body, headers=headers)
        assert answer.status_code < 300, answer.get_json()
        return answer.get_json()

    return call


@pytest.fixture
def ann(api):
    return api("POST", "/api/v1/contact", {"first_name": "Ann", "last_name": "Lee"})["id"]


def place(api, contact, amount, status="delivered"):
    order = api("POST", "/api/v1/order", {"name": f"Order {amount}", "contact": contact, "amount": amount})
    if status != "open":
        api("PATCH", f"/api/v1/order/{order['id']}", {"status": status})
    return order["id"]


def ledger(records, **conditions):
    return list(records.query("loyalty_entry").filter(**conditions).order_by("id").iterate())


def vouchers(records, **conditions):
    return list(records.query("loyalty_voucher").filter(**conditions).order_by("id").iterate())


def account_of(records, contact):
    return records.query("loyalty_account").filter(contact=contact).first()


def test_orders_of_5250_dollars_earn_5250_points_five_ten_percent_vouchers_and_two_more(api, ann, records):
    orders = [place(api, ann, amount) for amount in ORDERS]
    account = account_of(records, ann)
    assert (account["balance"], account["earned"]) == (5250, 5250)
    assert [(e["order"], e["kind"], e["points"]) for e in ledger(records)] == [
        (order, "earned", amount) for order, amount in zip(orders, ORDERS, strict=True)]
    issued = vouchers(records, status="active")
    assert [(v["reward"], v["percent"]) for v in issued] == [("ten_percent", 10)] * 5 + [("two_vouchers", 10)] * 2
    # Each voucher names the order whose points crossed its threshold (the 5th order crossed 4,000 and 5,000).
    assert [v["order"] for v in issued] == [orders[0], orders[1], orders[2], orders[4], orders[5],
                                           orders[5], orders[5]]
    assert len({v["code"] for v in issued}) == 7 and all(len(v["code"]) == 14 for v in issued)


def test_an_open_order_earns_nothing_until_it_is_delivered(api, ann, records):
    order = place(api, ann, 700, status="open")
    assert ledger(records) == []
    api("PATCH", f"/api/v1/order/{order}", {"status": "invoiced"})
    assert [e["points"] for e in ledger(records)] == [700]


def test_one_order_crossing_several_thresholds_gives_each_reward_once(api, ann, records):
    place(api, ann, 5250)
    assert [v["reward"] for v in vouchers(records)] == ["ten_percent"] * 5 + ["two_vouchers"] * 2
    assert [v["crossing"] for v in vouchers(records, reward="ten_percent")] == [1, 2, 3, 4, 5]


def test_cancelling_a_300_dollar_order_reverses_its_points_and_the_unredeemed_vouchers_it_triggered(api, ann,
                                                                                                     records):
    orders = [place(api, ann, amount) for amount in ORDERS]
    api("PATCH", f"/api/v1/order/{orders[3]}", {"status": "cancelled"})
    account = account_of(records, ann)
    assert (account["balance"], account["earned"]) == (4950, 4950)
    assert [(e["kind"], e["points"]) for e in ledger(records, order=orders[3])] == [("earned", 300),
                                                                                   ("reversed", -300)]
    # 4,950 points: four 10% vouchers and no 5,000-point ones are left.
    assert [v["reward"] for v in vouchers(records, status="active")] == ["ten_percent"] * 4
    assert [v["reward"] for v in vouchers(records, status="void")] == ["ten_percent"] + ["two_vouchers"] * 2


def test_a_reduced_order_reverses_exactly_the_difference(api, ann, records):
    order = place(api, ann, 1200)
    api("PATCH", f"/api/v1/order/{order}", {"amount": 900})
    assert [(e["kind"], e["points"]) for e in ledger(records)] == [("earned", 1200), ("reversed", -300)]
    assert account_of(records, ann)["balance"] == 900


def test_resaving_and_replaying_the_order_events_three_times_earns_once(api, ann, records):
    orders = [place(api, ann, amount) for amount in ORDERS]
    for _ in range(3):  # a retry and an offline sync send the same events again
        for order, amount in zip(orders, ORDERS, strict=True):
            api("PATCH", f"/api/v1/order/{order}", {"status": "delivered", "amount": amount})
            api("PATCH", f"/api/v1/order/{order}", {"name": f"Order {amount} (synced)"})
    assert len(ledger(records)) == 6 and account_of(records, ann)["balance"] == 5250
    assert len(vouchers(records)) == 7


def test_the_ledger_is_append_only(api, ann, records):
    from trellis import ValidationError

    place(api, ann, 100)
    (entry,) = ledger(records)
    with pytest.raises(ValidationError):
        records.update("loyalty_entry", entry.id, {"points": 1000})
    with pytest.raises(ValidationError):
        records.delete("loyalty_entry", entry.id)
    assert account_of(records, ann)["balance"] == 100
