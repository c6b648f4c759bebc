"""In a browser: conditions typed on the segments page show the live count and the contacts; a campaign to the
segment is scheduled from its page and its audience written. Screenshots go to ``tab.shots``.

Skipped, with the reason, where Playwright or Chromium is absent.
"""

import pytest
from marketing_helpers import campaign, contact, last_year
from trellis.testing.browser import chromium_missing

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


def test_a_segment_built_on_the_page_counts_live_and_its_campaign_is_scheduled(browser_page, records):
    ann = contact(records, "ann", [last_year(5, 3)], city="Sofia")
    contact(records, "bob", [last_year(6, 20)], city="Sofia")
    contact(records, "cid", [last_year(5, 9)], city="Varna", do_not_contact=True)
    tab = browser_page
    tab.set_viewport_size({"width": 1366, "height": 900})
    tab.sign_in("admin")
    tab.goto("/marketing/segments")
    tab.fill("#conditions", "contact: {city: Sofia}\norders: {from: '05-01', to: '05-14', year: last}")
    with tab.expect_navigation():
        tab.click("button[type=submit].primary")
    assert tab.locator("[data-count]").get_attribute("data-count") == "1"
    assert tab.locator("tr[data-id]").evaluate_all("rows => rows.map(r => r.dataset.id)") == [str(ann.id)]
    tab.screenshot(path=str(tab.shots / "marketing-segment-count.png"), full_page=True)
    tab.fill("#conditions", "orders: {min_count: lots}")
    with tab.expect_navigation():
        tab.click("button[type=submit].primary")
    assert "min_count" in tab.locator("[data-field=conditions]").inner_text()

    record = campaign(records)   # to the Mother's Day segment: ann (cid, not to be contacted, is not in it)
    tab.goto(f"/app/marketing_campaign/{record.id}")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Schedule").click()
    tab.screenshot(path=str(tab.shots / "marketing-campaign-scheduled.png"), full_page=True)
    assert records.get("marketing_campaign", record.id)["status"] == "scheduled"
    sends = {s["email"]: s["status"] for s in records.query("marketing_send").filter(campaign=record.id).iterate()}
    assert sends == {"ann@example.com": "queued"}
