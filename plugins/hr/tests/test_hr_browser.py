"""In a browser: an employee asks for time off on the form, submits it, and her manager approves it in the
approvals panel of the request's page. Screenshots of the waiting and the approved request go to
``$TRELLIS_ARTEFACTS/browser``. Skipped, with the reason, where Playwright or Chromium is absent."""

import pytest
from trellis.testing.browser import chromium_missing

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


def _sign_in(tab, world, who):
    tab.goto("/login")
    tab.fill("input[name=email]", f"{who}@example.com")
    tab.fill("input[name=password]", world.password)
    with tab.expect_navigation():
        tab.click("button[type=submit]")
    assert "/login" not in tab.url


def test_an_employee_asks_for_time_off_and_her_manager_approves_it_on_the_page(hr_world, tmp_path):
    from trellis.testing.browser import browser_tab, served

    with served(hr_world.app) as url, browser_tab(url, tmp_path) as eve:
        _sign_in(eve, hr_world, "eve")
        eve.goto("/app/time_off_request/new")
        eve.fill("#f-name", "Autumn break")
        # A link field suggests names as one types; typing a whole name picks its record (the hidden id).
        for field, record_id, text in (("employee", hr_world.people["eve"], f"eve {hr_world.word['eve']}"),
                                       ("type", hr_world.annual, "Annual leave")):
            eve.fill(f"#f-{field}", text)
            eve.wait_for_function("([f, v]) => document.querySelector(`input[name=${f}]`).value === String(v)",
                                  arg=[field, record_id])
        eve.fill("#f-start_date", "2027-10-11")
        eve.fill("#f-end_date", "2027-10-12")
        with eve.expect_navigation():
            eve.click("#record-form button.primary")
        assert not eve.url.endswith("/new"), eve.locator(".has-error").all_inner_texts()
        with eve.expect_navigation():
            eve.click("form[action$='/transition/submit'] button")
        request_url = eve.url.split("?")[0]
        panel = eve.locator("section.approval[data-approval='approve']")
        assert panel.get_attribute("data-status") == "pending"
        assert panel.locator("li[data-state='waiting']").count() == 1
        assert panel.locator("li[data-state='skipped']").count() == 1              # two days: HR is not asked
        assert panel.locator("form[action$='/approve']").count() == 0          # not hers to approve
        eve.screenshot(path=str(eve.shots / "hr-time-off-waiting.png"), full_page=True)

        mia = eve.context.browser.new_context(base_url=url, viewport={"width": 1200, "height": 900}).new_page()
        _sign_in(mia, hr_world, "mia")
        mia.goto(request_url)
        with mia.expect_navigation():
            mia.click("section.approval[data-approval='approve'] form[action$='/approval/approve/approve'] button")
        assert mia.locator("section.approval").get_attribute("data-status") == "approved"
        assert mia.locator("section.approval li.decision.approve").count() == 1
        mia.screenshot(path=str(eve.shots / "hr-time-off-approved.png"), full_page=True)
        mia.context.close()
    answer = hr_world.app.test_client().get(request_url.replace(url + "/app/", "/api/v1/"),
                                            headers=hr_world.headers["hr"]).get_json()
    assert answer["status"] == "approved" and float(answer["days"]) == 2
