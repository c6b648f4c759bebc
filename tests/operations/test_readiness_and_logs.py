"""``/readyz`` (database, broker, migrations) and log levels an operator can live with."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def trellis_config(trellis_config):
    trellis_config["PLUGINS"] = ["contacts"]
    return trellis_config


def test_readyz_is_ok_when_the_database_answers_and_is_migrated(client, db_url):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ok" and body["migrations"] == {"ok": True, "pending": 0}
    assert body["broker"] == {"ok": True, "configured": False}
    assert body["database"]["database"] == db_url.split(":")[0].split("+")[0]


def test_readyz_says_503_when_a_migration_is_pending_or_the_broker_is_away(trellis_config):
    import socket

    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    app = create_app({**trellis_config, "BROKER_URL": f"redis://127.0.0.1:{closed}/0", "JOB_RUNNER": "manual"})
    body = app.test_client().get("/readyz")
    assert body.status_code == 503
    report = body.get_json()
    assert report["migrations"]["ok"] is False and report["migrations"]["pending"] > 0
    assert report["broker"]["ok"] is False and report["database"]["ok"] is True
    upgrade(app)
    assert app.test_client().get("/readyz").get_json()["migrations"] == {"ok": True, "pending": 0}


def test_a_user_s_page_views_log_no_warning_for_buttons_they_may_not_have(client_as, caplog):
    web = client_as("contacts_user")        # the menu asks about admin pages, and is refused
    with caplog.at_level(logging.INFO):
        assert web.get("/app/tag").status_code == 200
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any(r.getMessage().startswith("denied ") and r.levelno == logging.INFO for r in caplog.records)
