"""Automations: the birthday bonus (a date-relative YAML automation) and the "close to a reward" email."""

from datetime import UTC, date, datetime, time

import pytest
from trellis.automation import emails_for
from trellis.automation.schedule import tick

PROGRAMME = """\
loyalty: standard
earn_on: [delivered]
near_reward_email: 100
rewards:
  ten_percent: {every: 1000, voucher: {percent: 10}}
"""


@pytest.fixture
def programme_yaml():
    return PROGRAMME


def test_the_birthday_bonus_gives_100_points_once_on_the_birthday(trellis_app, records):
    today = date.today()
    ann = records.create("contact", {"first_name": "Ann", "last_name": "Lee",
                                     "birthday": today.replace(year=1990) if (today.month, today.day) != (2, 29)
                                     else date(1990, 2, 28)})
    morning = datetime.combine(today, time(9, 0), tzinfo=UTC)
    tick(trellis_app, morning)
    tick(trellis_app, morning.replace(minute=1))
    entries = list(records.query("loyalty_entry").iterate())
    assert [(e["kind"], e["points"], e["note"]) for e in entries] == [("earned", 100, "birthday")]
    assert records.query("loyalty_account").filter(contact=ann.id).first()["balance"] == 100


def test_a_member_who_comes_within_100_points_of_a_reward_gets_one_email(trellis_app, records):
    ann = records.create("contact", {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"})
    for amount in (850, 60, 20):  # 850: 150 to go; 910: 90 to go (email); 930: still close, no second email
        order = records.create("order", {"name": "Order", "contact": ann.id, "amount": amount})
        records.update("order", order.id, {"status": "delivered"})
    account = records.query("loyalty_account").filter(contact=ann.id).first()
    with trellis_app.app_context():
        mails = emails_for(trellis_app, "loyalty_account", account.id)
    assert [(m["recipient"], m["subject"]) for m in mails] == [
        ("ann@example.com", "You are 90 points from your next reward")]
