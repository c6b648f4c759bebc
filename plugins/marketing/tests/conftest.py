"""The marketing plugin (with sales for orders) in every test here, a real SMTP server, and helpers.

``smtp`` is an aiosmtpd server on 127.0.0.1 that keeps what it receives; the app sends
to it (``SMTP_URL``). Tracking hits count at once (``MARKETING_SCANNER_SECONDS: 0``)
unless a test says otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trellis_plugins.marketing
import trellis_plugins.sales
from marketing_helpers import MOTHERS_DAY, Inbox, free_port


@pytest.fixture
def smtp():
    controller = pytest.importorskip("aiosmtpd.controller")
    inbox, port = Inbox(), free_port()
    server = controller.Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    inbox.url = f"smtp://127.0.0.1:{port}?from=news@shop.example"
    yield inbox
    server.stop()


@pytest.fixture
def segment_yaml():
    return MOTHERS_DAY


@pytest.fixture
def trellis_config(trellis_config, segment_yaml, smtp):
    (Path(trellis_config["ORG_DIR"]) / "metadata" / "segments.yaml").write_text(segment_yaml, encoding="utf-8")
    return {**trellis_config, "EXTRA_PLUGINS": [trellis_plugins.sales, trellis_plugins.marketing],
            "SMTP_URL": smtp.url, "MARKETING_SCANNER_SECONDS": 0, "MARKETING_BASE_URL": "http://crm.example"}


# Where the database matters (SQL of segments, claims under concurrency, the whole send), tests
# also run on PostgreSQL (``-m postgres``); the rest run on SQLite only, to keep CI short.
ON_POSTGRES = {"test_marketing_segments", "test_marketing_mothers_day", "test_marketing_concurrency",
               "test_marketing_crash"}


def pytest_collection_modifyitems(config, items):
    """Leave out the PostgreSQL runs of the modules not in ON_POSTGRES."""
    kept, dropped = [], []
    for item in items:
        spec = getattr(item, "callspec", None)
        on_postgres = spec is not None and spec.params.get("db_url") == "postgresql"
        here = item.module.__name__.rpartition(".")[2] if item.module else ""
        drop = on_postgres and here.startswith("test_marketing") and here not in ON_POSTGRES
        (dropped if drop else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
