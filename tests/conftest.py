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
