"""The loyalty plugin in every test here, with the source's programme in the organisation's YAML.

``EXTRA_PLUGINS`` registers the packages themselves (their ``plugin.yaml`` and hooks),
whether or not the entry points are installed. ``programme_yaml`` is the programme
of ``docs/loyalty.md``; a test overrides the fixture to try another.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import trellis_plugins.loyalty
import trellis_plugins.sales
from trellis.testing.api import bearer, new_user

SOURCE_PROGRAMME = """\
# 1 point for every $1 spent; every 1,000 points give a 10% discount;
# every 5,000 points give two vouchers.
loyalty: standard
label: {en: Rewards club, ru: Клуб привилегий, bg: Клуб за награди, fa: باشگاه پاداش}
currency: USD
earn_on: [delivered, invoiced]     # the order statuses that mean "paid"
earn: {per_unit: 1}                # points for every whole dollar of the order's amount
rewards:
  ten_percent:
    every: 1000
    voucher: {percent: 10}
  two_vouchers:
    every: 5000
    count: 2
    voucher: {percent: 10}
"""


@pytest.fixture
def source_programme():
    """The source's programme, as docs/loyalty.md shows it."""
    return SOURCE_PROGRAMME


@pytest.fixture
def programme_yaml(source_programme):
    return source_programme


@pytest.fixture
def trellis_config(trellis_config, programme_yaml):
    (Path(trellis_config["ORG_DIR"]) / "metadata" / "loyalty.yaml").write_text(programme_yaml, encoding="utf-8")
    return {**trellis_config, "EXTRA_PLUGINS": [trellis_plugins.sales, trellis_plugins.loyalty],
            "API_RATE_LIMIT": "100000/minute"}


@pytest.fixture
def check():
    """``check(tmp_path, text)``: ``trellis check`` of an organisation whose metadata holds the programme ``text``."""

    def run(tmp_path, text: str):
        org = tmp_path / "shop"
        (org / "metadata").mkdir(parents=True)
        (org / "metadata" / "loyalty.yaml").write_text(text, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
        return subprocess.run([sys.executable, "-m", "trellis.cli", "check", "shop"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    return run


@pytest.fixture
def world(trellis_app, records):
    """Ann with 1,000 points (one 10% voucher) from a delivered order, and an open order of $200."""
    ann = records.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    paid = records.create("order", {"name": "Paid", "contact": ann.id, "amount": 1000})
    records.update("order", paid.id, {"status": "delivered"})
    basket = records.create("order", {"name": "Basket", "contact": ann.id, "amount": 200})
    account = records.query("loyalty_account").filter(contact=ann.id).first()
    voucher = records.query("loyalty_voucher").filter(account=account.id).first()
    return {"ann": ann, "order": basket, "account": account, "voucher": voucher}


@pytest.fixture
def cashier(trellis_app):
    client = trellis_app.test_client()
    headers = bearer(trellis_app, new_user(trellis_app, "till@example.com", role="cashier"))

    def redeem(body, key="k1", role_headers=None):
        extra = {"Idempotency-Key": key} if key else {}
        return client.post("/api/v1/loyalty/redeem", json=body, headers={**(role_headers or headers), **extra})

    return redeem
