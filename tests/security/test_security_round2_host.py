"""Finding 17 (security round 2): the Host header does not decide where the API's links point.

Links are relative, or built on the ``BASE_URL`` setting when the deployment sets one.
"""

from trellis.data.records import records_for
from trellis.security.accounts import create_user
from trellis.testing.api import bearer


def _headers(app):
    with app.app_context():
        account = create_user(app, "host@example.com", None, role="admin")
        for name in ("Ann", "Bob", "Cy"):
            records_for(app).create("contact", {"last_name": name})
    return {**bearer(app, account.id, scope="write"), "Host": "evil.example"}


def test_the_next_link_ignores_a_forged_host_header(trellis_app):
    headers = _headers(trellis_app)
    body = trellis_app.test_client().get("/api/v1/contact?limit=1", headers=headers).get_json()
    assert body["next"] and "evil.example" not in body["next"]
    assert body["next"].startswith("/api/v1/contact?")


def test_the_location_of_a_new_record_ignores_a_forged_host_header(trellis_app):
    headers = _headers(trellis_app)
    answer = trellis_app.test_client().post("/api/v1/contact", json={"last_name": "Dee"}, headers=headers)
    assert answer.status_code == 201 and "evil.example" not in answer.headers["Location"]


def test_links_are_built_on_the_configured_base_url(trellis_app):
    trellis_app.config["BASE_URL"] = "https://crm.example.com/"
    headers = _headers(trellis_app)
    body = trellis_app.test_client().get("/api/v1/contact?limit=1", headers=headers).get_json()
    assert body["next"].startswith("https://crm.example.com/api/v1/contact?")
