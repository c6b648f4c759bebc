"""Fixtures of the API tests: the world of :mod:`api_helpers` (a person and a deal with a workflow)
in an application with the API wired, an administrator and a token of each scope."""

import pytest
from api_helpers import write_world
from trellis.data.database import db
from trellis.testing.api import api_app, bearer, new_user


@pytest.fixture
def trellis_config(trellis_config):
    """The shared config with the world's YAML, no plugins, a generous rate limit and manual jobs."""
    write_world(trellis_config["ORG_DIR"])
    return {**trellis_config, "PLUGINS": [], "API_RATE_LIMIT": "1000/minute", "SERVER_NAME": "crm.test"}


@pytest.fixture
def api(trellis_config):
    """The application with the API wired and migrated."""
    app = api_app(trellis_config)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(api):
    """A test client of ``api``."""
    return api.test_client()


@pytest.fixture
def admin(api):
    """The id of an administrator who holds tokens."""
    return new_user(api, "admin@example.com")


@pytest.fixture
def writer(api, admin):
    """Headers with a write-scope token of ``admin``."""
    return bearer(api, admin, scope="write")


@pytest.fixture
def reader(api, admin):
    """Headers with a read-scope token of ``admin``."""
    return bearer(api, admin, scope="read")
