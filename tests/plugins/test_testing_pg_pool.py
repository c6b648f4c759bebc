"""Reused PostgreSQL test schemas: a kept schema comes back empty, migrated and with fresh ids."""

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from trellis.app import create_app
from trellis.data.database import db
from trellis.data.migrate import plan
from trellis.data.records import records_for
from trellis.runtime import runtime
from trellis.testing import pg_pool
from trellis.testing.fixtures import POSTGRES_ENV
from trellis.testing.templates import migrate_test_database

pytestmark = pytest.mark.postgres

MEMO = """
entity: memo
title: subject
fields:
  subject: {type: string, required: true}
"""


@pytest.fixture
def server():
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL run skipped: set {POSTGRES_ENV}=postgresql+psycopg://user@host/db")
    engine = create_engine(base)
    made = []

    def schema_url():
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        return schema, f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"

    yield engine, schema_url
    with engine.begin() as connection:
        for schema in made:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _app(tmp_path, url, name):
    org = tmp_path / name
    (org / "metadata" / "entities").mkdir(parents=True)
    (org / "metadata" / "entities" / "memo.yaml").write_text(MEMO, encoding="utf-8")
    return create_app({"DATABASE_URL": url, "ORG_DIR": str(org), "TESTING": True, "SECRET_KEY": "t"})


def _create_memo(app, subject):
    with app.app_context():
        record = records_for(app).create("memo", {"subject": subject})
        db.engine.dispose()
        return record["id"]


def test_a_released_schema_is_handed_to_the_next_test_empty_with_its_ids_starting_again(tmp_path, server):
    engine, schema_url = server
    first_schema, first_url = schema_url()
    first = _app(tmp_path, first_url, "first")
    migrate_test_database(first, first_url)
    assert _create_memo(first, "left over") == 1

    with engine.begin() as connection:
        assert pg_pool.release(connection, first_schema) is True

    second_schema, second_url = schema_url()
    second = _app(tmp_path, second_url, "second")
    migrate_test_database(second, second_url)     # claims the kept schema: no migration
    with second.app_context():
        assert plan(db.engine, runtime(second).schema).lines() == []
        assert db.session.execute(text("SELECT count(*) FROM memo")).scalar() == 0
        db.engine.dispose()
    assert _create_memo(second, "fresh") == 1
    with engine.begin() as connection:
        assert pg_pool.release(connection, second_schema) is True


def test_a_schema_a_test_altered_is_not_kept(tmp_path, server):
    engine, schema_url = server
    schema, url = schema_url()
    app = _app(tmp_path, url, "altered")
    migrate_test_database(app, url)
    with engine.begin() as connection:
        connection.execute(text(f'ALTER TABLE "{schema}".memo ADD COLUMN extra integer'))
    with engine.begin() as connection:
        assert pg_pool.release(connection, schema) is False
