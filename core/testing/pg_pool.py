"""Reused PostgreSQL schemas for tests: migrate a schema once per test process, empty it between tests.

Making a schema and migrating it costs a test about a second of DDL on the server, and
dropping it (every table, index and sequence) another fraction. Most tests build the same
schema, so when a test ends its schema is emptied and kept, under a pool name, for the next
test with the same metadata:

- right after the first migration of a metadata digest, the rows the migration wrote
  (bookkeeping such as the schema fingerprints), the sequences' positions and a fingerprint
  of the catalog (tables, columns, constraints, indexes, sequences, functions, triggers) are
  kept as the template;
- a finished test's schema is reused only if its catalog fingerprint still equals the
  template's (a test that altered a table, e.g. a migration test, gets its schema dropped);
  its rows are deleted with triggers and foreign keys off (``session_replication_role``,
  which needs a superuser, as the test server's ``postgres`` is; anything refused means the
  schema is dropped as before), the template's rows put back and its sequences reset;
- the next test with that digest gets the kept schema renamed to its own schema's name.

Pooled schemas are dropped when the process ends.
"""

from __future__ import annotations

import atexit
import itertools
import json
import re
from dataclasses import dataclass
from urllib.parse import unquote

POOL_PREFIX = "tpool_"

# The catalog of one schema, as text: what a migration creates or a test could change. Index and
# default definitions name their schema; it is taken out, since a kept schema is renamed for each test.
FINGERPRINT = """
SELECT md5(coalesce(string_agg(replace(item, :schema || '.', ''), E'\\n' ORDER BY item), '')) FROM (
  SELECT 'r ' || c.relname || ' ' || c.relkind::text AS item
    FROM pg_class c WHERE c.relnamespace = to_regnamespace(:schema)
  UNION ALL
  SELECT 'c ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' nn' ELSE '' END
         || coalesce(' d ' || pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = to_regnamespace(:schema) AND c.relkind = 'r' AND a.attnum > 0
     AND NOT a.attisdropped
  UNION ALL
  SELECT 'k ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = to_regnamespace(:schema)
  UNION ALL
  SELECT 'i ' || indexdef FROM pg_indexes WHERE schemaname = :schema
  UNION ALL
  SELECT 'f ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
    FROM pg_proc p WHERE p.pronamespace = to_regnamespace(:schema)
  UNION ALL
  SELECT 't ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = to_regnamespace(:schema) AND NOT t.tgisinternal
) AS catalog
"""


@dataclass
class Template:
    """What a freshly migrated schema of one metadata digest holds besides its catalog."""

    fingerprint: str
    tables: list[str]
    rows: dict[str, str]                    # table -> its rows as a JSON array, for tables the migration filled
    sequences: dict[str, int | None]        # sequence -> last_value (None: never used)


_templates: dict[str, Template] = {}
_pool: dict[str, list[str]] = {}
_claimed: dict[str, str] = {}               # a test's schema -> the digest it was migrated or handed out for
_names = itertools.count(1)
_engines: list = []


def schema_of(url: str) -> str | None:
    """The schema a test URL's ``search_path`` option names (``…?options=-csearch_path%3Dt_…``), or None."""
    marker = "csearch_path%3D"
    if marker not in url:
        return None
    return unquote(url.split(marker, 1)[1].split("&", 1)[0])


def _engine(url: str):
    """One engine per process on the test server's own database (the URL without the schema option)."""
    from sqlalchemy import create_engine

    if not _engines:
        base = re.sub(r"[?&]options=-csearch_path%3D[^&]*", "", url)
        if "?" not in base and "&" in base:
            base = base.replace("&", "?", 1)
        _engines.append(create_engine(base, pool_size=1, max_overflow=1))
        atexit.register(_drop_pooled)
    return _engines[0]


def claim(url: str, key: str) -> bool:
    """Give the test's (empty) schema at ``url`` the kept schema of ``key``; False when none is kept."""
    from sqlalchemy import text

    schema = schema_of(url)
    kept = _pool.get(key)
    if schema is None or not kept:
        return False
    pooled = kept.pop()
    with _engine(url).begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        connection.execute(text(f'ALTER SCHEMA "{pooled}" RENAME TO "{schema}"'))
    _claimed[schema] = key
    return True


def remember(url: str, key: str) -> None:
    """Note that the test's schema at ``url`` was just migrated for ``key``; keep the template on first sight."""
    from sqlalchemy import text

    schema = schema_of(url)
    if schema is None:
        return
    _claimed[schema] = key
    if key in _templates:
        return
    with _engine(url).begin() as connection:
        tables = list(connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = :schema ORDER BY tablename"), {"schema": schema})
            .scalars())
        rows = {}
        for table in tables:
            found = connection.execute(text(
                f'SELECT coalesce(json_agg(t), \'[]\') FROM "{schema}"."{table}" AS t')).scalar()  # noqa: S608 (catalog names)
            if found:
                rows[table] = json.dumps(found)
        sequences = dict(connection.execute(text(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = :schema"), {"schema": schema}).all())
        fingerprint = connection.execute(text(FINGERPRINT), {"schema": schema}).scalar()
    _templates[key] = Template(fingerprint, tables, rows, sequences)


def release(connection, schema: str) -> bool:
    """Empty a finished test's schema and keep it for the next test of its digest; False: drop it instead.

    Runs in the caller's transaction on ``connection``; on False the caller rolls back and drops.
    """
    from sqlalchemy import text

    key = _claimed.pop(schema, None)
    template = _templates.get(key) if key else None
    if template is None:
        return False
    connection.execute(text("SET LOCAL lock_timeout = '5s'"))
    if connection.execute(text(FINGERPRINT), {"schema": schema}).scalar() != template.fingerprint:
        return False
    connection.execute(text("SET LOCAL session_replication_role = replica"))
    deletes = (f'DELETE FROM "{schema}"."{table}"' for table in template.tables)  # noqa: S608 (catalog names)
    connection.execute(text("; ".join(deletes)))
    for table, rows in template.rows.items():
        connection.execute(text(
            f'INSERT INTO "{schema}"."{table}" SELECT * FROM '  # noqa: S608 (catalog names)
            f'json_populate_recordset(NULL::"{schema}"."{table}", CAST(:rows AS json))'), {"rows": rows})
    for sequence, last in template.sequences.items():
        name = f'"{schema}"."{sequence}"'
        if last is None:
            connection.execute(text(f"ALTER SEQUENCE {name} RESTART"))
        else:
            connection.execute(text("SELECT setval(CAST(:name AS regclass), :last)"), {"name": name, "last": last})
    pooled = f"{POOL_PREFIX}{key[:12]}_{next(_names)}"
    connection.execute(text(f'ALTER SCHEMA "{schema}" RENAME TO "{pooled}"'))
    _pool.setdefault(key, []).append(pooled)
    return True


def _drop_pooled() -> None:
    """Drop every kept schema of this process (at exit)."""
    from sqlalchemy import text

    names = [name for kept in _pool.values() for name in kept]
    _pool.clear()
    if not _engines:
        return
    try:
        with _engines[0].begin() as connection:
            for name in names:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    finally:
        _engines[0].dispose()
