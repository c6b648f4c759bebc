"""Quotes, orders, the forecast and targets of the sales plugin, through the record service."""

from datetime import date
from decimal import Decimal

import pytest
from trellis import ValidationError
from trellis_plugins.sales.forecast import target_progress, weighted_pipeline


@pytest.fixture
def contact(records):
    return records.create("contact", {"first_name": "Ada", "last_name": "Lovelace"})


@pytest.fixture
def product(records):
    return records.create("product", {"code": "ENG-1", "name": "Difference engine", "price": 100, "tax": 20})


@pytest.fixture
def quote(records, contact):
    return records.create("quote", {"name": "Q-1", "contact": contact.id})


def total(records, quote):
    return records.get("quote", quote.id)["total"]


def test_a_quote_line_takes_its_products_name_and_price(records, quote, product):
    line = records.create("quote_line", {"quote": quote.id, "product": product.id, "qty": 3})
    stored = records.get("quote_line", line.id)
    assert (stored["description"], stored["price"], stored["line_total"]) == (
        "Difference engine", Decimal("100"), Decimal("300"))


def test_a_line_total_applies_the_discount(records, quote):
    line = records.create("quote_line", {"quote": quote.id, "description": "Gears", "qty": 4, "price": 25,
                                         "discount": 10})
    assert records.get("quote_line", line.id)["line_total"] == Decimal("90")


def test_a_quote_total_follows_its_lines_on_create_update_and_delete(records, quote, product):
    first = records.create("quote_line", {"quote": quote.id, "product": product.id, "qty": 2})
    second = records.create("quote_line", {"quote": quote.id, "description": "Setup", "qty": 1, "price": 50})
    assert total(records, quote) == Decimal("250")
    records.update("quote_line", first.id, {"qty": 5})
    assert total(records, quote) == Decimal("550")
    records.delete("quote_line", second.id)
    assert total(records, quote) == Decimal("500")


def test_a_quote_without_lines_cannot_be_sent(records, quote):
    with pytest.raises(ValidationError):
        records.transition("quote", quote.id, "send")


def test_accepting_a_quote_creates_exactly_one_order(records, quote, product):
    records.create("quote_line", {"quote": quote.id, "product": product.id, "qty": 2})
    records.transition("quote", quote.id, "send")
    records.transition("quote", quote.id, "accept")
    orders = list(records.query("order").filter(quote=quote.id).iterate())
    assert len(orders) == 1
    assert (orders[0]["amount"], orders[0]["name"]) == (Decimal("200"), "Order: Q-1")
    with pytest.raises(ValidationError):
        records.transition("quote", quote.id, "accept")
    assert records.query("order").count()[0] == 1


def test_rejecting_a_quote_creates_no_order(records, quote, product):
    records.create("quote_line", {"quote": quote.id, "product": product.id, "qty": 1})
    records.transition("quote", quote.id, "send")
    records.transition("quote", quote.id, "reject")
    assert records.query("order").count()[0] == 0


def deal(records, contact, amount, stage_moves, close, **values):
    created = records.create("deal", {"name": f"Deal {amount}", "contact": contact.id, "amount": amount,
                                      "close_date": close, **values})
    for move in stage_moves:
        created = records.transition("deal", created.id, move)
    return created


def test_the_forecast_weighs_open_deals_by_month(records, contact):
    deal(records, contact, 1000, [], date(2030, 1, 10))                        # new: 10 % -> 100
    deal(records, contact, 2000, ["qualify"], date(2030, 1, 20))               # 30 % -> 600
    deal(records, contact, 500, ["qualify", "propose"], date(2030, 2, 1))      # 60 % -> 300
    deal(records, contact, 9000, ["qualify", "win"], date(2030, 2, 5))         # won: not in the forecast
    deal(records, contact, 4000, [], None)                                     # no close date: left out
    assert weighted_pipeline(records) == [("2030-01", Decimal("700"), 2), ("2030-02", Decimal("300"), 1)]


def test_the_forecast_can_be_limited_to_a_period(records, contact):
    deal(records, contact, 1000, [], date(2030, 1, 10))
    deal(records, contact, 1000, [], date(2030, 3, 10))
    assert [m for m, _, _ in weighted_pipeline(records, start=date(2030, 2, 1))] == ["2030-03"]


