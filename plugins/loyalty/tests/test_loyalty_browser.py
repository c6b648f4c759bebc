"""At the till, in a real browser (Playwright driving Debian's Chromium): a cashier finds a member by card
number, applies a voucher to the member's order, and sees the discount and the balance change.

Screenshots go to ``$TRELLIS_ARTEFACTS/browser`` (default: the test's temporary folder);
skipped, with the reason, where Playwright or Chromium is absent.
"""

import pytest
from trellis.testing.browser import browser_tab, chromium_missing, served

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "SERVER_NAME": None}


@pytest.fixture
def member(trellis_app, records):
    """Ann, with 1,000 points and one 10% voucher, and her open order of $240."""
    from trellis.security.accounts import create_user

    with trellis_app.app_context():
        create_user(trellis_app, "till@example.com", "browser test password", role="cashier", name="Cass")
    ann = records.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    paid = records.create("order", {"name": "Spring order", "contact": ann.id, "amount": 1000})
    records.update("order", paid.id, {"status": "delivered"})
    basket = records.create("order", {"name": "Saturday basket", "contact": ann.id, "amount": 240})
    account = records.query("loyalty_account").filter(contact=ann.id).first()
    return {"card": account["card_number"], "account": account, "order": basket}


@pytest.fixture
def page(trellis_app, member, tmp_path):
    with served(trellis_app) as url, browser_tab(url, tmp_path) as tab:
        tab.goto("/login")
        tab.fill("#email", "till@example.com")
        tab.fill("#password", "browser test password")
        tab.click("button[type=submit]")
        tab.wait_for_url("**/")
        yield tab


def test_a_cashier_applies_a_voucher_and_sees_the_balance_change(page, member, records):
    page.goto("/loyalty/redeem")
    page.fill("#card", member["card"])
    page.click(".loyalty-find button")
    assert page.inner_text(".loyalty-member h2") == "Ann Lee"
    assert page.get_attribute(".loyalty-balance", "data-value") == "1000"
    page.screenshot(path=str(page.shots / "loyalty-member-found.png"), full_page=True)

    page.select_option("#order", str(member["order"].id))
    page.check(".loyalty-voucher input")
    page.fill("#points", "")
    page.click(".loyalty-apply button[type=submit]")
    page.wait_for_selector(".flash")
    assert "Discount of 24.00 applied" in page.inner_text(".flash")
    page.screenshot(path=str(page.shots / "loyalty-voucher-applied.png"), full_page=True)

    # Then 300 points: the balance on the page drops to 700.
    page.fill("#points", "300")
    page.click(".loyalty-apply button[type=submit]")
    page.wait_for_selector(".flash")
    assert page.get_attribute(".loyalty-balance", "data-value") == "700"
    page.screenshot(path=str(page.shots / "loyalty-points-spent.png"), full_page=True)
    lines = records.query("order_line").filter(order=member["order"].id).order_by("id")
    assert [line["price"] for line in lines.iterate()] == [-24, -3]
