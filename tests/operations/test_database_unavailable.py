"""The database stops answering: themed 503 pages, a failed save kept for a retry, JSON 503 with Retry-After."""

from __future__ import annotations

import logging
import re
from html import unescape

import pytest
from sqlalchemy import event
from trellis.data.database import db
from trellis.testing.web import csrf_token, signed_in_client


class Outage:
    """Every statement fails as a database that went away does, until ``over()``."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.on = False
        event.listen(self.engine, "before_cursor_execute", self._fail)

    def _fail(self, *args, **kwargs):
        if self.on:
            raise self.engine.dialect.dbapi.OperationalError("the database went away (the test cut it)")

    def __enter__(self):
        self.on = True
        return self

    def __exit__(self, *exc):
        self.on = False


@pytest.fixture
def outage(app):
    o = Outage(app)
    yield o
    event.remove(o.engine, "before_cursor_execute", o._fail)


def test_a_page_answers_a_themed_503_with_retry_after_and_recovers(app, outage, caplog):
    web = signed_in_client(app)
    with caplog.at_level(logging.WARNING), outage:
        answer = web.get("/app/customer")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert "Temporarily unavailable" in page and "/static/trellis.css" in page
    assert "Internal Server Error" not in page
    assert not any(r.exc_info for r in caplog.records)
    assert web.get("/app/customer").status_code == 200     # no restart needed


def test_a_save_that_failed_keeps_the_typed_values_and_the_retry_saves_them(app, outage, records):
    web = signed_in_client(app)
    token = csrf_token(web, "/app/customer/new")
    typed = {"name": "Ann <Smith>", "note": "called on Monday", "csrf_token": token}
    with outage:
        answer = web.post("/app/customer/new", data=typed)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503
    assert "Could not save, try again" in page
    assert "<bdi>Ann &lt;Smith&gt;</bdi>" in page and "called on Monday" in page
    form = re.search(r'<form method="post" action="([^"]+)" class="retry-form">(.*?)</form>', page, re.S)
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    assert {k: unescape(v) for k, v in carried.items()} == typed
    assert records.query("customer").page().rows == []         # nothing half-saved
    again = web.post(unescape(form.group(1)), data={k: unescape(v) for k, v in carried.items()})
    assert again.status_code == 302
    assert [(r["name"], r["note"]) for r in records.query("customer").page().rows] == [
        ("Ann <Smith>", "called on Monday")]


def test_the_api_answers_json_503_with_retry_after(app, outage):
    from trellis.api import create_token
    from trellis.security.accounts import create_user

    with app.app_context():
        user = create_user(app, "api@example.com", None, role="admin", name="API")
        _, secret = create_token(app, user, scope="write")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    with outage:
        answer = client.post("/api/v1/customer", json={"name": "Bob"}, headers=headers)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.get_json()["error"]["code"] == "unavailable"
    assert client.post("/api/v1/customer", json={"name": "Bob"}, headers=headers).status_code == 201
