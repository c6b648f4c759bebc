"""The filter panel in a browser: a company picked by typing part of its name filters the deals after
Apply; axe-core finds nothing serious or critical on the list with its panel open, in en and fa.

Screenshots go to ``$TRELLIS_ARTEFACTS/browser``. Skipped, with the reason, where Playwright,
axe-playwright-python or Chromium is absent.
"""

import pytest
from trellis.testing.browser import chromium_missing

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


def test_a_company_picked_by_name_filters_the_deals_and_the_list_passes_axe(browser_page, records, axe_problems,
                                                                           use_locale):
    tab = browser_page
    tab.set_viewport_size({"width": 1366, "height": 900})
    tab.sign_in()
    contact = records.create("contact", {"first_name": "Ivan", "last_name": "Petrov"})
    acme = records.create("company", {"name": "Acme Ltd"})
    records.create("deal", {"name": "Big fleet", "contact": contact.id, "company": acme.id, "amount": "500"})
    records.create("deal", {"name": "Small licence", "contact": contact.id, "amount": "90"})
    tab.goto("/app/deal")
    tab.click("details.filters summary")
    tab.fill("#flt-company", "acm")
    tab.wait_for_function("() => document.querySelectorAll('#flt-company-list option').length === 1")
    tab.fill("#flt-company", "Acme Ltd")
    tab.dispatch_event("#flt-company", "change")
    tab.screenshot(path=str(tab.shots / "list-filter-panel.png"), full_page=True)
    tab.click(".filter-actions button")
    tab.wait_for_url(f"**/app/deal?*company={acme.id}*")
    assert tab.locator("table.records tbody tr").count() == 1
    assert tab.locator("#flt-company").input_value() == "Acme Ltd"
    assert not axe_problems(tab), axe_problems(tab)
    use_locale(tab, "fa")
    tab.goto(f"/app/deal?company={acme.id}")
    tab.screenshot(path=str(tab.shots / "list-filtered-fa.png"), full_page=True)
    assert not axe_problems(tab), axe_problems(tab)
