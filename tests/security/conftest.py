"""Fixtures of the security tests: two module-scoped worlds, each built once per module and database.

``world`` is the shipped contacts roles plus an organisation's ``roles.yaml`` (see
:mod:`security_helpers`); ``shipped`` is everything Trellis ships, one actor per role (see
:mod:`shipped_helpers`). The helpers that act on them are plain functions in those modules.
"""

import os
from contextlib import contextmanager

import pytest
import security_helpers
import shipped_helpers

# Every world is built on SQLite, and on PostgreSQL when TRELLIS_TEST_POSTGRES is set (marker ``postgres``).
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, the shipped matrices try only the role x entity pairs the YAML grants something.

    A pair granted nothing is refused before any SQL is written, the same on every database, and
    SQLite tries every pair; PostgreSQL's run is for the read filters and rules that do reach SQL.
    """
    metadata, dropped, kept = None, [], []
    for item in items:
        params = item.callspec.params if hasattr(item, "callspec") else {}
        if params.get("shipped") == "postgresql" and "role" in params and "entity" in params:
            metadata = metadata or shipped_helpers.load_metadata()
            if not shipped_helpers.grants_anything(metadata, params["role"], params["entity"]):
                dropped.append(item)
                continue
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@contextmanager
def database(kind: str):
    """None for SQLite (the world makes its own file), or the URL of a fresh PostgreSQL schema, dropped after."""
    from trellis.testing.fixtures import POSTGRES_ENV, _postgres_schema

    if kind == "sqlite":
        yield None
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL run skipped: set {POSTGRES_ENV}=postgresql+psycopg://user@host/db")
    schema = _postgres_schema(base)
    try:
        yield next(schema)
    finally:
        next(schema, None)


@pytest.fixture(scope="module", params=DATABASES)
def world(request, tmp_path_factory):
    """The app, its users (per role), signed-in clients and API headers, built once per module and database."""
    with database(request.param) as url:
        yield from security_helpers.build_world(tmp_path_factory.mktemp("security"), url)


@pytest.fixture(scope="module", params=DATABASES)
def shipped(request, tmp_path_factory):
    """The shipped world, built once per module and database."""
    from trellis.data.database import db

    with database(request.param) as url:
        world = shipped_helpers.build_world(tmp_path_factory.mktemp("shipped"), url)
        yield world
        with world.app.app_context():
            db.engine.dispose()
