"""Finding 4 (security round 2): a note or activity can be attached only to a record its author may read.

Through the API a salesperson attached a note and a task to a deal she cannot see; they
showed on the deal owner's timeline.
"""

import pytest
from shipped_helpers import plant, stored, uproot


@pytest.mark.parametrize("entity,values", [("note", {"body": "psst"}),
                                           ("activity", {"subject": "call", "kind": "task"})])
def test_a_note_or_activity_on_a_record_the_author_cannot_read_is_refused(shipped, entity, values):
    deal = plant(shipped, "deal", "out")  # the outsider's deal: a salesperson reads only her own
    try:
        body = {**values, "ref_entity": "deal", "ref_record": deal.id}
        answer = shipped.clients["salesperson"].post(f"/api/v1/{entity}", json=body,
                                                     headers=shipped.headers["salesperson"])
        assert answer.status_code == 422 and "ref_record" in answer.get_json()["error"]["fields"]
    finally:
        uproot(shipped, deal)


def test_a_note_on_the_authors_own_record_is_accepted(shipped):
    deal = plant(shipped, "deal", "salesperson")
    try:
        answer = shipped.clients["salesperson"].post("/api/v1/note", json={
            "body": "mine", "ref_entity": "deal", "ref_record": deal.id}, headers=shipped.headers["salesperson"])
        assert answer.status_code == 201
        assert stored(shipped, "note", answer.get_json()["id"])["ref_record"] == deal.id
    finally:
        uproot(shipped, deal)


def test_a_note_naming_an_unknown_kind_of_record_is_refused(shipped):
    answer = shipped.clients["salesperson"].post("/api/v1/note", json={
        "body": "x", "ref_entity": "trellis_credential", "ref_record": 1}, headers=shipped.headers["salesperson"])
    assert answer.status_code == 422
