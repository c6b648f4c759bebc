"""Every demo user of ``trellis demo`` signs in, in a browser, to a home page with something on it.

The demo organisation's layer (its roles too) and the demo data in their small size; a
screenshot of each role's home page goes to ``$TRELLIS_ARTEFACTS/browser/home-<role>.png``.
Skipped, with the reason, where Playwright or Chromium is absent.
"""

import pytest
from trellis.demo import DEMO_ORG_METADATA
from trellis.testing.browser import chromium_missing

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]

EMPTY = ("Nothing here.", "Nothing due today.", "This dashboard has no widgets.", "Choose a list from the menu.")


@pytest.fixture
def trellis_config(trellis_config):
    """The shipped demo organisation, as ``trellis demo`` loads it from an empty folder."""
    return {**trellis_config, "METADATA_DIR": str(DEMO_ORG_METADATA)}


def test_every_demo_user_signs_in_to_a_home_page_that_shows_their_work(app, browser_page):
    from trellis.demo import prepare
    from trellis.security.demo_admin import DEMO_ADMIN, demo_password
    from trellis.security.demo_users import demo_email

    lines = list(prepare(app))
    assert any(line.startswith("Demo data loaded:") for line in lines), lines
    password = demo_password(app)
    roles = [line.split()[1] for line in lines if line.startswith("  ") and "@" in line]
    assert {"sales_manager", "salesperson", "marketing_manager", "support_agent", "store_manager"} <= set(roles)
    tab = browser_page
    for role, email in [("admin", DEMO_ADMIN)] + [(role, demo_email(role)) for role in roles]:
        tab.context.clear_cookies()
        tab.goto("/login")
        tab.fill("input[name=email]", email)
        tab.fill("input[name=password]", password)
        with tab.expect_navigation():
            tab.click("button[type=submit]")
        assert "/login" not in tab.url, f"{email} could not sign in"
        tab.goto("/")
        text = tab.inner_text("main")
        assert not [empty for empty in EMPTY if empty in text], (role, text[:400])
        due = tab.locator(".activities.today li")
        assert due.count() >= 1, (role, text[:400])       # something of theirs is due today
        assert tab.locator("[role=alert]").count() == 0, (role, text[:400])
        tab.screenshot(path=str(tab.shots / f"home-{role}.png"), full_page=True)
