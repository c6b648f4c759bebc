"""Every page of every shipped plugin, with the demo data, as an administrator: no English words left
in Russian, Bulgarian or Persian; no serious or critical axe-core violations in English and Persian;
and a screenshot of each page in English and Persian at desktop (1366 px) and phone (390 px) widths
in ``$TRELLIS_ARTEFACTS/browser/pages`` (CI uploads that folder).

The demo data is loaded once for the module (it takes most of the module's time), and the browser
tests share one Chromium.
"""

from __future__ import annotations

import re
import secrets

import pytest
from page_walk import reachable_pages, ui_texts
from trellis.runtime import runtime
from trellis.testing.api import api_app
from trellis.testing.browser import chromium_missing
from trellis.testing.web import post, signed_in_client

LOCALES = ("ru", "bg", "fa")
LATIN_WORD = re.compile(r"[A-Za-z]{2}")
# The same in every language: the product's name, and abbreviations read as they are (EUR, SLA, SHA-256, PDF).
SAME_IN_EVERY_LANGUAGE = re.compile(r"Trellis|[A-Z][A-Z0-9]+(-[A-Z0-9]+)*|Message-ID")
MISSING = "/app/no_such_entity"   # the themed 404 page


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    from trellis.demo import load_demo_data

    folder = tmp_path_factory.mktemp("every-page")
    (folder / "org" / "metadata").mkdir(parents=True)
    app = api_app({"DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite'}", "ORG_DIR": str(folder / "org"),
                   "TESTING": True, "SECRET_KEY": "test-only", "PASSWORD_SCRYPT_COST": 1024,
                   "DEMO_SIZE": "small"})
    load_demo_data(app)
    return app


@pytest.fixture(scope="module")
def admin(demo_app):
    return signed_in_client(demo_app, email="walker@example.com", name="Walker")


@pytest.fixture(scope="module")
def pages(demo_app, admin):
    from trellis.data.records import records_for

    with demo_app.app_context():
        found = reachable_pages(demo_app, admin, records_for(demo_app))
    assert len(found) > 100 and "/app/deal/kanban" in found and "/app/activity/calendar" in found
    return [*found, MISSING]


def test_every_page_is_translated_in_russian_bulgarian_and_persian(admin, pages):
    post(admin, "/preferences", {"locale": "en"})
    english = {}
    for path in pages:
        answer = admin.get(path)
        assert answer.status_code == (404 if path == MISSING else 200), path
        english[path] = ui_texts(answer.get_data(as_text=True))
    left = {}
    for locale in LOCALES:
        post(admin, "/preferences", {"locale": locale})
        for path in pages:
            shown = ui_texts(admin.get(path).get_data(as_text=True))
            for text in shown & english[path]:
                if LATIN_WORD.search(text) and not SAME_IN_EVERY_LANGUAGE.fullmatch(text):
                    left.setdefault(f"{locale}: {text}", path)
    post(admin, "/preferences", {"locale": "en"})
    assert left == {}


def test_the_walk_sees_english_words_and_ignores_isolated_data():
    html = ('<html lang="en"><title>Acme · Trellis</title><h1>Deals</h1><td><bdi>Acme Ltd</bdi></td>'
            '<span dir="auto">Soluciones</span><option lang="en">English</option>'
            '<input placeholder="Type a name"><input type="submit" value="Save"><br>After</html>')
    assert ui_texts(html) == {"Deals", "Type a name", "Save", "After"}


# --- in a browser: one Chromium for the module -------------------------------------------------------------

DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser(demo_app, tmp_path_factory):
    """A Chromium tab signed in as an administrator of the demo app, shared by the module's browser tests."""
    if chromium_missing():
        pytest.skip(chromium_missing())
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    from trellis.security.accounts import create_user
    from trellis.testing.browser import browser_tab, served

    password = secrets.token_urlsafe(16)
    with demo_app.app_context():
        create_user(demo_app, "looker@example.com", password, role="admin", name="Looker")
    with served(demo_app) as url, browser_tab(url, tmp_path_factory.mktemp("shots"), **DESKTOP) as tab:
        tab.goto("/login")
        tab.fill("input[name=email]", "looker@example.com")
        tab.fill("input[name=password]", password)
        with tab.expect_navigation():
            tab.click("button[type=submit]")
        yield tab


def one_page_per_kind(app, pages: list[str]) -> list[str]:
    """Every list, kanban, calendar, dashboard, admin page and the error page (record pages are
    checked by their plugins' own browser tests)."""
    kinds = re.compile(r"^/($|app/[a-z_]+(/kanban|/calendar)?$|dashboards/|admin/|preferences)")
    chosen = [path for path in pages if kinds.search(path)]
    entities = runtime(app).metadata.entities
    assert all(f"/app/{name}" in chosen for name in ("contact", "deal", "ticket", "employee"))
    assert {p for p in chosen if p.endswith("/kanban")} == {f"/app/{n}/kanban" for n, e in entities.items()
                                                             if e.kanban is not None}
    return chosen


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["en", "fa"])
def test_no_serious_or_critical_axe_violations_on_any_kind_of_page(demo_app, browser, pages, locale, axe_problems,
                                                                  use_locale):
    use_locale(browser, locale)
    found = {}
    for path in one_page_per_kind(demo_app, pages):
        browser.goto(path)
        problems = axe_problems(browser)
        if problems:
            found[path] = problems
    assert found == {}


def shot_name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()).strip("-") or "home"


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["en", "fa"])
def test_a_screenshot_of_every_page_on_a_desktop_and_a_phone(demo_app, browser, pages, locale, use_locale):
    use_locale(browser, locale)
    folder = browser.shots / "pages"
    folder.mkdir(exist_ok=True)
    wide = set()
    for size, viewport in (("1366", DESKTOP), ("390", PHONE)):
        browser.set_viewport_size(viewport)
        for path in pages:
            browser.goto(path)
            browser.screenshot(path=str(folder / f"{shot_name(path)}-{locale}-{size}.png"))
            if browser.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
                wide.add(re.sub(r"/\d+$", "/<id>", path) + f" at {size}")
    browser.set_viewport_size(DESKTOP)
    assert len(list(folder.glob(f"*-{locale}-*.png"))) == 2 * len({shot_name(p) for p in pages})
    assert wide == set()   # no page scrolls sideways as a whole, on a desktop or a phone


@pytest.mark.slow
def test_persian_pages_are_drawn_in_vazirmatn_and_english_ones_are_not(browser, use_locale):
    use_locale(browser, "fa")
    browser.goto("/app/contact")
    browser.evaluate("document.fonts.ready")
    assert browser.evaluate("getComputedStyle(document.body).fontFamily").startswith("Vazirmatn")
    assert browser.evaluate("document.fonts.check('16px Vazirmatn', 'مخاطبان')")
    use_locale(browser, "en")
    browser.goto("/app/contact")
    assert "Vazirmatn" not in browser.evaluate("getComputedStyle(document.body).fontFamily")
