"""Every error under /api is JSON ``{"error": {"code", "message", "fields"}}`` with the right status."""

import pytest
from trellis import hookimpl
from trellis.data.access import SystemAccess
from trellis.data.database import db
from trellis.runtime import runtime
from trellis.testing.api import api_app, bearer, new_user


def error(answer, status):
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == "application/json"
    return answer.get_json()["error"]


def test_an_unknown_entity_is_404(client, reader):
    assert error(client.get("/api/v1/spaceship", headers=reader), 404)["code"] == "not_found"


def test_an_unknown_record_is_404(client, reader):
    assert error(client.get("/api/v1/person/999", headers=reader), 404)["code"] == "not_found"


def test_a_path_outside_the_api_routes_is_a_json_404(client, reader):
    assert error(client.get("/api/v2/person", headers=reader), 404)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405(client, writer):
    body = error(client.put("/api/v1/person", json={}, headers=writer), 405)
    assert body["code"] == "method_not_allowed"


def test_an_unknown_filter_field_is_400_naming_the_parameter(client, reader):
    body = error(client.get("/api/v1/person?colour=red", headers=reader), 400)
    assert body["code"] == "invalid_query" and "colour" in body["fields"]


def test_an_unknown_operator_is_400(client, reader):
    assert "score__near" in error(client.get("/api/v1/person?score__near=3", headers=reader), 400)["fields"]


@pytest.mark.parametrize("query", ["sort=name;DROP TABLE person", "sort=-(select 1)", "sort=colour",
                                   "name%3BDROP=1", "score__gte%20OR%201=1=1", "fields=name,(select password)"])
def test_an_injection_string_in_a_name_is_400_and_touches_nothing(client, reader, query):
    before = client.get("/api/v1/person?limit=200", headers=reader).get_json()["data"]
    assert error(client.get(f"/api/v1/person?{query}", headers=reader), 400)["code"] == "invalid_query"
    assert client.get("/api/v1/person?limit=200", headers=reader).get_json()["data"] == before


def test_a_bad_cursor_is_400(client, reader):
    assert "cursor" in error(client.get("/api/v1/person?cursor=garbage", headers=reader), 400)["fields"]


def test_a_limit_over_200_is_400(client, reader):
    assert "limit" in error(client.get("/api/v1/person?limit=201", headers=reader), 400)["fields"]


def test_a_body_that_is_not_json_is_400(client, writer):
    answer = client.post("/api/v1/person", data="{not json", content_type="application/json", headers=writer)
    assert error(answer, 400)["code"] == "bad_request"


def test_a_body_that_is_not_an_object_is_400(client, writer):
    assert error(client.post("/api/v1/person", json=[1, 2], headers=writer), 400)["code"] == "bad_request"


def test_invalid_values_are_422_with_a_message_per_field(client, writer):
    body = error(client.post("/api/v1/person", json={"score": 500}, headers=writer), 422)
    assert body["code"] == "validation_failed" and set(body["fields"]) == {"name", "score"}


def test_setting_a_computed_field_is_422(client, writer):
    body = error(client.post("/api/v1/person", json={"name": "A", "deal_count": 3}, headers=writer), 422)
    assert "deal_count" in body["fields"]


class Limited(SystemAccess):
    """May read persons except those named Secret, never create them, never delete."""

    def can(self, user, verb, entity, record=None):
        if verb == "read" and record is not None:
            return record.get("name") != "Secret"
        return verb in ("read", "write")

    def read_filter(self, user, entity, table=None):
        return table.c.name != "Secret" if entity == "person" and table is not None else None


@pytest.fixture
def limited(api, client, writer):
    secret = client.post("/api/v1/person", json={"name": "Secret"}, headers=writer).get_json()
    runtime(api).access = Limited()
    return secret


def test_a_record_the_user_may_not_read_is_404_not_403(client, reader, limited):
    assert error(client.get(f"/api/v1/person/{limited['id']}", headers=reader), 404)["code"] == "not_found"
    assert client.get("/api/v1/person", headers=reader).get_json()["count"] == 0


def test_a_write_the_user_may_not_do_is_403(client, writer, limited):
    assert error(client.post("/api/v1/person", json={"name": "Bob"}, headers=writer), 403)["code"] == "forbidden"


class Broken:
    name = "broken"

    @hookimpl
    def before_save(self, record, changes, context):
        if record.entity == "person":
            raise RuntimeError("boom")


@pytest.fixture
def broken(trellis_config):
    app = api_app({**trellis_config, "EXTRA_PLUGINS": [Broken()]})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_failing_plugin_hook_is_a_json_500_naming_the_plugin_without_a_traceback(broken):
    # Was "server_error": a plugin's failure now names the plugin and hook (code "plugin_error").
    headers = bearer(broken, new_user(broken, "ann@example.com"))
    answer = broken.test_client().post("/api/v1/person", json={"name": "Ann"}, headers=headers)
    body = error(answer, 500)
    assert body["code"] == "plugin_error" and "Traceback" not in answer.get_data(as_text=True)
    assert "'broken'" in body["message"] and "before_save" in body["message"] and body["reference"]


def test_a_number_too_large_for_its_column_is_422_not_500(client, writer):
    body = error(client.post("/api/v1/person", json={"name": "A", "score": 10**30}, headers=writer), 422)
    assert body["fields"] == {"score": "is too large to store"}


def test_a_nul_character_in_a_value_is_422(client, writer):
    body = error(client.post("/api/v1/person", json={"name": "A\x00B"}, headers=writer), 422)
    assert body["fields"] == {"name": "must not contain a NUL character"}


def test_a_nul_character_in_a_filter_is_400(client, reader):
    assert "name" in error(client.get("/api/v1/person?name=A%00B", headers=reader), 400)["fields"]


def test_a_404_outside_the_api_is_left_to_the_web_pages(client):
    answer = client.get("/no-such-page")
    assert answer.status_code == 404 and answer.mimetype != "application/json"


def test_an_id_too_large_for_any_column_is_404(client, reader):
    assert error(client.get(f"/api/v1/person/{10**30}", headers=reader), 404)["code"] == "not_found"
    # Ids are INTEGER on PostgreSQL: one past 32 bits names no record there either.
    assert error(client.get(f"/api/v1/person/{2**31}", headers=reader), 404)["code"] == "not_found"
    assert error(client.patch(f"/api/v1/person/{2**40}", json={}, headers=reader), 404)["code"] == "not_found"


def test_a_filter_number_too_large_for_its_column_is_400(client, reader):
    assert error(client.get(f"/api/v1/person?score__in=1,{10**30}", headers=reader), 400)["fields"] == {
        "score__in": "is too large"}
    assert error(client.get(f"/api/v1/person?id={10**30}", headers=reader), 400)["fields"] == {"id": "is too large"}
    assert error(client.get(f"/api/v1/person?version={2**31}", headers=reader), 400)["fields"] == {
        "version": "is too large"}
