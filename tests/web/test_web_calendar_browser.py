"""The calendar in a browser: dragging an activity to another day reschedules it, a day's "+" opens the
form with that day, phones get the agenda without page-level sideways scroll, and axe-core finds nothing
serious or critical on the calendar in en and fa.

Screenshots go to ``$TRELLIS_ARTEFACTS/browser``. Skipped, with the reason, where Playwright,
axe-playwright-python or Chromium is absent.
"""

from datetime import UTC, datetime

import pytest
from trellis.testing.browser import chromium_missing

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


def test_a_drag_reschedules_the_day_plus_creates_and_phones_get_the_agenda(browser_page, records, axe_problems,
                                                                             use_locale):
    tab = browser_page
    tab.set_viewport_size({"width": 1366, "height": 900})
    tab.sign_in()
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
    assert not axe_problems(tab), axe_problems(tab)

    tab.locator("td[data-date='2026-03-24'] .day-new").click()
    tab.wait_for_url("**/app/activity/new?due=2026-03-24T09:00")
    assert tab.locator("#f-due").input_value() == "2026-03-24T09:00"

    use_locale(tab, "fa")
    tab.goto("/app/activity/calendar?date=2026-03-01")
    # Persian users see the Jalali month: Esfand 1404 starts on Friday 20 February, in a week from Saturday the 14th
    assert tab.locator("td[data-date]").first.get_attribute("data-date") == "2026-02-14"
    tab.screenshot(path=str(tab.shots / "calendar-fa.png"), full_page=True)
    assert not axe_problems(tab), axe_problems(tab)
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.goto("/app/activity/calendar?date=2026-03-01")
    assert tab.locator(".agenda").is_visible() and not tab.locator("table.calendar").is_visible()
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tab.screenshot(path=str(tab.shots / "calendar-agenda-fa.png"), full_page=True)
    assert not axe_problems(tab), axe_problems(tab)
