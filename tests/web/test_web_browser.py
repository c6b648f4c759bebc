"""Browser flows with Playwright driving Debian's Chromium: log in, a refused then fixed contact,
search, filter, a note on the detail page, a kanban drag, and Persian right-to-left pages.

Screenshots of each page go to ``$TRELLIS_ARTEFACTS/browser`` (default: the test's
temporary folder). Skipped, with the reason, where Playwright or Chromium is absent.
"""

import pytest
from trellis.testing.browser import browser_tab, chromium_missing, served

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "SERVER_NAME": None}


@pytest.fixture
def server(app):
    """The app served on a free local port for the length of the test, with a user to sign in as."""
    from trellis.security.accounts import create_user

    with app.app_context():
        create_user(app, "ann@example.com", "browser test password", role="admin", name="Ann")
    with served(app) as url:
        yield url


@pytest.fixture
def page(server, tmp_path):
    with browser_tab(server, tmp_path) as tab:
        yield tab


def shot(page, name):
    page.screenshot(path=str(page.shots / f"{name}.png"), full_page=True)


def sign_in(page):
    page.goto("/login")
    page.fill("#email", "ann@example.com")
    page.fill("#password", "browser test password")
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_a_user_works_through_contacts_in_the_browser(page, records):
    acme = records.create("company", {"name": "Acme"})
    sign_in(page)
    shot(page, "home")

    page.goto("/app/contact/new")
    page.fill("#f-first_name", "Ivan")
    page.click("button.primary")
    assert page.locator("#f-last_name-error").inner_text() == "is required"
    assert page.input_value("#f-first_name") == "Ivan"
    shot(page, "contact-refused")
    page.fill("#f-last_name", "Petrov")
    page.fill("#f-company", "Acm")
    page.wait_for_selector("#f-company-options option", state="attached")  # selectors need no eval under the CSP
    page.fill("#f-company", "Acme")
    page.dispatch_event("#f-company", "change")
    page.click("button.primary")
    page.wait_for_url("**/app/contact/*")
    assert "Ivan Petrov" in page.locator("h1").inner_text()
    assert records.query("contact").first()["company"]["id"] == acme.id
    shot(page, "contact-detail")

    page.fill("#note-body", "Met at the fair")
    page.click("button:has-text('Add note')")
    assert page.locator(".timeline").get_by_text("Met at the fair").is_visible()

    records.create("contact", {"last_name": "Smith", "company": acme.id})
    page.goto("/app/contact")
    page.fill("#q", "petrov")
    page.click("button:has-text('Search')")
    page.wait_for_url("**/app/contact?q=petrov")   # the form's GET redirects to the URL without empty fields
    assert page.locator("table.records tbody tr").count() == 1
    shot(page, "contact-search")

    records.create("company", {"name": "Corner shop", "industry": "retail"})
    page.goto("/app/company")
    page.click("summary:has-text('Filters')")
    page.check("input[name=industry__in][value=retail]")
    page.click("button:has-text('Search')")
    page.wait_for_url("**/app/company?industry__in=retail")
    page.wait_for_selector("table.records tbody tr")
    assert page.locator("table.records tbody tr").all_inner_texts()[0].strip().startswith("Corner shop")
    assert page.locator("table.records tbody tr").count() == 1
    shot(page, "company-filtered")


def test_a_kanban_card_dragged_to_another_column_moves(page, records):
    activity = records.create("activity", {"subject": "Call Ivan", "kind": "task"})
    sign_in(page)
    page.goto("/app/activity/kanban")
    page.drag_and_drop(f".kcard[data-id='{activity.id}']", ".column[data-value='call']")   # empty: folded
    page.wait_for_selector(f".column[data-value='call'] .kcard[data-id='{activity.id}']", state="attached")
    page.wait_for_timeout(500)
    assert records.get("activity", activity.id)["kind"] == "call"
    shot(page, "kanban")


def test_persian_pages_are_right_to_left(page, records):
    sign_in(page)
    page.goto("/preferences")
    page.select_option("#locale", "fa")
    page.click("button.primary")
    page.goto("/app/contact")
    assert page.get_attribute("html", "dir") == "rtl"
    sidebar = page.locator(".sidebar").bounding_box()
    assert sidebar["x"] > 600  # the menu sits on the right
    shot(page, "contacts-fa")
    page.goto("/app/contact/new")
    shot(page, "contact-form-fa")
