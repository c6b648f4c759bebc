"""The menu: business groups first, technical entities left out, personal items under the user's
avatar, administration under one "Settings" entry."""

import re

import pytest
from trellis.testing.web import post, signed_in_client


@pytest.fixture
def web(app):
    return signed_in_client(app, name="Ann Smith")


def sidebar(page: str) -> str:
    return page[page.index('<nav class="sidebar"'):page.index("</nav>", page.index('<nav class="sidebar"'))]


def test_technical_entities_are_not_in_the_menu(web):
    menu = sidebar(web.get("/").get_data(as_text=True))
    for url in ("/app/quote_line", "/app/order_line", "/app/user", "/app/team"):
        assert f'href="{url}"' not in menu
    assert 'href="/app/deal"' in menu and 'href="/app/tag"' in menu


def test_an_organisation_can_show_a_technical_entity_with_menu_true(trellis_config, tmp_path):
    from pathlib import Path

    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    folder = Path(trellis_config["ORG_DIR"]) / "metadata"
    (folder / "team.yaml").write_text("extends: team\nmenu: true\n", encoding="utf-8")
    app = create_app(trellis_config)
    with app.app_context():
        upgrade(app)
    assert 'href="/app/team"' in sidebar(signed_in_client(app).get("/").get_data(as_text=True))


def test_business_groups_come_first_and_settings_last(web):
    menu = sidebar(web.get("/").get_data(as_text=True))
    headings = re.findall(r"<h2>([^<]+)</h2>", menu)
    assert headings[:2] == ["Contacts", "Sales"]
    assert menu.rindex("Settings") > menu.index("Contacts")
    assert "Preferences" not in menu and "API tokens" not in menu


def test_personal_items_are_under_the_avatar_with_the_users_initials(web):
    page = web.get("/").get_data(as_text=True)
    menu = page[page.index('<details class="user-menu">'):page.index("</details>", page.index('class="user-menu"'))]
    assert '<bdi class="avatar" aria-hidden="true">AS</bdi>' in menu   # initials: data, bidi-isolated
    assert 'href="/preferences"' in menu and 'href="/preferences/tokens/"' in menu
    assert 'action="/logout"' in menu and "Sign out" in menu


def test_only_administrators_see_settings(client_as):
    assert 'href="/admin/"' in sidebar(client_as("admin").get("/").get_data(as_text=True))
    assert 'href="/admin/"' not in sidebar(client_as("salesperson").get("/").get_data(as_text=True))


def test_the_menu_speaks_persian(web):
    post(web, "/preferences", {"locale": "fa"})
    page = web.get("/").get_data(as_text=True)
    assert "تنظیمات" in sidebar(page) and 'aria-label="حساب شما"' in page


def test_initials_of_odd_names():
    from trellis.web.theme import initials

    assert initials("ann") == "A" and initials("Мария Иванова") == "МИ" and initials("") == "?"
    assert initials("  42 ") == "?"


def test_a_user_sees_only_the_entities_they_may_read_in_the_menu(trellis_config):
    from pathlib import Path

    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    folder = Path(trellis_config["ORG_DIR"]) / "metadata"
    (folder / "roles.yaml").write_text("roles:\n  clerk:\n    deal: {read: all}\n", encoding="utf-8")
    app = create_app(trellis_config)
    with app.app_context():
        upgrade(app)
    clerk = sidebar(signed_in_client(app, "clerk@example.com", role="clerk").get("/").get_data(as_text=True))
    assert 'href="/app/deal"' in clerk
    assert 'href="/app/tag"' not in clerk   # no read: not offered
    admin = sidebar(signed_in_client(app).get("/").get_data(as_text=True))
    assert 'href="/app/deal"' in admin and 'href="/app/tag"' in admin
