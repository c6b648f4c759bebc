"""A result cache for reports: a report statement's rows, kept until a table it reads is written.

Every entity's table (and many-to-many link table) has a **data version** in ``trellis_data_version``.
A unit of work that wrote rows (:func:`trellis.data.unit.unit_of_work`, the one write path) adds one
to the version of each such table it wrote, in the same transaction, just before it commits. A cached
result is used only while the versions of every table its statement reads (the entity's, a linked
entity's for titles, any entity's a record rule reads) are those it was computed under, and for at
most ``REPORT_CACHE_SECONDS`` (0 turns the cache off).

The key is the statement's SQL and its parameters, which hold the report's filters, the
period, the time zone's buckets and the viewer's read rule: a viewer whose rule differs (a
salesperson's ``owner = 7``) has a key of their own and never gets another viewer's numbers.
The cache is per process (each app server keeps its own); the versions live in the database,
so a write through any process invalidates every process's copy. Writes that bypass the unit
of work (raw SQL, a bulk load) are seen after ``REPORT_CACHE_SECONDS`` at the latest.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, MetaData, Table, event, select
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import UpdateBase

TABLE = "trellis_data_version"
ENTRIES = 512            # results kept per process; the least recently used go first
_WRITTEN = "trellis_written_tables"
_STORE = "trellis_report_cache"


def add_table(metadata: MetaData) -> Table:
    """Define ``trellis_data_version`` on ``metadata`` (once): one row per written table, its version."""
    if TABLE in metadata.tables:
        return metadata.tables[TABLE]
    return Table(TABLE, metadata,
                 Column("name", sa.String(63), primary_key=True),
                 Column("version", sa.BigInteger, nullable=False))


def watch(engine) -> None:
    """Note, on each connection of ``engine``, the tables its INSERT, UPDATE and DELETE statements write
    (once per engine); :func:`bump_written` turns them into new versions, a rollback forgets them."""
    if getattr(engine, "_trellis_watched", False):
        return
    event.listen(engine, "after_execute", _note_written)
    event.listen(engine, "rollback", _forget_written)
    event.listen(engine, "commit", _forget_written)
    engine._trellis_watched = True


def _note_written(connection, statement, *_args) -> None:
    if isinstance(statement, UpdateBase):
        table = getattr(statement, "table", None)
        name = getattr(table, "name", None)
        if name and name != TABLE:
            connection.info.setdefault(_WRITTEN, set()).add(name)


def _forget_written(connection) -> None:
    connection.info.pop(_WRITTEN, None)


def bump_written(app, connection) -> None:
    """Add one to the data version of every entity's (and many-to-many link) table written on ``connection``
    since its transaction began, in name order, so two committing units never wait on each other's rows in
    opposite orders. History, sessions, recently viewed and other system tables have no version."""
    written = connection.info.pop(_WRITTEN, None)
    if not written:
        return
    schema = _schema(app)
    written &= {table.name for table in (*schema.tables.values(), *schema.links.values())}   # what reports read
    versions = schema.metadata.tables[TABLE]
    insert = _upsert(connection.dialect.name)
    for name in sorted(written):
        connection.execute(insert(versions).values(name=name, version=1).on_conflict_do_update(
            index_elements=["name"], set_={"version": versions.c.version + 1}))


def _schema(app):
    from trellis.runtime import runtime

    return runtime(app).schema


def _version_table(app) -> Table:
    return _schema(app).metadata.tables[TABLE]


def _upsert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def cached_rows(app, connection, statement) -> list[Any]:
    """The rows of ``statement`` on ``connection``: from the cache while the tables it reads are unchanged,
    else read (and kept)."""
    seconds = app.config.get("REPORT_CACHE_SECONDS", 0)
    if not seconds:
        return list(connection.execute(statement))
    compiled = statement.compile(dialect=connection.dialect)
    key = (str(compiled), repr(sorted(compiled.params.items())))
    versions = _versions(connection, app, sorted(_tables(statement)))
    store = _store(app)
    found = store.get(key)
    if found is not None and found[0] == versions and time.monotonic() - found[1] < seconds:
        return found[2]
    rows = list(connection.execute(statement))
    store.put(key, (versions, time.monotonic(), rows))
    return rows


def _tables(statement) -> set[str]:
    """The names of the tables ``statement`` reads, in joins, aliases and subqueries too."""
    return {element.name for element in visitors.iterate(statement, {"column_collections": False})
            if isinstance(element, Table)}


def _versions(connection, app, names: list[str]) -> tuple:
    table = _version_table(app)
    found = dict(connection.execute(select(table.c.name, table.c.version).where(table.c.name.in_(names))).all())
    return tuple(found.get(name, 0) for name in names)


class _Store:
    """A bounded, thread-safe map, least recently used first out."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """The value under ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used past the size."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def _store(app) -> _Store:
    store = app.extensions.get(_STORE)
    if store is None:
        store = app.extensions.setdefault(_STORE, _Store(ENTRIES))
    return store
