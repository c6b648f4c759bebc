"""An activity is its assignee's: the contacts plugin's ``owner_field: assigned`` makes a role's ``own`` (and
``team``) mean assigned to the user, on the web list and record page, in the API, and for writes."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from trellis.testing.api import bearer

MINE, THEIRS = "Call the florist back", "Visit the bakery"


@pytest.fixture
def trellis_config(trellis_config):
    """The app's organisation adds a ``clerk`` role writing its own activities, with no ``assigned`` field grant."""
    (Path(trellis_config["ORG_DIR"]) / "metadata" / "roles.yaml").write_text(
        "roles:\n  clerk:\n    activity: {read: own, create: true, write: own, delete: none}\n")
    return trellis_config


@pytest.fixture
def desk(trellis_app, client_as, records):
    """Two salespeople (no team: the sales plugin's ``read: team`` is their own), an activity assigned to each,
    neither created by them."""
    ann, bob = client_as("salesperson"), client_as("salesperson")
    mine = records.create("activity", {"subject": MINE, "kind": "call", "assigned": ann.user_id})
    theirs = records.create("activity", {"subject": THEIRS, "kind": "task", "assigned": bob.user_id})
    return SimpleNamespace(app=trellis_app, ann=ann, bob=bob, mine=mine, theirs=theirs, records=records,
                           api=bearer(trellis_app, ann.user_id, scope="write"))


def test_the_activity_list_shows_a_salesperson_what_is_assigned_to_them_and_not_a_colleagues(desk):
    page = desk.ann.get("/app/activity")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert MINE in text and THEIRS not in text


def test_a_salesperson_opens_their_activity_and_not_a_colleagues(desk):
    assert desk.ann.get(f"/app/activity/{desk.mine.id}").status_code == 200
    assert desk.ann.get(f"/app/activity/{desk.theirs.id}").status_code == 404
    assert desk.bob.get(f"/app/activity/{desk.theirs.id}").status_code == 200


def test_the_api_lists_and_gets_only_the_activities_assigned_to_the_caller(desk):
    listed = desk.ann.get("/api/v1/activity", headers=desk.api)
    assert [row["subject"] for row in listed.get_json()["data"]] == [MINE]
    assert desk.ann.get(f"/api/v1/activity/{desk.mine.id}", headers=desk.api).status_code == 200
    assert desk.ann.get(f"/api/v1/activity/{desk.theirs.id}", headers=desk.api).status_code == 404


def test_a_salesperson_ticks_off_their_activity_but_cannot_touch_a_colleagues(desk):
    done = desk.ann.patch(f"/api/v1/activity/{desk.mine.id}", json={"done": True}, headers=desk.api)
    assert done.status_code == 200, done.get_json()
    refused = desk.ann.patch(f"/api/v1/activity/{desk.theirs.id}", json={"done": True}, headers=desk.api)
    assert refused.status_code == 404
    assert desk.records.get("activity", desk.mine.id)["done"] is True
    assert desk.records.get("activity", desk.theirs.id)["done"] is False


def test_a_new_activity_is_assigned_to_its_author_unless_handed_to_a_colleague_who_then_owns_it(desk):
    made = desk.ann.post("/api/v1/activity", json={"subject": "Send the catalogue"}, headers=desk.api)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["assigned"]["id"] == desk.ann.user_id
    # The sales plugin's salesperson grants `assigned` write by name: a task may be handed on.
    handed = desk.ann.post("/api/v1/activity", json={"subject": "Yours now", "assigned": desk.bob.user_id},
                           headers=desk.api)
    assert handed.status_code == 201, handed.get_json()
    handed_id = handed.get_json()["id"]
    assert desk.records.get("activity", handed_id)["assigned"] == desk.bob.user_id
    assert desk.ann.get(f"/app/activity/{handed_id}").status_code == 404
    assert desk.bob.get(f"/app/activity/{handed_id}").status_code == 200


def test_a_role_without_the_field_grant_may_not_hand_an_activity_on(trellis_app, client_as, records):
    clerk, other = client_as("clerk"), client_as("clerk")
    api = bearer(trellis_app, clerk.user_id, scope="write")
    refused = clerk.post("/api/v1/activity", json={"subject": "Not mine to give", "assigned": other.user_id},
                         headers=api)
    assert refused.status_code == 422
    assert "assigned" in refused.get_json()["error"]["fields"]
    assert records.query("activity").filter(subject="Not mine to give").count()[0] == 0
