"""The analytics plugin (and sales, which it depends on) in every test here.

``analytics_yaml`` (default: none, so the plugin's shipped settings apply) is written to
the organisation's ``metadata/analytics.yaml``; a test overrides the fixture to try other settings.
"""

from datetime import date, timedelta
from pathlib import Path

import pytest
import trellis_plugins.analytics
import trellis_plugins.sales


@pytest.fixture
def analytics_yaml():
    return None


@pytest.fixture
def trellis_config(trellis_config, analytics_yaml):
    if analytics_yaml is not None:
        (Path(trellis_config["ORG_DIR"]) / "metadata" / "analytics.yaml").write_text(analytics_yaml, encoding="utf-8")
    return {**trellis_config, "EXTRA_PLUGINS": [trellis_plugins.sales, trellis_plugins.analytics]}


TODAY = date(2026, 6, 30)
"""The day the tests compute on (the job takes it; orders are dated before it)."""
ORDERS = {  # name: [(days ago, amount)]
    "Ann": [(10, 100)],
    "Bob": [(250, 50), (200, 50)],
    "Cat": [(40, 200), (20, 100)],
    "Dan": [(300, 100), (200, 100), (10, 100)],
    "Eve": [(50, 100), (40, 100), (30, 100), (20, 100), (5, 100)],
}


def _order(records, contact, days_ago, amount, status="delivered"):
    created = records.create("order", {"name": f"{contact['last_name']} {days_ago}", "contact": contact.id,
                                       "amount": amount, "order_date": TODAY - timedelta(days=days_ago)})
    if status != "open":
        records.update("order", created.id, {"status": status})
    return created


@pytest.fixture
def place_order():
    """``place_order(records, contact, days_ago, amount, status="delivered")``: an order dated before TODAY."""
    return _order


@pytest.fixture
def people(records):
    """Ann, Bob, Cat, Dan and Eve with the paid orders of ``ORDERS``; Fay with none that count."""
    made = {}
    for name, orders in ORDERS.items():
        made[name] = records.create("contact", {"first_name": name, "last_name": name + "son"})
        for days_ago, amount in orders:
            _order(records, made[name], days_ago, amount)
    made["Fay"] = records.create("contact", {"first_name": "Fay", "last_name": "Fayson"})
    _order(records, made["Fay"], 3, 900, status="cancelled")
    _order(records, made["Fay"], 400, 900)  # outside the window
    return made
