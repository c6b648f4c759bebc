"""The import page in Chromium: upload, mapping, preview, then the progress script reloads into the summary."""

import pytest
from trellis.automation.jobs import jobs_of
from trellis.testing.browser import browser_tab, chromium_missing, served

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "SERVER_NAME": None, "JOB_RUNNER": "thread"}


def test_a_user_imports_a_file_and_watches_it_finish(app, tmp_path, svc):
    from trellis.security.accounts import create_user

    with app.app_context():
        create_user(app, "ann@example.com", "browser test password", role="admin", name="Ann")
    people = tmp_path / "people.csv"
    people.write_text("Last name,E-mail\nLee,lee@example.com\nKim,not-an-email\n", encoding="utf-8")
    with served(app) as url, browser_tab(url, tmp_path) as page:
        page.goto("/login")
        page.fill("#email", "ann@example.com")
        page.fill("#password", "browser test password")
        page.click("button[type=submit]")
        page.wait_for_url("**/")
        page.goto("/app/contact")
        page.click("text=Import")
        page.set_input_files("#file", str(people))
        page.click("button.primary")
        assert page.input_value("#map-0") == "last_name" and page.input_value("#map-1") == "email"
        page.screenshot(path=str(page.shots / "import-mapping.png"), full_page=True)
        page.click("button.primary")
        assert page.locator("td.cell-error").count() == 1
        page.screenshot(path=str(page.shots / "import-preview.png"), full_page=True)
        page.click("button.primary")
        page.wait_for_selector("text=1 created", timeout=20000)
        assert page.locator("a[download]").count() == 1
        page.screenshot(path=str(page.shots / "import-done.png"), full_page=True)
    jobs_of(app).runner.stop()
    assert [c["last_name"] for c in svc.query("contact").page().rows] == ["Lee"]