def test_won_deals_count_against_the_owners_target_in_its_period(records, contact):
    ann = records.create("user", {"email": "ann@example.com", "name": "Ann"})
    bob = records.create("user", {"email": "bob@example.com", "name": "Bob"})
    deal(records, contact, 3000, ["qualify", "win"], date(2030, 1, 15), owner=ann.id)
    deal(records, contact, 2000, ["qualify", "win"], date(2030, 3, 31), owner=ann.id)
    deal(records, contact, 7000, ["qualify", "win"], date(2030, 4, 1), owner=ann.id)   # after the period
    deal(records, contact, 5000, ["qualify", "win"], date(2030, 2, 1), owner=bob.id)    # someone else's
    deal(records, contact, 4000, ["qualify"], date(2030, 2, 1), owner=ann.id)           # not won
    records.create("sales_target", {"name": "Q1", "user": ann.id, "period_start": date(2030, 1, 1),
                                    "period_end": date(2030, 3, 31), "amount": 10000})
    [progress] = target_progress(records)
    assert (progress.won, progress.amount, progress.percent) == (Decimal("5000"), Decimal("10000"), 50)


def test_a_target_needs_a_salesperson_or_a_team(records):
    with pytest.raises(ValidationError) as error:
        records.create("sales_target", {"name": "Nobody", "period_start": date(2030, 1, 1),
                                        "period_end": date(2030, 3, 31), "amount": 1})
    assert "user" in error.value.fields


def test_a_team_target_counts_the_won_deals_of_every_member(records, contact):
    team = records.create("team", {"name": "North"})
    ann = records.create("user", {"email": "ann@example.com", "name": "Ann", "team": team.id})
    cid = records.create("user", {"email": "cid@example.com", "name": "Cid", "team": team.id})
    outsider = records.create("user", {"email": "out@example.com", "name": "Out"})
    for owner, amount in ((ann, 1000), (cid, 500), (outsider, 9000)):
        deal(records, contact, amount, ["qualify", "win"], date(2030, 6, 1), owner=owner.id)
    records.create("sales_target", {"name": "North H1", "team": team.id, "period_start": date(2030, 1, 1),
                                    "period_end": date(2030, 6, 30), "amount": 3000})
    [progress] = target_progress(records)
    assert (progress.who, progress.won, progress.percent) == ("North", Decimal("1500"), 50)


def report_rows(app, name):
    """The rows of a report's CSV download, as an administrator sees them."""
    import csv
    import io

    from trellis.testing.web import signed_in_client

    client = signed_in_client(app, f"{name}@example.com")
    answer = client.get(f"/reports/{name}.csv")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return list(csv.reader(io.StringIO(answer.get_data(as_text=True))))[1:]


def test_the_pipeline_by_stage_counts_and_sums_every_stage_in_order(trellis_app, records, contact):
    deal(records, contact, 1000, [], None)
    deal(records, contact, 500, [], None)
    deal(records, contact, 2000, ["qualify"], None)
    rows = report_rows(trellis_app, "pipeline_by_stage")
    assert rows[:3] == [["New", "1500.00", "2"], ["Qualified", "2000.00", "1"], ["Proposal", "", "0"]]
    assert [row[0] for row in rows] == ["New", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]


def test_lost_deals_are_grouped_by_reason(trellis_app, records, contact):
    price = records.create("lost_reason", {"name": "Price"})
    timing = records.create("lost_reason", {"name": "Timing"})
    for amount, reason in ((100, price), (200, price), (50, timing)):
        created = deal(records, contact, amount, [], None)
        records.transition("deal", created.id, "lose", {"lost_reason": reason.id})
    assert report_rows(trellis_app, "lost_by_reason") == [["Price", "2", "300.00"], ["Timing", "1", "50.00"]]


def test_lead_sources_count_leads_and_conversions_by_their_labels(trellis_app, records):
    for source in ("web_form", "web_form", "referral"):
        records.create("lead", {"last_name": "X", "source": source})
    converted = records.create("lead", {"last_name": "Y", "source": "referral"})
    records.transition("lead", records.transition("lead", converted.id, "qualify").id, "convert")
    assert report_rows(trellis_app, "lead_sources") == [["Referral", "2", "1", "0.5000"],
                                                        ["Web form", "2", "0", "0.0000"]]
