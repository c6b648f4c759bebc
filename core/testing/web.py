"""Helpers for tests that drive the web UI with Flask's test client, CSRF protection on.

    from trellis.testing.web import csrf_token, login, post

    login(client, "ann@example.com", "a password")
    post(client, "/app/contact/new", {"last_name": "Smith"})
"""

from __future__ import annotations

import re
import secrets

_TOKEN = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from the page at ``path``."""
    page = client.get(path).get_data(as_text=True)
    found = _TOKEN.search(page)
    if found is None:
        raise AssertionError(f"no CSRF token on {path}")
    return found.group(1)


def login(client, email: str, password: str):
    """Sign in through the login form; returns the response (302 when it worked)."""
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def post(client, path: str, data: dict | None = None, form_page: str = "/", **kwargs):
    """POST ``data`` to ``path`` with the session's CSRF token (taken from ``form_page``)."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, form_page)}, **kwargs)


def signed_in_client(app, email: str = "admin@example.com", role: str = "admin", name: str | None = "Test Admin"):
    """A new test client of ``app``, signed in as a new user with ``role`` (admin by default)."""
    from trellis.security.accounts import create_user

    password = secrets.token_urlsafe(16)
    with app.app_context():
        create_user(app, email, password, role=role, name=name)
    client = app.test_client()
    response = login(client, email, password)
    if response.status_code != 302:
        raise AssertionError(f"could not sign in as {email}: {response.status_code}")
    return client
