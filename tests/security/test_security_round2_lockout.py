"""Finding 13 (security round 2): sign-in answers take as long for a locked account as for an unknown email,
and wrong passwords from one address do not keep the owner, signing in from elsewhere, out."""

import time

from trellis.security.accounts import authenticate, create_user
from trellis.testing.web import csrf_token

PASSWORD = "a long enough password"


def _attempt(app, email, password, address):
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_overrides=environ)


def test_a_locked_account_answers_as_slowly_as_an_unknown_email(trellis_app):
    with trellis_app.app_context():
        create_user(trellis_app, "locked@example.com", PASSWORD, role="admin")
        for _ in range(6):
            assert authenticate(trellis_app, "locked@example.com", "wrong guess", address="10.0.0.1") is None

        def mean(email):
            start = time.perf_counter()
            for _ in range(3):
                assert authenticate(trellis_app, email, "wrong guess", address="10.0.0.1") is None
            return (time.perf_counter() - start) / 3

        unknown, locked = mean("nobody@example.com"), mean("locked@example.com")
    assert locked > unknown / 3, (locked, unknown)


def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out_at_their_usual_address(trellis_app):
    with trellis_app.app_context():
        create_user(trellis_app, "owner@example.com", PASSWORD, role="admin")
    assert _attempt(trellis_app, "owner@example.com", PASSWORD, "198.51.100.7").status_code == 302
    for _ in range(8):
        assert _attempt(trellis_app, "owner@example.com", "a wrong guess", "203.0.113.9").status_code == 401
    assert _attempt(trellis_app, "owner@example.com", PASSWORD, "203.0.113.9").status_code == 401
    assert _attempt(trellis_app, "owner@example.com", PASSWORD, "198.51.100.7").status_code == 302
