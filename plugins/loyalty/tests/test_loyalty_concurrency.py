"""Redemptions sent at the same moment, over a real threaded HTTP server (one connection per request).

Runs on SQLite and, with ``TRELLIS_TEST_POSTGRES`` set, on PostgreSQL: the voucher is
used once, the balance is never overspent, and one Idempotency-Key redeems once.
"""

import json
import threading
import urllib.error
import urllib.request

import pytest
from trellis import system_records
from trellis.testing.api import api_app, bearer, new_user


@pytest.fixture
def programme_yaml(source_programme):
    """The source's programme, and a $5 discount members buy for 400 points."""
    return source_programme + "  five_off: {cost: 400, discount: {amount: 5}}\n"


@pytest.fixture
def served(trellis_config):
    """``(app, URL of POST /api/v1/loyalty/redeem, the cashier's headers)``."""
    from trellis.data.database import db
    from werkzeug.serving import make_server

    app = api_app(trellis_config)
    headers = bearer(app, new_user(app, "till@example.com", role="cashier"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}/api/v1/loyalty/redeem", headers
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


def member(app, points):
    """A contact whose delivered order earned ``points``, an open order of $500, their account and vouchers."""
    with app.app_context():
        records = system_records("test")
        ann = records.create("contact", {"first_name": "Ann", "last_name": "Lee"})
        paid = records.create("order", {"name": "Paid", "contact": ann.id, "amount": points})
        records.update("order", paid.id, {"status": "delivered"})
        basket = records.create("order", {"name": "Basket", "contact": ann.id, "amount": 500})
        account = records.query("loyalty_account").filter(contact=ann.id).first()
        vouchers = list(records.query("loyalty_voucher").filter(account=account.id).iterate())
        return basket.id, account, vouchers


def post(url, headers, key, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={**headers, "Idempotency-Key": key,
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def in_parallel(count, work):
    """``work(index)`` in ``count`` threads released together; their results."""
    results = [None] * count
    start = threading.Barrier(count)

    def run(index):
        start.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


def counted(app, entity, **conditions):
    with app.app_context():
        return system_records("test").query(entity).filter(**conditions).count()[0]


def test_fifty_parallel_redemptions_of_one_voucher_let_exactly_one_through(served):
    app, url, headers = served
    order, account, (voucher,) = member(app, 1000)
    results = in_parallel(50, lambda i: post(url, headers, f"till-{i}", {"order": order, "voucher": voucher["code"]}))
    assert sorted(status for status, _ in results) == [200] + [422] * 49, results
    assert all(body["error"]["fields"] == {"voucher": "This voucher has already been used"}
               for status, body in results if status == 422)
    assert counted(app, "order_line", order=order) == 1
    assert counted(app, "loyalty_voucher", status="redeemed") == 1


def test_twenty_parallel_spends_of_60_from_100_points_let_exactly_one_through(served):
    app, url, headers = served
    order, account, _ = member(app, 100)
    results = in_parallel(20, lambda i: post(url, headers, f"spend-{i}",
                                             {"order": order, "account": account.id, "points": 60}))
    assert sorted(status for status, _ in results) == [200] + [422] * 19, results
    assert all(body["error"]["fields"] == {"points": "Only 40 points left"}
               for status, body in results if status == 422)
    with app.app_context():
        assert system_records("test").get("loyalty_account", account.id)["balance"] == 40
    assert counted(app, "loyalty_entry", kind="redeemed") == 1


def test_one_idempotency_key_sent_ten_times_in_parallel_redeems_once_and_answers_the_same(served):
    app, url, headers = served
    order, account, (voucher,) = member(app, 1000)
    body = {"order": order, "voucher": voucher["code"]}
    results = in_parallel(10, lambda i: post(url, headers, "pos-17-retry", body))
    assert [status for status, _ in results] == [200] * 10, results
    assert all(body == results[0][1] for _, body in results)
    assert counted(app, "loyalty_redemption") == 1 and counted(app, "order_line", order=order) == 1


def test_twenty_parallel_purchases_of_a_400_point_reward_from_1000_points_let_exactly_two_through(served):
    app, url, headers = served
    order, account, _ = member(app, 1000)
    results = in_parallel(20, lambda i: post(url, headers, f"buy-{i}",
                                             {"order": order, "account": account.id, "reward": "five_off"}))
    assert sorted(status for status, _ in results) == [200] * 2 + [422] * 18, results
    with app.app_context():
        assert system_records("test").get("loyalty_account", account.id)["balance"] == 200
    assert counted(app, "order_line", order=order) == 2
