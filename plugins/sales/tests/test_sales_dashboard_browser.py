"""The sales dashboard in a real browser (Playwright driving Debian's Chromium): its SVG charts render,
and a click on a funnel stage lands on the deal list filtered to that stage.

Screenshots go to ``$TRELLIS_ARTEFACTS/browser`` (default: the test's temporary folder); skipped, with the
reason, where Playwright or Chromium is absent.
"""

import pytest
from trellis.testing.browser import browser_tab, chromium_missing, served

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "SERVER_NAME": None}


@pytest.fixture
def server(trellis_app):
    from trellis.security.accounts import create_user

    with trellis_app.app_context():
        create_user(trellis_app, "max@example.com", "browser test password", role="sales_manager", name="Max")
    with served(trellis_app) as url:
        yield url


@pytest.fixture
def page(server, tmp_path):
    with browser_tab(server, tmp_path, width=1440, height=1000) as tab:
        yield tab


@pytest.fixture
def deals(records):
    """Deals in several stages, one of them won and one lost."""
    contact = records.create("contact", {"last_name": "Hopper"})
    reason = records.create("lost_reason", {"name": "Price"})
    made = {}
    for name, amount, moves in (("Navy Labs", 900, ["qualify"]), ("Mark II", 1200, ["qualify", "propose"]),
                                ("UNIVAC", 3000, ["qualify", "win"]), ("COBOL", 400, []),
                                ("Lost one", 700, [])):
        deal = records.create("deal", {"name": name, "contact": contact.id, "amount": amount})
        for move in moves:
            records.transition("deal", deal.id, move)
        made[name] = deal.id
    records.transition("deal", made["Lost one"], "lose", {"lost_reason": reason.id})
    return made


def test_a_click_on_a_funnel_stage_lands_on_the_deals_of_that_stage(page, deals):
    page.goto("/login")
    page.fill("#email", "max@example.com")
    page.fill("#password", "browser test password")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/sales/dashboard")   # the old address leads to the one sales dashboard
    page.wait_for_url("**/dashboards/sales")
    funnel = page.locator("[data-report='pipeline_by_stage'] svg.chart-funnel")
    assert funnel.count() == 1
    page.screenshot(path=str(page.shots / "sales-dashboard.png"), full_page=True)
    won = funnel.locator("a.chart-link", has=page.locator("title", has_text="Won:"))
    won.click()
    page.wait_for_url("**/app/deal?stage=won")
    page.screenshot(path=str(page.shots / "sales-funnel-won-deals.png"), full_page=True)
    listed = page.locator("main").inner_text()
    assert "UNIVAC" in listed and "Navy Labs" not in listed and "COBOL" not in listed


def test_a_pivot_built_and_saved_in_the_browser_shows_on_the_sales_dashboard(page, deals):
    page.goto("/login")
    page.fill("#email", "max@example.com")
    page.fill("#password", "browser test password")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/app/deal/report")
    page.select_option("#p-group1", "stage")
    page.select_option("#p-measure", "sum")
    page.select_option("#p-field", "amount")
    page.select_option("#p-chart", "horizontal_bar")
    page.click(".pivot-form button[type=submit]")
    page.wait_for_selector("svg.chart-horizontal_bar")
    page.screenshot(path=str(page.shots / "pivot-deals-by-stage.png"), full_page=True)
    page.fill("#p-name", "amount_by_stage")
    page.fill("#p-label", "Amount by stage (mine)")
    page.select_option("#p-dashboard", "sales")
    page.click(".pivot-save button[type=submit]")
    page.wait_for_selector(".flash")
    page.goto("/dashboards/sales")
    panel = page.locator("section.widget", has_text="Amount by stage (mine)")
    assert panel.locator("svg.chart-horizontal_bar").count() == 1
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(page.shots / "sales-dashboard-with-saved-pivot.png"), full_page=True)
