"""Users save their own preferences (language, time zone) but cannot change their own team.

Non-administrators got a 403 saving language and time zone. Letting them write their own
``user`` record outright would let them move to another team, and with it widen their
"team" read access: only language and time zone are theirs to change.
"""

import pytest
from trellis.data.records import records_for
from trellis.testing.api import bearer
from trellis.testing.web import post


@pytest.fixture
def ann(client_as):
    return client_as("contacts_user")


@pytest.fixture
def teams(trellis_app, ann):
    with trellis_app.app_context():
        system = records_for(trellis_app)
        home, other = system.create("team", {"name": "Home"}).id, system.create("team", {"name": "Other"}).id
        system.update("user", ann.user_id, {"team": home})
    return home, other


def _me(app, user_id):
    with app.app_context():
        return records_for(app).get("user", user_id)


def test_a_user_without_rights_on_users_saves_her_preferences(trellis_app, ann):
    answer = post(ann, "/preferences", {"locale": "bg", "timezone": "Europe/Sofia"})
    assert answer.status_code == 302
    me = _me(trellis_app, ann.user_id)
    assert (me["locale"], me["timezone"]) == ("bg", "Europe/Sofia")


def test_she_cannot_move_herself_to_another_team_on_the_form(trellis_app, ann, teams):
    home, other = teams
    answer = post(ann, f"/app/user/{ann.user_id}", {"team": other, "version": _me(trellis_app, ann.user_id).version})
    assert answer.status_code in (403, 422)
    assert _me(trellis_app, ann.user_id)["team"] == home


def test_she_cannot_move_herself_to_another_team_or_reactivate_through_the_api(trellis_app, ann, teams):
    home, other = teams
    headers = bearer(trellis_app, ann.user_id, scope="write")
    for change in ({"team": other}, {"active": False}, {"email": "boss@example.com"}):
        answer = ann.patch(f"/api/v1/user/{ann.user_id}", json=change, headers=headers)
        assert answer.status_code in (403, 422), change
    me = _me(trellis_app, ann.user_id)
    assert (me["team"], me["active"]) == (home, True) and me["email"] != "boss@example.com"


def test_she_cannot_change_a_colleagues_preferences(trellis_app, ann, client_as):
    bob = client_as("contacts_user")
    headers = bearer(trellis_app, ann.user_id, scope="write")
    answer = ann.patch(f"/api/v1/user/{bob.user_id}", json={"locale": "fa"}, headers=headers)
    assert answer.status_code in (403, 404)
    assert _me(trellis_app, bob.user_id)["locale"] != "fa"


def test_her_roles_are_not_hers_to_change(trellis_app, ann):
    headers = bearer(trellis_app, ann.user_id, scope="write")
    answer = ann.patch(f"/api/v1/user/{ann.user_id}", json={"roles": ["admin"]}, headers=headers)
    assert answer.status_code in (403, 422)
    assert ann.get("/admin/").status_code == 404
