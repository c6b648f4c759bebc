"""``trellis demo``'s loyalty records: a programme with tiers and a year of orders for the demo contacts."""

import pytest


@pytest.fixture
def programme_yaml():
    return ""  # the shipped programme (tiers, expiry) is the one in use


def test_demo_data_gives_the_demo_contacts_a_year_of_points(trellis_app, records):
    from trellis.demo import load_demo_data

    load_demo_data(trellis_app)
    accounts = list(records.query("loyalty_account").iterate())
    assert len(accounts) >= 8
    assert all(account["balance"] > 0 and account["tier"] in ("silver", "gold", "platinum") for account in accounts)
    dated = {entry["dated"].month for entry in records.query("loyalty_entry").filter(kind="earned").iterate()}
    assert len(dated) >= 11
    assert records.query("loyalty_voucher").count()[0] > 0
