"""Record pages in a real browser (Playwright driving Debian's Chromium): a deal's read view and stage
bar, the dialog asking for the lost reason (in English and in Russian), following a link from a deal
to its contact, the duplicate warning on a new contact, and axe-core on the read view, form and
dialog of every entity the contacts and sales plugins ship.

Screenshots go to ``$TRELLIS_ARTEFACTS/browser`` (default: the test's temporary folder). Skipped,
with the reason, where Playwright, axe-playwright-python or Chromium is absent.
"""

import re

import pytest
from trellis.testing.browser import browser_tab, chromium_missing, served

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]

BLOCKING = ("serious", "critical")


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "SERVER_NAME": None}


@pytest.fixture
def server(trellis_app):
    from trellis.security.accounts import create_user

    with trellis_app.app_context():
        create_user(trellis_app, "max@example.com", "browser test password", role="sales_manager", name="Max Power")
        create_user(trellis_app, "root@example.com", "browser test password", role="admin", name="Ada Admin")
    with served(trellis_app) as url:
        yield url


def sign_in(tab, email):
    tab.goto("/login")
    tab.fill("#email", email)
    tab.fill("#password", "browser test password")
    tab.click("button[type=submit]")
    tab.wait_for_url("**/")
    return tab


@pytest.fixture
def page(server, tmp_path):
    with browser_tab(server, tmp_path, width=1440, height=1000) as tab:
        yield sign_in(tab, "max@example.com")


@pytest.fixture
def admin_page(server, tmp_path):
    with browser_tab(server, tmp_path, width=1440, height=1000) as tab:
        yield sign_in(tab, "root@example.com")


def shot(page, name):
    page.screenshot(path=str(page.shots / f"{name}.png"), full_page=True)


