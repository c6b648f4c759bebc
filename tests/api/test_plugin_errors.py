"""A plugin's failing hook reaches the user as a PluginError: a 500 page or JSON 500 with a reference
that finds its traceback in the log; a refused write a hook made is that record's message, not a field error."""

import logging
import re
from pathlib import Path

import pytest
from api_helpers import write_world
from trellis import hookimpl
from trellis.data.database import db
from trellis.testing.api import api_app, bearer, new_user
from trellis.testing.web import post, signed_in_client

NOTE = """
entity: note_of
fields:
  name: {type: string, required: true}
"""


class Failing:
    """Fails on a person called "Boom"; for "Nested" writes a note_of its entity refuses."""

    name = "failing"

    @hookimpl
    def before_save(self, record, changes, context):
        if record.entity == "person" and record.get("name") == "Boom":
            raise KeyError("no such thing")

    @hookimpl
    def after_save(self, record, changes, context):
        if record.entity == "person" and record.get("name") == "Nested":
            context.records.create("note_of", {})


@pytest.fixture
def app(trellis_config):
    write_world(trellis_config["ORG_DIR"])
    (Path(trellis_config["ORG_DIR"]) / "metadata" / "entities" / "note_of.yaml").write_text(NOTE, encoding="utf-8")
    app = api_app({**trellis_config, "PLUGINS": [], "EXTRA_PLUGINS": [Failing()], "API_RATE_LIMIT": "1000/minute"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_api_answers_a_failing_hook_with_plugin_error_and_a_logged_reference(app, caplog):
    headers = bearer(app, new_user(app, "ann@example.com"))
    with caplog.at_level(logging.ERROR):
        answer = app.test_client().post("/api/v1/person", json={"name": "Boom"}, headers=headers)
    assert answer.status_code == 500
    body = answer.get_json()["error"]
    assert body["code"] == "plugin_error" and "'failing'" in body["message"] and "'before_save'" in body["message"]
    assert re.fullmatch(r"[0-9a-f]{12}", body["reference"])
    logged = [r for r in caplog.records if body["reference"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None and "KeyError" in caplog.text


def test_the_web_form_shows_a_500_page_naming_the_plugin_with_a_logged_reference(app, caplog):
    client = signed_in_client(app)
    with caplog.at_level(logging.ERROR):
        answer = post(client, "/app/person/new", {"name": "Boom"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 500 and "failing" in page and "KeyError" not in page
    reference = re.search(r"Reference: ([0-9a-f]{12})", page).group(1)
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    with app.app_context():
        from trellis.data.records import records_for

        assert records_for(app).query("person").count()[0] == 0


def test_a_refused_write_made_by_a_hook_is_not_shown_as_a_field_of_the_saved_record(app):
    headers = bearer(app, new_user(app, "ann@example.com"))
    answer = app.test_client().post("/api/v1/person", json={"name": "Nested"}, headers=headers)
    assert answer.status_code == 422
    body = answer.get_json()["error"]
    # note_of's "name" is required; the person's own "name" is fine and must not be blamed.
    assert "fields" not in body and "note_of" in body["message"] and "name" in body["message"]
    client = signed_in_client(app, "web@example.com")
    page = post(client, "/app/person/new", {"name": "Nested"})
    assert page.status_code == 422 and "note_of" in page.get_data(as_text=True)
