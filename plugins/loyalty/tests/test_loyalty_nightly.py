"""Tiers (rolling 12 months, multipliers, downgrade) and expiry (oldest first, a reminder before), on a fixed clock.

The nightly job runs through the scheduler's ``tick`` at a time the test chooses;
orders are dated relative to today so that earning (which uses the real date) and
the job agree whatever day the tests run.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from trellis.automation import emails_for
from trellis.automation.schedule import tick
from trellis_plugins.loyalty.nightly import months_before

PROGRAMME = """\
loyalty: standard
earn_on: [delivered]
tiers:
  silver: {from: 0}
  gold: {from: 2000, multiplier: 2}
expiry: {months: 12, remind_days: 30}
"""

BASE = date.today()


@pytest.fixture
def programme_yaml():
    return PROGRAMME


def at(day: date) -> datetime:
    return datetime.combine(day, time(2, 30), tzinfo=UTC)


def earn(records, contact, amount, days_ago=None, day=None):
    order = records.create("order", {"name": f"Order {amount}", "contact": contact, "amount": amount,
                                     "order_date": day or BASE - timedelta(days=days_ago)})
    records.update("order", order.id, {"status": "delivered"})
    return order


@pytest.fixture
def ann(records):
    return records.create("contact", {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"})


def account(records, contact):
    return records.query("loyalty_account").filter(contact=contact.id).first()


def test_an_earn_raises_the_tier_and_the_next_orders_earn_at_its_multiplier(records, ann):
    earn(records, ann, 1500, days_ago=300)
    assert account(records, ann)["tier"] == "silver"
    earn(records, ann, 1000, days_ago=200)  # earned as silver, then 2,500 points in 12 months: gold
    assert account(records, ann)["tier"] == "gold"
    earn(records, ann, 100, days_ago=10)
    assert account(records, ann)["balance"] == 1500 + 1000 + 200


def test_points_older_than_12_months_do_not_count_towards_a_tier(records, ann):
    earn(records, ann, 2500, days_ago=400)
    assert account(records, ann)["tier"] == "silver"


def test_the_nightly_job_downgrades_expires_oldest_first_and_reminds_once(trellis_app, records, ann):
    earn(records, ann, 1500, days_ago=300)
    earn(records, ann, 1000, days_ago=200)
    earn(records, ann, 100, days_ago=10)                       # gold: 200 points
    night = BASE + timedelta(days=100)
    reminder_day = months_before(night, 12) + timedelta(days=30)
    earn(records, ann, 50, day=reminder_day)                   # gold: 100 points, expiring in 30 days
    card = account(records, ann)
    records.create("loyalty_redemption", {"key": "spend", "account": card.id, "points": 400,
                                          "order": earn(records, ann, 1, days_ago=1).id})
    assert account(records, ann)["balance"] == 1500 + 1000 + 200 + 100 + 2 - 400

    tick(trellis_app, at(night))

    after = account(records, ann)
    # 12 months back from the night: 1,000 + 200 + 100 + 2 points, under gold's 2,000.
    assert after["tier"] == "silver"
    # The 1,500 oldest points were dated before the cut-off; the 400 spent came out of them first.
    expired = list(records.query("loyalty_entry").filter(kind="expired").iterate())
    assert [e["points"] for e in expired] == [-1100]
    assert after["balance"] == 1500 + 1000 + 200 + 100 + 2 - 400 - 1100
    with trellis_app.app_context():
        mails = emails_for(trellis_app, "loyalty_account", card.id)
    assert [(m["recipient"], m["subject"]) for m in mails] == [
        ("ann@example.com", f"100 loyalty points expire on {(night + timedelta(days=30)).isoformat()}")]

    tick(trellis_app, at(night + timedelta(days=1)))          # the next night: nothing more is due
    assert account(records, ann)["balance"] == after["balance"]
    with trellis_app.app_context():
        assert len(emails_for(trellis_app, "loyalty_account", card.id)) == 1


def test_expiry_never_takes_the_balance_below_zero(trellis_app, records, ann):
    earn(records, ann, 300, days_ago=400)
    tick(trellis_app, at(BASE))
    assert account(records, ann)["balance"] == 0
    tick(trellis_app, at(BASE + timedelta(days=1)))
    assert len(list(records.query("loyalty_entry").filter(kind="expired").iterate())) == 1
