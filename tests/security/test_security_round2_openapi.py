"""Finding 15 (security round 2): the public API description does not name a form's honeypot field."""

import pytest
from api_helpers import write_world
from test_api_forms import FORMS
from trellis.data.database import db
from trellis.testing.api import api_app


@pytest.fixture
def app(trellis_config):
    write_world(trellis_config["ORG_DIR"])
    app = api_app({**trellis_config, "PLUGINS": [], "API_FORMS": FORMS})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_api_description_does_not_name_the_honeypot_field(app):
    description = app.test_client().get("/api/v1/openapi.json")
    assert description.status_code == 200
    form = description.get_json()["paths"]["/api/v1/forms/contact_us"]["post"]
    assert set(form["requestBody"]["content"]["application/json"]["schema"]["properties"]) == {"name", "email"}
    assert "website" not in description.get_data(as_text=True)


def test_a_form_post_with_an_empty_honeypot_still_creates_the_record(app):
    answer = app.test_client().post("/api/v1/forms/contact_us", json={"name": "Ann", "website": ""})
    assert answer.status_code == 201
