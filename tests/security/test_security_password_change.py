"""Changing a password: by the user on /preferences, or by an administrator with `trellis user password`.

Either way every other session of the user ends: a cookie issued before the change
no longer signs anyone in.
"""

import pytest
from trellis.security.accounts import create_user
from trellis.testing.web import login, post

PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"


@pytest.fixture
def ann(app):
    with app.app_context():
        return create_user(app, "ann@example.com", PASSWORD, role="contacts_user", name="Ann")


@pytest.fixture
def signed_in(app, client, ann):
    assert login(client, "ann@example.com", PASSWORD).status_code == 302
    return client


def _with_cookie(app, cookie):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def _change(client, current=PASSWORD, new=NEW, again=None):
    return post(client, "/preferences/password", {"current_password": current, "new_password": new,
                                                  "new_password_again": new if again is None else again},
                form_page="/preferences")


def test_the_preferences_page_offers_a_password_change(signed_in):
    page = signed_in.get("/preferences").get_data(as_text=True)
    assert 'action="/preferences/password"' in page and 'name="current_password"' in page


def test_a_user_changes_their_password_and_signs_in_with_the_new_one(app, signed_in):
    assert _change(signed_in).status_code == 302
    assert login(app.test_client(), "ann@example.com", NEW).status_code == 302
    assert login(app.test_client(), "ann@example.com", PASSWORD).status_code == 401


def test_changing_the_password_ends_every_other_session_but_keeps_this_one(app, signed_in):
    old_cookie = signed_in.get_cookie("session").value
    _change(signed_in)
    assert signed_in.get("/").status_code == 200
    assert _with_cookie(app, old_cookie).get("/").status_code == 302


def test_a_wrong_current_password_changes_nothing(app, signed_in):
    r = _change(signed_in, current="not my password at all")
    assert r.status_code == 422 and "current password is wrong" in r.get_data(as_text=True)
    assert signed_in.get("/").status_code == 200
    assert login(app.test_client(), "ann@example.com", PASSWORD).status_code == 302


@pytest.mark.parametrize("new,message", [("short1", "at least 10 characters"),
                                         ("password123", "most common"),
                                         ("ann@example.com", "must not be the email")])
def test_a_new_password_the_policy_refuses_changes_nothing(app, signed_in, new, message):
    r = _change(signed_in, new=new)
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert login(app.test_client(), "ann@example.com", PASSWORD).status_code == 302


def test_two_different_new_passwords_change_nothing(app, signed_in):
    r = _change(signed_in, again=NEW + "!")
    assert r.status_code == 422 and "differ" in r.get_data(as_text=True)
    assert login(app.test_client(), "ann@example.com", PASSWORD).status_code == 302


def test_a_password_change_without_a_valid_csrf_token_is_refused(app, signed_in):
    r = signed_in.post("/preferences/password", data={"current_password": PASSWORD, "new_password": NEW,
                                                       "new_password_again": NEW, "csrf_token": "forged"})
    assert r.status_code == 400
    assert login(app.test_client(), "ann@example.com", PASSWORD).status_code == 302


def test_trellis_user_password_sets_a_new_password_and_ends_every_session(app, signed_in):
    from trellis.cli import cli

    r = app.test_cli_runner().invoke(cli, ["user", "password", "ann@example.com", "--password-stdin"],
                                     input=NEW + "\n")
    assert r.exit_code == 0, r.output
    assert signed_in.get("/").status_code == 302
    assert login(app.test_client(), "ann@example.com", NEW).status_code == 302


def test_trellis_user_password_refuses_a_weak_password_and_an_unknown_user(app, ann):
    from trellis.cli import cli

    runner = app.test_cli_runner()
    weak = runner.invoke(cli, ["user", "password", "ann@example.com", "--password-stdin"], input="short\n")
    own_email = runner.invoke(cli, ["user", "password", "ann@example.com", "--password-stdin"],
                              input="ann@example.com\n")
    unknown = runner.invoke(cli, ["user", "password", "bob@example.com", "--password-stdin"], input=NEW + "\n")
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    assert own_email.exit_code == 1 and "must not be the email" in own_email.output
    assert unknown.exit_code == 1 and "no user" in unknown.output
    assert login(app.test_client(), "ann@example.com", PASSWORD).status_code == 302
