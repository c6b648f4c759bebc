"""Finding 11 (security round 2): a password change or signing out everywhere also ends the user's API tokens.

A token taken from a user's machine must not outlive the user's own "lock everyone out".
"""

from trellis.security.accounts import change_own_password, create_user, set_password
from trellis.testing.api import bearer
from trellis.testing.web import login, post

PASSWORD = "a long enough password"


def _user_with_token(app, email="tok@example.com"):
    with app.app_context():
        account = create_user(app, email, PASSWORD, role="admin", name="Tok")
    headers = bearer(app, account.id, scope="write")
    assert app.test_client().get("/api/v1/contact", headers=headers).status_code == 200
    return account, headers


def test_an_api_token_stops_working_when_an_administrator_sets_a_new_password(trellis_app):
    account, headers = _user_with_token(trellis_app)
    with trellis_app.app_context():
        set_password(trellis_app, account.id, "another long password")
    assert trellis_app.test_client().get("/api/v1/contact", headers=headers).status_code == 401


def test_an_api_token_stops_working_when_the_user_changes_their_own_password(trellis_app):
    account, headers = _user_with_token(trellis_app)
    with trellis_app.app_context():
        change_own_password(trellis_app, account.id, PASSWORD, "another long password")
    assert trellis_app.test_client().get("/api/v1/contact", headers=headers).status_code == 401


def test_an_api_token_stops_working_when_the_user_signs_out_everywhere(trellis_app):
    account, headers = _user_with_token(trellis_app)
    client = trellis_app.test_client()
    assert login(client, "tok@example.com", PASSWORD).status_code == 302
    assert post(client, "/preferences/sessions/end-all").status_code == 302
    assert trellis_app.test_client().get("/api/v1/contact", headers=headers).status_code == 401


def test_signing_out_on_one_device_leaves_the_api_tokens_working(trellis_app):
    account, headers = _user_with_token(trellis_app)
    client = trellis_app.test_client()
    assert login(client, "tok@example.com", PASSWORD).status_code == 302
    assert post(client, "/logout").status_code == 302
    assert trellis_app.test_client().get("/api/v1/contact", headers=headers).status_code == 200


def test_a_token_made_after_the_password_change_works(trellis_app):
    account, _ = _user_with_token(trellis_app)
    with trellis_app.app_context():
        set_password(trellis_app, account.id, "another long password")
    headers = bearer(trellis_app, account.id, scope="read")
    assert trellis_app.test_client().get("/api/v1/contact", headers=headers).status_code == 200
