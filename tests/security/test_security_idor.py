"""Guessing ids: a salesperson aims every route at an outsider's deal (own-only for salespeople).

Each route answers 404 -- as for an id that was never used -- and nothing changes:
not the deal, and no note or activity is attached to it.
"""

import re

import pytest
from shipped_helpers import plant, stored, uproot, web_post
from trellis.data.records import records_for

ACTOR = "salesperson"
MISSING = 2_000_000_000  # an id no record has

GUESSES = [
    ("get", "/app/deal/{id}", None),
    ("post", "/app/deal/{id}", {"name": "Mine now"}),
    ("post", "/app/deal/{id}/delete", {}),
    ("post", "/app/deal/{id}/notes", {"body": "I was here"}),
    ("post", "/app/deal/{id}/activities", {"subject": "I was here"}),
    ("post", "/app/deal/{id}/move", {"to": "qualified"}),
    ("post", "/app/deal/{id}/transition/qualify", {}),
    ("get", "/api/v1/deal/{id}", None),
    ("patch", "/api/v1/deal/{id}", {"name": "Mine now"}),
    ("delete", "/api/v1/deal/{id}", None),
    ("get", "/api/v1/deal/{id}/history", None),
    ("post", "/api/v1/deal/{id}/transitions/qualify", {}),
]


@pytest.fixture
def theirs(shipped):
    planted = plant(shipped, "deal", "out")
    yield planted
    uproot(shipped, planted)


def _request(world, method, path, data):
    client = world.clients[ACTOR]
    if path.startswith("/api/"):
        return getattr(client, method)(path, json=data, headers=world.headers[ACTOR])
    if method == "post":
        return web_post(world, ACTOR, path, data)
    return client.get(path)


def _attached(world, deal_id) -> int:
    with world.app.app_context():
        system = records_for(world.app)
        return sum(system.query(e).filter(ref_entity="deal", ref_record=deal_id).page().count
                   for e in ("note", "activity"))


@pytest.mark.parametrize("method,path,data", GUESSES, ids=[f"{m} {p}" for m, p, _ in GUESSES])
def test_guessing_the_id_of_an_outsiders_deal_is_a_404_and_changes_nothing(shipped, theirs, method, path, data):
    response = _request(shipped, method, path.format(id=theirs.id), data)
    assert response.status_code == 404
    after = stored(shipped, "deal", theirs.id)
    assert dict(after) == dict(theirs.record) and after.version == theirs.record.version
    assert _attached(shipped, theirs.id) == 0


@pytest.mark.parametrize("method,path,data", GUESSES, ids=[f"{m} {p}" for m, p, _ in GUESSES])
def test_a_forbidden_id_and_a_missing_id_answer_alike(shipped, theirs, method, path, data):
    forbidden = _request(shipped, method, path.format(id=theirs.id), data)
    missing = _request(shipped, method, path.format(id=MISSING), data)
    assert forbidden.status_code == missing.status_code
    assert _masked(forbidden.get_data(as_text=True), theirs.id) == _masked(missing.get_data(as_text=True), MISSING)


def _masked(text: str, record_id: int) -> str:
    """The page with the record id replaced wherever it stands as a number of its own (not the 8 of utf-8)."""
    return re.sub(rf"(?<![\w.-]){record_id}(?![\w.])", "N", text)


def _bulk_message(world, data) -> str:
    web_post(world, ACTOR, "/app/deal/bulk", data)
    page = world.clients[ACTOR].get("/app/deal").get_data(as_text=True)
    return " ".join(re.findall(r"Not changed: [^<]*", page))


@pytest.mark.parametrize("action", [{"action": "set", "field": "name", "value": "Mine now"}, {"action": "delete"}],
                         ids=["set", "delete"])
def test_a_bulk_action_on_an_outsiders_deal_changes_nothing_and_reads_as_a_missing_id(shipped, theirs, action):
    forbidden = _bulk_message(shipped, {**action, "ids": str(theirs.id)})
    missing = _bulk_message(shipped, {**action, "ids": str(MISSING)})
    after = stored(shipped, "deal", theirs.id)
    assert dict(after) == dict(theirs.record) and after.version == theirs.record.version
    assert forbidden and forbidden.replace(str(theirs.id), "N") == missing.replace(str(MISSING), "N")
