"""The loyalty dashboard: reports (YAML, the core ``report:`` kind) over the ledger, accounts and vouchers."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest

PROGRAMME = """\
loyalty: standard
earn_on: [delivered]
rewards:
  ten_percent: {every: 1000, voucher: {percent: 10}}
tiers:
  silver: {from: 0}
  gold: {from: 2000}
"""


@pytest.fixture
def programme_yaml():
    return PROGRAMME


@pytest.fixture
def members(records):
    """Ann (gold: 2,500 points, one voucher of two redeemed) and Bob (silver: 1,200 points, one voucher)."""
    amounts = {"Ann": [(date(2026, 10, 5), 1500), (date(2026, 11, 9), 1000)], "Bob": [(date(2026, 11, 20), 1200)]}
    accounts = {}
    for name, orders in amounts.items():
        contact = records.create("contact", {"first_name": name, "last_name": "Lee"})
        for day, amount in orders:
            order = records.create("order", {"name": "Paid", "contact": contact.id, "amount": amount,
                                             "order_date": day})
            records.update("order", order.id, {"status": "delivered"})
        accounts[name] = records.query("loyalty_account").filter(contact=contact.id).first()
    basket = records.create("order", {"name": "Basket", "contact": accounts["Ann"]["contact"], "amount": 100})
    voucher = records.query("loyalty_voucher").filter(account=accounts["Ann"].id).first()
    records.create("loyalty_redemption", {"key": "r1", "account": accounts["Ann"].id, "order": basket.id,
                                          "voucher": voucher.id})
    records.create("loyalty_redemption", {"key": "r2", "account": accounts["Ann"].id, "order": basket.id,
                                          "points": 300})
    return accounts


def table(client, name):
    """The report's CSV, numbers as Decimals (PostgreSQL's sum of integers reads "1500.00", SQLite's "1500")."""
    answer = client.get(f"/reports/{name}.csv")
    assert answer.status_code == 200, answer.status_code
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    return rows[:1] + [[Decimal(cell) if re.fullmatch(r"-?[0-9.]+", cell) else cell for cell in row]
                       for row in rows[1:]]


def test_points_issued_and_redeemed_by_month(client_as, members):
    rows = table(client_as("loyalty_manager"), "loyalty_points_by_month")
    assert rows[0] == ["Date", "Issued", "Redeemed", "Expired"]
    by_month = {row[0]: row[1:] for row in rows[1:]}
    assert by_month["Oct 2026"] == [1500, "", ""]
    assert by_month["Nov 2026"] == [2200, "", ""]
    assert [row[2] for row in rows[1:] if row[0] not in ("Oct 2026", "Nov 2026")] == [-300]


def test_members_and_outstanding_points_by_tier(client_as, members):
    rows = table(client_as("loyalty_manager"), "loyalty_members_by_tier")
    assert sorted(rows[1:]) == [["gold", 1, 2200], ["silver", 1, 1200]]


def test_the_voucher_redemption_rate(client_as, members):
    rows = table(client_as("loyalty_manager"), "loyalty_voucher_redemption")
    assert rows[1:] == [["ten_percent", Decimal("0.3333"), 3, 1]]  # Ann's two vouchers and Bob's one; Ann used one


def test_the_dashboard_is_the_loyalty_managers(client_as, members):
    page = client_as("loyalty_manager").get("/dashboards/loyalty")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") >= 3 and "Voucher redemption rate" in html
    assert client_as("cashier").get("/dashboards/loyalty").status_code == 404
    assert client_as("cashier").get("/reports/loyalty_members_by_tier.csv").status_code == 404
