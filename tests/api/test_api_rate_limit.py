"""The API rate limit is counted in memory and written in batches: reads do not write per request,
and two processes sharing the database still share one limit."""

from types import SimpleNamespace

import pytest
from trellis.data.database import db
from trellis.testing.api import api_app, bearer, new_user
from trellis.testing.fixtures import sql_statements


@pytest.fixture
def limited(trellis_config):
    """Two apps on one database, each standing for a server process: 40 requests a minute per token."""
    apps = [api_app({**trellis_config, "API_RATE_LIMIT": "40/minute"}) for _ in range(2)]
    yield apps
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    """One window for the whole test: a minute boundary in the middle would restart the count."""
    monkeypatch.setattr("trellis.api.rate_limit.time", SimpleNamespace(time=lambda: 1_800_000_000.0))


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_api_reads_under_a_large_limit_write_once_per_batch(trellis_config):
    app = api_app({**trellis_config, "API_RATE_LIMIT": "600/minute"})    # a batch is 600 / 20 = 30
    headers = bearer(app, new_user(app, "ann@example.com"))
    client = app.test_client()
    client.get("/api/v1/person", headers=headers)                    # the token's first use is recorded
    with sql_statements(app) as seen:
        statuses = {client.get("/api/v1/person", headers=headers).status_code for _ in range(28)}
    assert statuses == {200}
    assert _writes(seen) == []
    with sql_statements(app) as seen:
        client.get("/api/v1/person", headers=headers)                # the 30th request writes the batch
    assert len([s for s in _writes(seen) if s.startswith("INSERT INTO trellis_api_rate")]) == 1


def test_two_processes_share_one_limit_within_a_batch_each(limited):
    first, second = limited
    user = new_user(first, "ann@example.com")
    headers = bearer(first, user)
    allowed = 0
    for _ in range(30):
        for app in (first, second):
            if app.test_client().get("/api/v1/person", headers=headers).status_code == 200:
                allowed += 1
    # 60 requests against 40 a minute: each process may run ahead of the shared count by its batch (2)
    assert 40 <= allowed <= 40 + 2 * 2
