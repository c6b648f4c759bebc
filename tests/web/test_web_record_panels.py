"""The ``record_panels(entity)`` hook: plugins' panels and timeline entries on record pages,
and the ``home`` dashboard at ``/`` that plugins fill through ``dashboard_widgets``."""

from datetime import UTC, datetime

import pytest
from trellis import RecordPanel, TimelineEntry, Widget, hookimpl
from trellis.testing.web import signed_in_client


def calls(entity, record, records):
    return [TimelineEntry("call", datetime(2026, 1, 2, tzinfo=UTC), None, f"Rang {record['last_name']}",
                          detail="5 minutes", url="/calls/1", label="phone call")]


class Calls:
    """A plugin with a panel and timeline entries on contacts only, and a widget on the home page."""

    name = "calls"
    version = "1.0"
    depends = ["contacts"]
    asked: list

    def __init__(self, folder):
        self.folder = folder
        self.asked = []

    @hookimpl
    def record_panels(self, entity):
        self.asked.append(entity)
        if entity == "contact":
            return [RecordPanel("calls", template="calls/panel.html", values=lambda e, r: {"total": 3},
                                timeline=calls, order=1)]
        return None

    @hookimpl
    def template_dirs(self):
        return [self.folder / "templates"]

    @hookimpl
    def metadata_dirs(self):
        return [self.folder / "metadata"]

    @hookimpl
    def dashboard_widgets(self):
        return [Widget("call_count", "Calls today", lambda context: "<p class='calls'>7 calls</p>")]


@pytest.fixture
def plugin(tmp_path):
    folder = tmp_path / "calls"
    (folder / "templates" / "calls").mkdir(parents=True)
    (folder / "templates" / "calls" / "panel.html").write_text(
        '<p class="calls-panel">{{ panel_values.total }} calls with {{ record.last_name }} ({{ entity.name }})</p>')
    (folder / "metadata").mkdir()
    (folder / "metadata" / "home.yaml").write_text("extends: home\nwidgets: [call_count]\n")
    return Calls(folder)


@pytest.fixture
def trellis_config(trellis_config, plugin):
    return {**trellis_config, "PLUGINS": ["contacts"], "EXTRA_PLUGINS": [plugin]}


def test_a_plugins_panel_and_timeline_entries_show_on_the_entitys_record_pages(app, records, plugin):
    ada = records.create("contact", {"last_name": "Lovelace"})
    page = signed_in_client(app).get(f"/app/contact/{ada.id}").get_data(as_text=True)
    assert '<p class="calls-panel">3 calls with Lovelace (contact)</p>' in page
    assert '<span class="kind">phone call</span> <a href="/calls/1"><bdi>Rang Lovelace</bdi></a>' in page
    assert "(5 minutes)" in page and "contact" in plugin.asked


def test_a_panel_for_one_entity_is_not_on_anothers_pages(app, records):
    acme = records.create("company", {"name": "Acme"})
    page = signed_in_client(app).get(f"/app/company/{acme.id}").get_data(as_text=True)
    assert "calls-panel" not in page and "phone call" not in page
    assert 'class="note-form"' in page  # the contacts plugin's panels are on every record's page


def test_the_home_page_is_the_home_dashboard_with_the_plugins_widgets(app):
    page = signed_in_client(app).get("/").get_data(as_text=True)
    assert "<p class='calls'>7 calls</p>" in page and ">Calls today</h2>" in page
    assert 'data-widget="my_activities"' in page  # from the contacts plugin
    assert page.index('data-widget="my_activities"') < page.index('data-widget="call_count"')  # load order
    assert 'href="/dashboards/home"' not in page  # it is the home page, not a menu entry
