"""Global search in the browser: Ctrl-K, a word of a deal's name, Enter on the match opens the deal.

Skipped, with the reason, where Playwright or Chromium is absent; the screenshot goes to
``$TRELLIS_ARTEFACTS/browser``.
"""

import pytest
from trellis.testing.browser import browser_tab, chromium_missing, served

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "SERVER_NAME": None}


@pytest.fixture
def page(app, tmp_path):
    from trellis.security.accounts import create_user

    with app.app_context():
        create_user(app, "ann@example.com", "browser test password", role="admin", name="Ann")
    with served(app) as url, browser_tab(url, tmp_path) as tab:
        yield tab


def test_ctrl_k_finds_a_deal_by_a_word_of_its_name_and_opens_it(page, records):
    contact = records.create("contact", {"first_name": "Ivan", "last_name": "Petrov"})
    deal = records.create("deal", {"name": "Northwind fleet renewal", "contact": contact.id})
    records.create("deal", {"name": "Southwind", "contact": contact.id})
    page.goto("/login")
    page.fill("#email", "ann@example.com")
    page.fill("#password", "browser test password")
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement.id") == "global-q"
    page.keyboard.type("fleet")
    match = page.locator("#global-results a", has_text="Northwind fleet renewal")
    match.wait_for()
    assert page.locator("#global-results a").count() == 1
    page.screenshot(path=str(page.shots / "global-search.png"), full_page=True)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/app/deal/{deal.id}")
    assert "Northwind fleet renewal" in page.locator("h1").inner_text()


def test_the_bulk_bar_shows_only_while_records_are_ticked_and_select_all_ticks_the_page(page, records):
    for name in ("Acme", "Globex", "Initech"):
        records.create("company", {"name": name})
    page.goto("/login")
    page.fill("#email", "ann@example.com")
    page.fill("#password", "browser test password")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/app/company")
    assert not page.locator("#bulk-form").is_visible()
    page.locator('input[name="ids"]').first.check()
    assert page.locator("#bulk-form").is_visible()
    page.locator("[data-select-all]").check()
    assert page.locator('input[name="ids"]:checked').count() == 3
    page.screenshot(path=str(page.shots / "list-ticked.png"), full_page=True)
    page.locator("[data-select-all]").uncheck()
    assert page.locator('input[name="ids"]:checked').count() == 0
    assert not page.locator("#bulk-form").is_visible()


@pytest.mark.parametrize("locale", ["en", "fa"])
def test_the_user_menu_opens_and_a_missing_page_keeps_the_frame(page, locale):
    page.goto("/login")
    page.fill("#email", "ann@example.com")
    page.fill("#password", "browser test password")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    if locale == "fa":
        page.goto("/preferences")
        page.select_option("#locale", "fa")
        page.locator("form.card.narrow button[type=submit]").first.click()
        page.wait_for_url("**/preferences")
    page.click(".user-menu summary")
    assert page.locator(".user-menu-panel a[href='/preferences']").is_visible()
    page.screenshot(path=str(page.shots / f"user-menu-{locale}.png"), full_page=True)
    page.goto("/app/contact/424242")
    assert page.locator("nav.sidebar").is_visible() and page.locator("#error-title").is_visible()
    page.screenshot(path=str(page.shots / f"error-404-{locale}.png"), full_page=True)
