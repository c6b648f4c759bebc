"""The filter panel in a browser: a company picked by typing part of its name filters the deals after
Apply; axe-core finds nothing serious or critical on the list with its panel open, in en and fa.

Screenshots go to ``$TRELLIS_ARTEFACTS/browser``. Skipped, with the reason, where Playwright,
axe-playwright-python or Chromium is absent.
"""

import pytest
from trellis.testing.browser import browser_tab, chromium_missing, served

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "SERVER_NAME": None}


@pytest.fixture
def tab(app, tmp_path):
    from trellis.security.accounts import create_user

    with app.app_context():
        create_user(app, "ann@example.com", "browser test password", role="admin", name="Ann")
    with served(app) as url, browser_tab(url, tmp_path, width=1366, height=900) as tab:
        tab.goto("/login")
        tab.fill("#email", "ann@example.com")
        tab.fill("#password", "browser test password")
        tab.click("button[type=submit]")
        tab.wait_for_url("**/")
        yield tab


def axe_blocking(tab) -> list[str]:
    module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="axe-playwright-python is not installed (pip install -e '.[test]')")
    results = module.Axe().run(tab)
    return [f"{v['id']} ({v['impact']}): {v['help']} -- {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


def test_a_company_picked_by_name_filters_the_deals_and_the_list_passes_axe(tab, records):
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
    assert not axe_blocking(tab), axe_blocking(tab)
    tab.goto("/preferences")
    tab.select_option("#locale", "fa")
    tab.locator("form.card.narrow button[type=submit]").first.click()
    tab.wait_for_url("**/preferences")
    tab.goto(f"/app/deal?company={acme.id}")
    tab.screenshot(path=str(tab.shots / "list-filtered-fa.png"), full_page=True)
    assert not axe_blocking(tab), axe_blocking(tab)
