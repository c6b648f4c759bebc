"""Locales: the user picks language and time zone; pages, labels, numbers and dates follow; fa is RTL."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from trellis.testing.web import post, signed_in_client

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "core" / "web" / "translations"
CATALOGUES = [TRANSLATIONS, *sorted(ROOT.glob("plugins/*/translations"))]  # Trellis's and each plugin's


@pytest.fixture
def web(app):
    return signed_in_client(app)


def test_a_user_switches_to_russian_and_the_pages_speak_russian(web):
    r = post(web, "/preferences", {"locale": "ru", "timezone": "Europe/Moscow"})
    assert r.status_code == 302
    page = web.get("/app/contact/new").get_data(as_text=True)
    assert '<html lang="ru" dir="ltr">' in page
    assert "Сохранить" in page and "Выйти" in page
    assert "Фамилия" in page  # the YAML label of last_name


def test_persian_pages_are_right_to_left_with_persian_words(web):
    post(web, "/preferences", {"locale": "fa"})
    page = web.get("/app/contact").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page
    assert "جستجو" in page


def test_dates_are_formatted_for_the_users_locale_and_time_zone(web, records):
    company = records.create("company", {"name": "Acme"})
    records.create("activity", {"subject": "Call", "company": company.id, "due": datetime(2026, 3, 10, 21, 30,
                                                                                          tzinfo=UTC)})
    post(web, "/preferences", {"locale": "bg", "timezone": "Europe/Sofia"})
    page = web.get("/app/activity").get_data(as_text=True)
    assert "10.03.26\u202fг., 23:30" in page  # 21:30 UTC is 23:30 in Sofia, in Bulgarian short form


def test_two_users_sharing_one_app_context_each_see_their_own_language(app, web):
    post(web, "/preferences", {"locale": "ru"})
    other = signed_in_client(app, email="ann@example.com")
    with app.app_context():   # a test holding a context open: the cached locale must not leak
        assert '<html lang="ru"' in web.get("/app/contact").get_data(as_text=True)
        assert '<html lang="en"' in other.get("/app/contact").get_data(as_text=True)
        assert '<html lang="ru"' in web.get("/app/contact").get_data(as_text=True)


def test_an_unknown_time_zone_is_refused(web):
    r = post(web, "/preferences", {"locale": "en", "timezone": "Mars/Olympus"})
    assert r.status_code == 422
    assert "unknown time zone" in r.get_data(as_text=True)


@pytest.mark.parametrize("catalogues", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
@pytest.mark.parametrize("locale", ["ru", "bg", "fa"])
def test_every_compiled_catalogue_matches_its_po_file_and_translates_everything(catalogues, locale):
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    folder = catalogues / locale / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as f:
        catalogue = read_po(f, locale=locale)
    assert [m.id for m in catalogue if m.id and not (all(m.string) if isinstance(m.string, list | tuple)
                                                      else m.string)] == []
    # Compare the messages, not the bytes: the header names the Babel version that compiled it.
    with open(folder / "messages.mo", "rb") as f:
        compiled = read_mo(f)
    assert messages(compiled) == messages(catalogue)


def messages(catalogue) -> dict:
    """``{id: string}`` of a catalogue; a plural message's id and forms as tuples (they may be lists)."""
    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {plain(m.id): plain(m.string) for m in catalogue if m.id}


def test_the_plugins_menu_entries_follow_the_users_locale(web):
    post(web, "/preferences", {"locale": "fa"})
    page = web.get("/").get_data(as_text=True)
    menu = page[page.index('<nav class="sidebar"'):page.index("</nav>")]
    assert 'href="/app/contact">مخاطبان</a>' in menu and "فروش" in menu and 'href="/dashboards/sales">فروش</a>' in menu
    assert ">Contacts<" not in menu and ">Deals<" not in menu
    post(web, "/preferences", {"locale": "en"})
    page = web.get("/").get_data(as_text=True)
    assert 'href="/app/contact">Contacts</a>' in page[page.index('<nav class="sidebar"'):page.index("</nav>")]


def test_a_plugins_own_pages_speak_the_users_language_from_its_translations_folder(web):
    assert len(CATALOGUES) > 1  # the sales plugin ships translations/
    post(web, "/preferences", {"locale": "bg"})
    page = web.get("/dashboards/sales").get_data(as_text=True)
    assert "Продажби" in page and "Фуния по етапи" in page and "Pipeline by stage" not in page
    assert "Спечелено спрямо целта" in page   # the targets widget's title, from the plugin's YAML
    board = web.get("/dashboards/sales").get_data(as_text=True)
    assert "<th>Кой</th>" in board and "<th>Who</th>" not in board  # a widget's own table headers


def test_the_message_after_switching_language_is_in_the_new_language(web):
    post(web, "/preferences", {"locale": "en"})
    page = web.get("/preferences").get_data(as_text=True)
    assert "Preferences saved." in page
    post(web, "/preferences", {"locale": "bg"})
    page = web.get("/preferences").get_data(as_text=True)
    assert "Настройките са запазени." in page and "Preferences saved." not in page
