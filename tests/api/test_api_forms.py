"""Public forms: a record from an anonymous post, a honeypot, refused fields and a rate limit per IP."""

import pytest
from api_helpers import write_world
from trellis.data.database import db
from trellis.data.records import records_for
from trellis.testing.api import api_app

FORMS = {"contact_us": {"entity": "person", "fields": ["name", "email"], "values": {"score": 1},
                        "honeypot": "website", "rate_limit": "3/minute"},
         "browser": {"entity": "person", "fields": ["name"], "redirect": "https://example.com/thanks"}}


@pytest.fixture
def app(trellis_config):
    write_world(trellis_config["ORG_DIR"])
    app = api_app({**trellis_config, "PLUGINS": [], "API_FORMS": FORMS})
    yield app
    with app.app_context():
        db.engine.dispose()


def people(app):
    with app.app_context():
        return [(p["name"], p["score"]) for p in records_for(app).query("person").page().rows]


def test_a_public_form_creates_a_record_with_its_fixed_values_and_no_token(app):
    answer = app.test_client().post("/api/v1/forms/contact_us", json={"name": "Ann", "email": "ann@example.com"})
    assert answer.status_code == 201 and answer.get_json() == {"ok": True}
    assert people(app) == [("Ann", 1)]


def test_a_filled_honeypot_looks_like_success_and_creates_nothing(app):
    answer = app.test_client().post("/api/v1/forms/contact_us", json={"name": "Bot", "website": "http://spam"})
    assert answer.status_code == 201 and people(app) == []


def test_a_field_outside_the_form_is_refused(app):
    answer = app.test_client().post("/api/v1/forms/contact_us", json={"name": "Ann", "score": 99})
    assert answer.status_code == 422 and answer.get_json()["error"]["fields"] == {
        "score": "cannot be set from this form"}
    assert people(app) == []


def test_an_invalid_submission_gets_the_field_errors(app):
    answer = app.test_client().post("/api/v1/forms/contact_us", json={"email": "ann@example.com"})
    assert answer.status_code == 422 and "name" in answer.get_json()["error"]["fields"]


def test_submissions_are_rate_limited_per_ip_address(app):
    client = app.test_client()
    statuses = [client.post("/api/v1/forms/contact_us", json={"name": f"P{n}"},
                            environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    other = client.post("/api/v1/forms/contact_us", json={"name": "Q"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 201


def test_a_browser_form_post_is_redirected_to_the_thanks_page(app):
    answer = app.test_client().post("/api/v1/forms/browser", data={"name": "Ann"})
    assert answer.status_code == 303 and answer.headers["Location"] == "https://example.com/thanks"
    assert people(app) == [("Ann", None)]


def test_an_unknown_form_is_404(app):
    assert app.test_client().post("/api/v1/forms/nope", json={}).status_code == 404


def test_public_forms_are_in_the_openapi_document_without_security(app):
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    post = paths["/api/v1/forms/contact_us"]["post"]
    assert post["security"] == []
    # The honeypot ("website") is not named: security round 2, finding 15.
    assert set(post["requestBody"]["content"]["application/json"]["schema"]["properties"]) == {"name", "email"}


# Security round 2, finding 15: the public API description does not name a form's honeypot field.

def test_the_api_description_does_not_name_the_honeypot_field(app):
    description = app.test_client().get("/api/v1/openapi.json")
    assert description.status_code == 200
    form = description.get_json()["paths"]["/api/v1/forms/contact_us"]["post"]
    assert set(form["requestBody"]["content"]["application/json"]["schema"]["properties"]) == {"name", "email"}
    assert "website" not in description.get_data(as_text=True)


def test_a_form_post_with_an_empty_honeypot_still_creates_the_record(app):
    answer = app.test_client().post("/api/v1/forms/contact_us", json={"name": "Ann", "website": ""})
    assert answer.status_code == 201
