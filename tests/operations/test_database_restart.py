"""PostgreSQL goes away during a burst of saves (a TCP proxy in front of it is cut, then restored).

Every request is a success or a clean 503; every success is in the database exactly
once, nothing answered 503 is; the app serves again without a restart.
"""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from trellis.testing.tcp_proxy import Proxy

CUSTOMER = "entity: customer\ntitle: name\nfields:\n  name: {type: string, required: true}\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgres
def test_saves_fail_cleanly_while_postgresql_is_away_and_succeed_after_without_a_restart(db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: the proxy cuts a TCP connection")
    from trellis.api import create_token
    from trellis.app import create_app
    from trellis.data.migrate import upgrade
    from trellis.security.accounts import create_user

    real = make_url(db_url)
    proxy = Proxy(_free_port(), (real.host or "127.0.0.1", real.port or 5432)).start()
    proxied = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    org = tmp_path / "org"
    (org / "metadata" / "entities").mkdir(parents=True)
    (org / "metadata" / "entities" / "customer.yaml").write_text(CUSTOMER, encoding="utf-8")
    app = create_app({"DATABASE_URL": proxied, "ORG_DIR": str(org), "TESTING": True, "SECRET_KEY": "x",
                      "PLUGINS": [], "JOB_RUNNER": "manual"})
    upgrade(app)
    with app.app_context():
        _, secret = create_token(app, create_user(app, "api@example.com", None, role="admin", name="API"), "write")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    answers = {}
    try:
        for n in range(45):
            if n == 15:
                proxy.stop()          # PostgreSQL "restarts": every connection is cut, none can be opened
            if n == 30:
                proxy.start()
            answer = client.post("/api/v1/customer", json={"name": f"C{n}"}, headers=headers)
            answers[f"C{n}"] = answer.status_code
            if answer.status_code == 503:
                assert answer.headers["Retry-After"] and answer.get_json()["error"]["code"] == "unavailable"
    finally:
        proxy.stop()
    assert set(answers.values()) == {201, 503}, answers
    assert all(answers[f"C{n}"] == 201 for n in range(30, 45)), answers     # recovered by itself
    engine = create_engine(db_url)
    with engine.connect() as connection:
        saved = connection.execute(text("SELECT name FROM customer")).scalars().all()
    engine.dispose()
    assert sorted(saved) == sorted(name for name, status in answers.items() if status == 201)
    assert len(saved) == len(set(saved))
