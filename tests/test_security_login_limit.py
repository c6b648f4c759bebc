"""Failed sign-ins are limited per client address, in the database."""

from trellis.security.accounts import create_user
from trellis.security.login_limit import MAX_FAILURES
from trellis.security.testing import csrf_token

PASSWORD = "a long enough password"


def _attempt(client, email, password, address):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def _flood(client, address):
    # Different unknown emails: the per-account lock must not be what stops the caller.
    for i in range(MAX_FAILURES):
        assert _attempt(client, f"guess{i}@example.com", "wrong password", address).status_code == 401


def test_an_address_with_too_many_failures_is_refused_even_with_the_right_password(app):
    with app.app_context():
        create_user(app, "ann@example.com", PASSWORD, role="admin")
    client = app.test_client()
    _flood(client, "203.0.113.7")
    response = _attempt(client, "ann@example.com", PASSWORD, "203.0.113.7")
    assert response.status_code == 429 and response.headers["Retry-After"]


def test_another_address_may_still_sign_in(app):
    with app.app_context():
        create_user(app, "ann@example.com", PASSWORD, role="admin")
    client = app.test_client()
    _flood(client, "203.0.113.7")
    assert _attempt(app.test_client(), "ann@example.com", PASSWORD, "198.51.100.2").status_code == 302


def test_failures_below_the_limit_do_not_stop_a_correct_sign_in(app):
    with app.app_context():
        create_user(app, "ann@example.com", PASSWORD, role="admin")
    client = app.test_client()
    for i in range(MAX_FAILURES - 1):
        _attempt(client, f"guess{i}@example.com", "wrong password", "203.0.113.7")
    assert _attempt(client, "ann@example.com", PASSWORD, "203.0.113.7").status_code == 302
