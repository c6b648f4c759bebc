"""A quote's lines edited inline in a real browser (Playwright driving Debian's Chromium): add three
lines, change a quantity, remove one, and see the line totals and the quote's total follow before and
after saving.

Screenshots go to ``$TRELLIS_ARTEFACTS/browser`` (default: the test's temporary folder); skipped, with
the reason, where Playwright or Chromium is absent.
"""

from decimal import Decimal

import pytest
from trellis.testing.browser import browser_tab, chromium_missing, served

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "SERVER_NAME": None}


@pytest.fixture
def page(trellis_app, tmp_path):
    """A signed-in sales manager's browser tab."""
    from trellis.security.accounts import create_user

    with trellis_app.app_context():
        create_user(trellis_app, "max@example.com", "browser test password", role="sales_manager", name="Max")
    with served(trellis_app) as url, browser_tab(url, tmp_path, width=1400, height=1000) as tab:
        tab.goto("/login")
        tab.fill("#email", "max@example.com")
        tab.fill("#password", "browser test password")
        tab.click("button[type=submit]")
        tab.wait_for_url("**/")
        yield tab


NEW_ROWS = "tr[data-row^='lines-quote_line-new']"


def fill_row(page, index: int, description: str, qty: str, price: str) -> None:
    row = page.locator(NEW_ROWS).nth(index)
    row.locator("td[data-column='description'] input").fill(description)
    row.locator("td[data-column='qty'] input").fill(qty)
    row.locator("td[data-column='price'] input").fill(price)


def total_is(page, text: str) -> None:
    page.wait_for_function("t => document.querySelector('[data-field=\"total\"] output').textContent.trim() === t",
                           arg=text)


def test_a_quotes_lines_are_edited_inline_and_the_totals_follow(page, records):
    contact = records.create("contact", {"last_name": "Hopper"})
    quote = records.create("quote", {"name": "Navy Labs", "contact": contact.id})
    page.goto(f"/app/quote/{quote.id}?edit=1")
    for _ in range(3):
        page.click("button[data-add-line]")
    fill_row(page, 0, "Gears", "2", "10")
    fill_row(page, 1, "Setup", "1", "50")
    fill_row(page, 2, "Manual", "4", "5")
    total_is(page, "90.00")
    page.locator(NEW_ROWS).nth(0).locator("td[data-column='qty'] input").fill("5")
    total_is(page, "120.00")
    first = page.locator(NEW_ROWS).nth(0).locator("[data-cell='line_total']")
    assert first.text_content().strip() == "50.00"
    page.locator(NEW_ROWS).nth(1).locator("button[data-remove-line]").click()
    total_is(page, "70.00")
    page.screenshot(path=str(page.shots / "quote-lines-before-save.png"), full_page=True)

    page.click("button.primary")
    page.wait_for_url(f"**/app/quote/{quote.id}")
    assert "70.00" in page.locator("[data-field='total']").text_content()   # the read view after the save
    page.goto(f"/app/quote/{quote.id}?edit=1")
    total_is(page, "70.00")
    rows = page.locator("tr[data-row^='lines-quote_line-']")
    assert rows.count() == 2
    assert rows.nth(0).locator("[data-cell='line_total']").text_content().strip() == "50.00"
    page.screenshot(path=str(page.shots / "quote-lines-after-save.png"), full_page=True)
    lines = [(r["description"], r["qty"], r["line_total"])
             for r in records.query("quote_line").filter(quote=quote.id).order_by("position").iterate()]
    assert lines == [("Gears", Decimal("5"), Decimal("50")), ("Manual", Decimal("4"), Decimal("20"))]
    assert records.get("quote", quote.id)["total"] == Decimal("70")

    # Change a saved line's quantity and save again: the total follows on the page and in the database.
    rows.nth(1).locator("td[data-column='qty'] input").fill("10")
    total_is(page, "100.00")
    page.click("button.primary")
    page.wait_for_url(f"**/app/quote/{quote.id}")
    assert "100.00" in page.locator("[data-field='total']").text_content()
    assert records.get("quote", quote.id)["total"] == Decimal("100")


def test_a_refused_line_is_marked_on_its_cell_and_nothing_is_saved(page, records):
    contact = records.create("contact", {"last_name": "Hopper"})
    quote = records.create("quote", {"name": "Navy Labs", "contact": contact.id})
    records.create("quote_line", {"quote": quote.id, "description": "Gears", "qty": 2, "price": 10})
    page.goto(f"/app/quote/{quote.id}?edit=1")
    page.fill("#f-name", "Navy Labs (revised)")
    page.click("button[data-add-line]")
    fill_row(page, 0, "Setup", "-1", "50")
    page.click("button.primary")
    page.locator("tr.has-error td[data-column='qty'] .field-error").wait_for()
    assert page.locator("tr.has-error td[data-column='description'] input").input_value() == "Setup"
    page.screenshot(path=str(page.shots / "quote-lines-refused.png"), full_page=True)
    assert records.get("quote", quote.id)["name"] == "Navy Labs"
    assert len(records.query("quote_line").filter(quote=quote.id).page(size=10, count=False).rows) == 1
