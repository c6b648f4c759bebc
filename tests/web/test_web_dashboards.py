"""``/dashboards/<name>``: a YAML dashboard shows plugins' widgets to the roles it names."""

import pytest
from markupsafe import escape
from trellis import Widget, hookimpl
from trellis.testing.web import signed_in_client

TEAM = """\
dashboard: team
label: {en: "Team <b>board</b>", ru: Команда}
widgets:
  - greeting
  - {widget: contact_count, title: {en: Contacts we know, ru: Контакты}, size: small}
  - {widget: broken, size: large}
roles: [contacts_manager]
"""
EVERYONE = "dashboard: lobby\nlabel: Lobby\nwidgets: [greeting]\n"
DESK = "dashboard: desk\nlabel: Desk\nwidgets: [greeting, tasks]\n"


def greeting(context):
    return f"<p class='greeting'>Hello, <b>{escape(context.user.display_name)}</b>, at {context.now:%Y}</p>"


def contact_count(context):
    return f"<p class='count'>{context.records.query('contact').count()[0]} contacts</p>"


def broken(context):
    raise RuntimeError("the widget has a bug")


def tasks(context):
    from trellis import PermissionDenied

    raise PermissionDenied("you may not read task records")   # what a query on an unreadable entity raises


class Boards:
    """A plugin adding three widgets (one of them broken) and two dashboards that use them."""

    name = "boards"
    version = "1.0"
    depends = ["contacts"]

    def __init__(self, folder):
        self.folder = folder

    @hookimpl
    def metadata_dirs(self):
        return [self.folder]

    @hookimpl
    def dashboard_widgets(self):
        return [Widget("greeting", "Greeting", greeting, size="small"), Widget("contact_count", "Count", contact_count),
                Widget("broken", "Broken", broken), Widget("tasks", "My tasks", tasks)]


@pytest.fixture
def trellis_config(trellis_config, tmp_path):
    folder = tmp_path / "boards" / "dashboards"
    folder.mkdir(parents=True)
    (folder / "team.yaml").write_text(TEAM)
    (folder / "lobby.yaml").write_text(EVERYONE)
    (folder / "desk.yaml").write_text(DESK)
    return {**trellis_config, "PLUGINS": ["contacts"], "EXTRA_PLUGINS": [Boards(tmp_path / "boards")]}


@pytest.fixture
def manager(app):
    return signed_in_client(app, "mia@example.com", role="contacts_manager", name="Mia <Manager>")


@pytest.fixture
def user(app):
    return signed_in_client(app, "ugo@example.com", role="contacts_user", name="Ugo")


def test_a_dashboard_shows_each_widgets_html_under_its_title(manager, records):
    records.create("contact", {"last_name": "Lovelace"})
    page = manager.get("/dashboards/team").get_data(as_text=True)
    assert "<p class='greeting'>Hello, <b>Mia &lt;Manager&gt;</b>, at 20" in page
    assert "<p class='count'>1 contacts</p>" in page
    assert ">Greeting</h2>" in page and ">Contacts we know</h2>" in page


def test_widgets_are_laid_out_by_the_size_the_yaml_or_the_widget_gives(manager):
    page = manager.get("/dashboards/team").get_data(as_text=True)
    assert 'class="card widget widget-small" data-widget="greeting"' in page
    assert 'class="card widget widget-small" data-widget="contact_count"' in page
    assert 'class="card widget widget-large" data-widget="broken"' in page


def test_a_failing_widget_shows_an_error_box_naming_it_and_the_rest_still_renders(manager, app, caplog):
    r = manager.get("/dashboards/team")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "The widget 'broken' could not be shown" in page
    assert "the widget has a bug" not in page
    assert "<p class='greeting'>" in page
    assert any("widget broken failed" in m for m in caplog.messages)


def test_a_widget_reading_records_the_viewer_may_not_read_is_left_out_without_an_error(manager, caplog):
    r = manager.get("/dashboards/desk")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "<p class='greeting'>" in page
    assert "My tasks" not in page and "could not be shown" not in page
    assert not [m for m in caplog.messages if "tasks" in m]


def test_the_dashboard_label_is_escaped_and_titles_follow_the_users_locale(manager, app):
    page = manager.get("/dashboards/team").get_data(as_text=True)
    assert "<h1>Team &lt;b&gt;board&lt;/b&gt;</h1>" in page
    with app.app_context():
        from trellis.data.records import records_for
        from trellis.security.accounts import find_user_id

        records_for(app).update("user", find_user_id(app, "mia@example.com"), {"locale": "ru"})
    page = manager.get("/dashboards/team").get_data(as_text=True)
    assert "<h1>Команда</h1>" in page and ">Контакты</h2>" in page
    assert "Все дашборды" in page and "<h2>Дашборды</h2>" in page and "Виджет «broken» не удалось показать" in page


def test_a_user_whose_roles_the_dashboard_does_not_name_gets_a_404(user):
    assert user.get("/dashboards/team").status_code == 404
    assert user.get("/dashboards/nothing_here").status_code == 404


def test_an_administrator_sees_every_dashboard(app):
    admin = signed_in_client(app)
    assert admin.get("/dashboards/team").status_code == 200


def test_a_dashboard_without_roles_is_for_every_signed_in_user(user, client):
    assert "<p class='greeting'>Hello, <b>Ugo</b>" in user.get("/dashboards/lobby").get_data(as_text=True)
    assert client.get("/dashboards/lobby").status_code in (302, 401)


def test_the_index_and_the_menu_list_only_the_dashboards_the_user_may_see(manager, user):
    for client, shown, hidden in ((manager, ["team", "lobby"], []), (user, ["lobby"], ["team"])):
        for path in ("/dashboards/", "/"):
            page = client.get(path).get_data(as_text=True)
            assert all(f'href="/dashboards/{name}"' in page for name in shown), (path, shown)
            assert not any(f'href="/dashboards/{name}"' in page for name in hidden), (path, hidden)
    assert "<h2>Dashboards</h2>" in user.get("/").get_data(as_text=True)
