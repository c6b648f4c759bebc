"""pytest fixtures for Trellis and for plugin authors (loaded through the ``pytest11`` entry point).

Fixtures:

``db_url``
    A fresh database per test: a temporary SQLite file, and, when
    ``TRELLIS_TEST_POSTGRES`` is set, a fresh PostgreSQL schema (the ``postgresql``
    parameter carries the ``postgres`` marker; it is skipped, with the reason, when
    the variable is unset).
``trellis_app``
    An application built by ``create_app`` on ``db_url``, in a temporary
    organisation folder.
``trellis_client``
    ``trellis_app.test_client()``.
"""

from __future__ import annotations

import os
import uuid

import pytest

POSTGRES_ENV = "TRELLIS_TEST_POSTGRES"


def pytest_configure(config):
    """Declare the ``postgres`` marker so ``-m postgres`` selects the PostgreSQL runs."""
    config.addinivalue_line("markers", "postgres: runs against TRELLIS_TEST_POSTGRES")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A database URL for one test: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trellis-test.sqlite'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL run skipped: set {POSTGRES_ENV}=postgresql+psycopg://user@host/db")
    yield from _postgres_schema(base)


def _postgres_schema(base: str):
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:16]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def trellis_config(db_url, tmp_path):
    """The ``config`` passed to ``create_app``; override this fixture to change settings."""
    org = tmp_path / "org"
    (org / "metadata").mkdir(parents=True, exist_ok=True)
    return {"DATABASE_URL": db_url, "ORG_DIR": str(org), "TESTING": True, "SECRET_KEY": "test-only"}


@pytest.fixture
def trellis_app(trellis_config):
    """A Trellis application on a fresh database."""
    from trellis.app import create_app
    from trellis.data.database import db

    app = create_app(trellis_config)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def trellis_client(trellis_app):
    """A Flask test client for ``trellis_app``."""
    return trellis_app.test_client()
