"""The calendar in a browser: dragging an activity to another day reschedules it, a day's "+" opens the
form with that day, phones get the agenda without page-level sideways scroll, and axe-core finds nothing
serious or critical on the calendar in en and fa.

Screenshots go to ``$TRELLIS_ARTEFACTS/browser``. Skipped, with the reason, where Playwright,
axe-playwright-python or Chromium is absent.
"""

from datetime import UTC, datetime

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


def test_a_drag_reschedules_the_day_plus_creates_and_phones_get_the_agenda(tab, records):
    call = records.create("activity", {"subject": "Call Ivan", "kind": "call",
                                       "due": datetime(2026, 3, 10, 14, 0, tzinfo=UTC)})
    records.create("activity", {"subject": "Send offer", "kind": "email", "done": True,
                                "due": datetime(2026, 3, 11, 10, 0, tzinfo=UTC)})
    tab.goto("/app/activity/calendar?date=2026-03-01")
    tab.drag_and_drop(f".event[data-id='{call.id}']", "td[data-date='2026-03-19']")
    tab.locator(f"td[data-date='2026-03-19'] .event[data-id='{call.id}']").wait_for()
    tab.wait_for_function(f"() => document.querySelector(\".event[data-id='{call.id}']\").dataset.version === "
                          f"'{call.version + 1}'")
    assert records.get("activity", call.id)["due"] == datetime(2026, 3, 19, 14, 0, tzinfo=UTC)
    assert tab.locator("#calendar-error").is_hidden()
    tab.screenshot(path=str(tab.shots / "calendar-after-drag.png"), full_page=True)
    assert not axe_blocking(tab), axe_blocking(tab)

    tab.locator("td[data-date='2026-03-24'] .day-new").click()
    tab.wait_for_url("**/app/activity/new?due=2026-03-24T09:00")
    assert tab.locator("#f-due").input_value() == "2026-03-24T09:00"

    tab.goto("/preferences")
    tab.select_option("#locale", "fa")
    tab.locator("form.card.narrow button[type=submit]").first.click()
    tab.wait_for_url("**/preferences")
    tab.goto("/app/activity/calendar?date=2026-03-01")
    assert tab.locator("td[data-date]").first.get_attribute("data-date") == "2026-02-28"   # a Saturday
    tab.screenshot(path=str(tab.shots / "calendar-fa.png"), full_page=True)
    assert not axe_blocking(tab), axe_blocking(tab)
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.goto("/app/activity/calendar?date=2026-03-01")
    assert tab.locator(".agenda").is_visible() and not tab.locator("table.calendar").is_visible()
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tab.screenshot(path=str(tab.shots / "calendar-agenda-fa.png"), full_page=True)
    assert not axe_blocking(tab), axe_blocking(tab)
