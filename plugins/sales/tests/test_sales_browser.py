"""The deal kanban in a real browser (Playwright driving Debian's Chromium): a card dragged to
'won' moves; one dragged to 'lost' asks for the lost reason in a dialog first (without one, the
plain form is refused).

Set up like ``tests/web/test_web_browser.py``: screenshots go to ``$TRELLIS_ARTEFACTS/browser``
(default: the test's temporary folder); skipped, with the reason, where Playwright or
Chromium is absent.
"""

import pytest
from trellis.testing.browser import browser_tab, chromium_missing, served

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or "")]


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "SERVER_NAME": None}


@pytest.fixture
def server(trellis_app):
    """The app served on a free local port for the length of the test, with a user to sign in as."""
    from trellis.security.accounts import create_user

    with trellis_app.app_context():
        create_user(trellis_app, "max@example.com", "browser test password", role="sales_manager", name="Max")
    with served(trellis_app) as url:
        yield url


@pytest.fixture
def page(server, tmp_path):
    # A desktop screen wide enough for all six pipeline columns: Playwright's drag does not scroll a board
    # while dragging as a person's mouse near its edge does, so a drop on a scrolled-away column is not tried.
    with browser_tab(server, tmp_path, width=1920, height=1080) as tab:
        yield tab


@pytest.fixture
def board(page, records):
    """Two deals in negotiation, and the signed-in sales manager's deal board."""
    contact = records.create("contact", {"last_name": "Hopper"})
    deals = {}
    for name in ("Navy Labs", "Harvard Mark II"):
        deal = records.create("deal", {"name": name, "contact": contact.id, "amount": 900})
        for move in ("qualify", "propose", "negotiate"):
            records.transition("deal", deal.id, move)
        deals[name] = deal.id
    page.goto("/login")
    page.fill("#email", "max@example.com")
    page.fill("#password", "browser test password")
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/app/deal/kanban")
    return deals


def card(deal_id, stage=None):
    column = f".column[data-value='{stage}'] " if stage else ""
    return f"{column}.kcard[data-id='{deal_id}']"


def test_a_deal_dragged_to_won_moves_there(page, records, board):
    deal_id = board["Navy Labs"]
    page.drag_and_drop(card(deal_id), ".column[data-value='won']")
    page.wait_for_selector(card(deal_id, "won"), state="attached")   # won is final: its column starts folded
    page.wait_for_function(f"() => document.querySelector(\"{card(deal_id)} button[value=won]\").hidden")
    assert records.get("deal", deal_id)["stage"] == "won"
    assert page.locator("#board-error").is_hidden()
    page.screenshot(path=str(page.shots / "deal-kanban-won.png"), full_page=True)
    page.reload()  # the server's board agrees with what the browser showed
    assert page.locator(card(deal_id, "won")).count() == 1


def test_a_deal_dragged_to_lost_asks_for_the_reason_first(page, records, board):
    deal_id = board["Harvard Mark II"]
    records.create("lost_reason", {"name": "Budget cut"})
    page.reload()   # the dialog lists the reasons there are when the board is drawn
    page.drag_and_drop(card(deal_id), ".column[data-value='lost']")
    dialog = page.locator("#dialog-lose")
    dialog.wait_for(state="visible")
    assert page.locator(card(deal_id, "negotiation")).count() == 1   # nothing moves before the answer
    assert dialog.locator("[data-dialog-subject]").inner_text() == "Harvard Mark II"
    page.screenshot(path=str(page.shots / "deal-kanban-lost-dialog.png"), full_page=True)
    dialog.locator("[data-close-dialog]").click()                   # cancelled: nothing changes
    assert records.get("deal", deal_id)["stage"] == "negotiation"
    page.drag_and_drop(card(deal_id), ".column[data-value='lost']")
    dialog.wait_for(state="visible")
    dialog.locator("select").select_option(label="Budget cut")
    dialog.locator("button[type=submit]").click()
    page.wait_for_selector(card(deal_id, "lost"), state="attached")
    assert page.locator(".flash").first.inner_text() == "Lost: done."
    saved = records.get("deal", deal_id)
    assert saved["stage"] == "lost" and saved["lost_reason"].name == "Budget cut"
    page.screenshot(path=str(page.shots / "deal-kanban-lost.png"), full_page=True)


def test_the_card_menu_moving_a_deal_to_lost_asks_for_the_reason_too(page, records, board):
    deal_id = board["Harvard Mark II"]
    page.click(f"{card(deal_id)} .card-menu summary")
    page.click(f"{card(deal_id)} .move-form button[value=lost]")
    page.locator("#dialog-lose").wait_for(state="visible")
    assert page.locator("#dialog-lose [data-dialog-subject]").inner_text() == "Harvard Mark II"
    assert records.get("deal", deal_id)["stage"] == "negotiation"