@pytest.fixture
def deal(records):
    """A qualified deal of Grace Hopper's, and the reasons a deal may be lost for."""
    contact = records.create("contact", {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"})
    for reason in ("Price too high", "Went with a competitor"):
        records.create("lost_reason", {"name": reason})
    made = records.create("deal", {"name": "Navy Labs", "contact": contact.id, "amount": 37500})
    records.transition("deal", made.id, "qualify")
    return records.get("deal", made.id)


def lose(page, records, deal, shots: str):
    page.goto(f"/app/deal/{deal.id}")
    bar = page.locator(".stage-bar")
    assert bar.locator("[aria-current=step]").count() == 1
    shot(page, f"{shots}-read-view")
    bar.locator(".stage.lost button").click()
    dialog = page.locator("#dialog-lose")
    dialog.wait_for(state="visible")
    assert dialog.locator("select").count() == 1       # exactly the field the transition requires
    shot(page, f"{shots}-lost-dialog")
    dialog.locator("select").select_option(label="Went with a competitor")
    dialog.locator("button[type=submit]").click()
    page.wait_for_selector(".flash")
    saved = records.get("deal", deal.id)
    assert saved["stage"] == "lost" and saved["lost_reason"].name == "Went with a competitor"
    shot(page, f"{shots}-lost-saved")
    return page.locator(".flash").first.inner_text()


def test_a_deal_is_lost_through_the_stage_bar_and_the_dialog_asks_for_the_reason(page, records, deal):
    assert lose(page, records, deal, "deal") == "Lost: done."
    assert page.locator(".stage-bar .current").inner_text().strip() == "Lost"


def test_the_flash_after_losing_a_deal_is_in_the_users_language(page, records, deal):
    me = records.query("user").filter(email="max@example.com").first()
    records.update("user", me.id, {"locale": "ru"})
    assert lose(page, records, deal, "deal-ru") == "Проиграна: выполнено."


def test_the_persian_read_view_runs_right_to_left_with_the_stage_bar_mirrored(page, records, deal):
    me = records.query("user").filter(email="max@example.com").first()
    records.update("user", me.id, {"locale": "fa"})
    page.goto(f"/app/deal/{deal.id}")
    assert page.get_attribute("html", "dir") == "rtl"
    first = page.locator(".stage-bar .stage").first.bounding_box()
    last = page.locator(".stage-bar .stage").last.bounding_box()
    assert first["x"] > last["x"]          # the first state sits on the right
    shot(page, "deal-read-view-fa")


def test_the_contact_link_on_a_deal_opens_the_contact(page, deal):
    page.goto(f"/app/deal/{deal.id}")
    page.locator(".subtitle a", has_text="Grace Hopper").click()
    page.wait_for_url(re.compile(rf"/app/contact/{int(deal['contact'])}$"))
    assert page.locator("h1").inner_text().startswith("Grace Hopper")
    assert page.locator('.facts a[href="mailto:grace@example.com"]').count() == 1
    shot(page, "contact-read-view")


def test_a_duplicate_contact_is_flagged_and_the_existing_one_opens(page, records, deal):
    page.goto("/app/contact/new")
    page.fill("#f-last_name", "Hopper-Twin")
    page.fill("#f-email", "Grace@Example.com")
    page.locator(".actions.top button.primary").click()
    warning = page.locator(".duplicate-warning")
    warning.wait_for(state="visible")
    shot(page, "contact-duplicate-warning")
    assert records.query("contact").filter(last_name="Hopper-Twin").first() is None
    warning.locator("a").click()
    page.wait_for_url(re.compile(rf"/app/contact/{int(deal['contact'])}$"))
    assert page.locator("h1").inner_text().startswith("Grace Hopper")


def test_the_key_e_opens_the_form_and_cancel_comes_back(page, deal):
    page.goto(f"/app/deal/{deal.id}")
    page.keyboard.press("e")
    page.wait_for_url(re.compile(r"\?edit=1$"))
    assert page.locator("#record-form").count() == 1
    shot(page, "deal-form")
    page.locator(".actions.top [data-cancel]").click()
    page.wait_for_url(re.compile(rf"/app/deal/{deal.id}$"))


def test_a_refused_save_puts_the_focus_on_the_first_invalid_field(page, deal):
    page.goto(f"/app/deal/{deal.id}?edit=1")
    page.fill("#f-name", "")
    page.locator(".actions.top button.primary").click()
    page.wait_for_selector("#f-name[aria-invalid=true]")
    assert page.evaluate("document.activeElement.id") == "f-name"


# --- accessibility ----------------------------------------------------------------------------


@pytest.fixture
def axe():
    module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="axe-playwright-python is not installed (pip install -e '.[test]')")
    return module.Axe()


def blocking(axe, page, context=None) -> list[str]:
    """The serious and critical axe-core violations on the page (or inside ``context``), as text."""
    results = axe.run(page, context=context) if context else axe.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} -- {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v.get("impact") in BLOCKING]


def test_read_view_form_and_dialog_of_every_shipped_entity_pass_axe(trellis_app, admin_page, records, axe):
    from trellis.demo import load_demo_data
    from trellis.runtime import runtime

    load_demo_data(trellis_app)
    found, checked = {}, 0
    page = admin_page
    for name in runtime(trellis_app).metadata.entities:
        row = records.query(name).order_by("id").first()
        paths = [f"/app/{name}/new"] + ([f"/app/{name}/{row.id}", f"/app/{name}/{row.id}?edit=1"] if row else [])
        for path in paths:
            page.goto(path)
            checked += 1
            if problems := blocking(axe, page):
                found[path] = problems
    open_deal = records.query("deal").filter(stage="proposal").order_by("id").first()
    page.goto(f"/app/deal/{open_deal.id}")
    page.locator(".stage-bar .stage.lost button").click()
    page.locator("#dialog-lose").wait_for(state="visible")
    if problems := blocking(axe, page, "#dialog-lose"):
        found["deal lost dialog"] = problems
    assert checked >= 30
    page.set_content('<html lang="en"><body><main><img src="x.png"></main></body></html>')
    assert blocking(axe, page), "axe finds an image without alt text: it really ran"
    assert not found, "\n".join(f"{path}: {p}" for path, ps in found.items() for p in ps)
