"""Fixtures for Trellis's own tests; the shared ones come from ``trellis.testing``."""

import pytest


@pytest.fixture
def app(trellis_app):
    """The application under test (``trellis_app`` from the pytest plugin)."""
    return trellis_app


@pytest.fixture
def client(trellis_client):
    """A test client for ``app``."""
    return trellis_client


def pytest_collection_modifyitems(config, items):
    """Browser tests (``*_browser.py``, or using ``browser_page``) run on SQLite only: on PostgreSQL they would
    drive the same pages and scripts.

    What differs between the databases is below the HTTP layer, and the test-client tests cover
    it on both; a browser test on PostgreSQL costs minutes of CI and tests the same JavaScript.
    """
    dropped = [item for item in items
               if (item.path.name.endswith("_browser.py") or "browser_page" in getattr(item, "fixturenames", ()))
               and getattr(item, "callspec", None) is not None
               and item.callspec.params.get("db_url") == "postgresql"]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(dropped)
        items[:] = [item for item in items if item not in gone]
