"""CRUD, filters, pagination, transitions and history through /api/v1 with a bearer token."""



def create(client, headers, entity, values):
    answer = client.post(f"/api/v1/{entity}", json=values, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer


def test_post_creates_a_record_with_location_and_etag(client, writer):
    answer = create(client, writer, "person", {"name": "Ann", "email": "ann@example.com"})
    body = answer.get_json()
    assert body["name"] == "Ann" and body["version"] == 1 and body["deal_count"] == 0
    assert answer.headers["Location"] == f"/api/v1/person/{body['id']}"  # never from the Host header (round 2, 17)
    assert answer.headers["ETag"] == '"1"'


def test_get_reads_one_record_with_link_fields_as_id_and_name(client, writer):
    ann = create(client, writer, "person", {"name": "Ann"}).get_json()
    deal = create(client, writer, "deal", {"name": "Big", "person": ann["id"], "amount": "12.50"}).get_json()
    answer = client.get(f"/api/v1/deal/{deal['id']}", headers=writer)
    body = answer.get_json()
    assert body["person"] == {"id": ann["id"], "name": "Ann"}
    assert body["amount"] == "12.50" and body["expected"] == "25.00"
    assert answer.headers["ETag"] == '"1"'


def test_a_link_may_be_given_as_an_object_with_an_id(client, writer):
    ann = create(client, writer, "person", {"name": "Ann"}).get_json()
    deal = create(client, writer, "deal", {"name": "D", "person": {"id": ann["id"], "name": "whatever"}}).get_json()
    assert deal["person"] == {"id": ann["id"], "name": "Ann"}


def test_list_filters_by_field_and_operator(client, writer):
    for name, score in (("Ann", 10), ("Bob", 50), ("Cy", 90)):
        create(client, writer, "person", {"name": name, "score": score})
    body = client.get("/api/v1/person?score__gte=50&name__ne=Cy", headers=writer).get_json()
    assert [p["name"] for p in body["data"]] == ["Bob"]
    assert client.get("/api/v1/person?name=Ann", headers=writer).get_json()["count"] == 1


def test_list_searches_sorts_and_limits_fields(client, writer):
    for name, score in (("Ann Smith", 10), ("Bob Smith", 50), ("Cy Jones", 90)):
        create(client, writer, "person", {"name": name, "score": score})
    body = client.get("/api/v1/person?q=smith&sort=-score&fields=name", headers=writer).get_json()
    assert [p["name"] for p in body["data"]] == ["Bob Smith", "Ann Smith"]
    assert set(body["data"][0]) == {"id", "version", "name"}


def test_list_pages_with_a_next_link_until_the_end(client, writer):
    for number in range(5):
        create(client, writer, "person", {"name": f"P{number}"})
    url, seen = "/api/v1/person?limit=2&sort=name", []
    while url:
        body = client.get(url, headers=writer).get_json()
        assert body["count"] == 5 and body["count_capped"] is False
        seen += [p["name"] for p in body["data"]]
        url = body["next"]
    assert seen == ["P0", "P1", "P2", "P3", "P4"]


def test_patch_changes_fields_and_bumps_the_version(client, writer):
    ann = create(client, writer, "person", {"name": "Ann"}).get_json()
    answer = client.patch(f"/api/v1/person/{ann['id']}", json={"score": 7}, headers={**writer, "If-Match": '"1"'})
    assert answer.status_code == 200
    assert (answer.get_json()["score"], answer.get_json()["version"]) == (7, 2)
    assert answer.headers["ETag"] == '"2"'


def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(client, writer):
    ann = create(client, writer, "person", {"name": "Ann"}).get_json()
    client.patch(f"/api/v1/person/{ann['id']}", json={"score": 1}, headers=writer)
    answer = client.patch(f"/api/v1/person/{ann['id']}", json={"score": 99}, headers={**writer, "If-Match": '"1"'})
    assert answer.status_code == 412
    assert answer.get_json()["error"]["code"] == "precondition_failed"
    assert answer.get_json()["error"]["current"]["score"] == 1
    assert client.get(f"/api/v1/person/{ann['id']}", headers=writer).get_json()["score"] == 1


def test_patch_with_a_stale_version_in_the_body_is_409_with_the_current_values(client, writer):
    ann = create(client, writer, "person", {"name": "Ann"}).get_json()
    client.patch(f"/api/v1/person/{ann['id']}", json={"score": 1}, headers=writer)
    answer = client.patch(f"/api/v1/person/{ann['id']}", json={"score": 99, "version": 1}, headers=writer)
    assert answer.status_code == 409
    assert answer.get_json()["error"]["current"]["score"] == 1
    assert client.get(f"/api/v1/person/{ann['id']}", headers=writer).get_json()["score"] == 1


def test_delete_answers_204_and_the_record_is_gone(client, writer):
    ann = create(client, writer, "person", {"name": "Ann"}).get_json()
    assert client.delete(f"/api/v1/person/{ann['id']}", headers=writer).status_code == 204
    assert client.get(f"/api/v1/person/{ann['id']}", headers=writer).status_code == 404


def test_a_transition_moves_the_record(client, writer):
    deal = create(client, writer, "deal", {"name": "D"}).get_json()
    answer = client.post(f"/api/v1/deal/{deal['id']}/transitions/qualify", headers=writer)
    assert answer.status_code == 200 and answer.get_json()["stage"] == "qualified"


def test_a_transition_guard_refuses_with_422(client, writer):
    deal = create(client, writer, "deal", {"name": "D", "amount": 0}).get_json()
    client.post(f"/api/v1/deal/{deal['id']}/transitions/qualify", headers=writer)
    answer = client.post(f"/api/v1/deal/{deal['id']}/transitions/propose", headers=writer)
    assert answer.status_code == 422 and "stage" in answer.get_json()["error"]["fields"]


def test_patching_the_state_field_cannot_bypass_a_transition_guard(client, writer):
    deal = create(client, writer, "deal", {"name": "D", "amount": 0}).get_json()
    client.post(f"/api/v1/deal/{deal['id']}/transitions/qualify", headers=writer)
    answer = client.patch(f"/api/v1/deal/{deal['id']}", json={"stage": "proposal"}, headers=writer)
    assert answer.status_code == 422
    assert "stage" in answer.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/deal/{deal['id']}", headers=writer).get_json()["stage"] == "qualified"


def test_a_transition_may_set_the_fields_it_requires(client, writer):
    deal = create(client, writer, "deal", {"name": "D"}).get_json()
    answer = client.post(f"/api/v1/deal/{deal['id']}/transitions/lose", json={"lost_reason": "Price"},
                         headers=writer)
    assert answer.status_code == 200 and answer.get_json()["stage"] == "lost"


def test_history_lists_the_changes_with_the_api_channel(client, writer):
    ann = create(client, writer, "person", {"name": "Ann"}).get_json()
    client.patch(f"/api/v1/person/{ann['id']}", json={"score": 5}, headers=writer)
    changes = client.get(f"/api/v1/person/{ann['id']}/history", headers=writer).get_json()["data"]
    assert {"field": "score", "old": None, "new": 5} in [{k: c[k] for k in ("field", "old", "new")} for c in changes]
    assert {c["channel"] for c in changes} == {"api"}


def test_get_one_record_runs_three_queries_once_the_token_was_used(api, client, reader, writer):
    from trellis.testing import sql_statements

    person = create(client, writer, "person", {"name": "Ann"}).get_json()
    for i in range(5):
        create(client, writer, "deal", {"name": f"D{i}", "person": person["id"]})
    client.get(f"/api/v1/person/{person['id']}", headers=reader)   # the token's first use
    with sql_statements(api) as seen:
        answer = client.get(f"/api/v1/person/{person['id']}", headers=reader)
    assert answer.status_code == 200 and answer.get_json()["name"] == "Ann"
    # the token, its user, the record: the rate counter is written once per batch of requests
    assert len(seen) == 3, seen
