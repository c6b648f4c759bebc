"""The index behind quick search: substring search on ``_search`` without reading every row.

``_search`` holds the casefolded text of an entity's ``search:`` fields (see
:func:`trellis.data.schema.search_text`), and quick search asks for rows whose
``_search`` contains every word typed. ``LIKE '%word%'`` cannot use a B-tree index,
so each database gets a trigram index that can:

- PostgreSQL: a pg_trgm GIN index on ``_search`` (created by ``trellis migrate``,
  see :func:`trellis.data.schema_changes.trgm_index`); ``LIKE`` uses it as it is.
- SQLite: an FTS5 table ``trellis_search_<entity>`` with the ``trigram`` tokenizer,
  an *external content* table over the entity's ``_search`` column (it stores the
  trigrams, not the text). Three triggers keep it in step with every insert, delete
  and change of ``_search``, in the same statement and transaction, so it follows the
  record service (the only writer of ``_search``) and the backfills of
  ``trellis migrate`` without either knowing about it. ``trellis migrate`` creates
  the table and triggers and fills them from the rows already there.

Case and script are folded before anything reaches the index (``_search`` and the
typed words both go through :func:`~trellis.data.schema.search_key`), so the trigram
tokenizer runs with ``case_sensitive 1``: a trigram match is exactly the substring
match ``LIKE`` gives. Words shorter than three characters have no trigram; the query
builder matches those with ``LIKE`` on ``_search``, as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from trellis.data.schema import SEARCH_COLUMN, index_name

PREFIX = "trellis_search_"
TRGM_SUFFIX = "trgm"
MIN_WORD = 3                        # the trigram tokenizer indexes nothing shorter
_TRIGGERS = ("ai", "ad", "au")      # after insert, after delete, after update of _search


def fts_table(table: str) -> str:
    """The name of the FTS5 table indexing ``table``'s ``_search`` column."""
    return f"{PREFIX}{table}"


def sqlite_supported() -> bool:
    """True when this SQLite has FTS5's trigram tokenizer (3.34 and later)."""
    return sqlite3.sqlite_version_info >= (3, 34)


def sqlite_names(table: str) -> set[str]:
    """The ``sqlite_master`` names of the FTS table and its triggers for ``table``."""
    fts = fts_table(table)
    return {fts, *(f"{fts}_{suffix}" for suffix in _TRIGGERS)}


def sqlite_present(connection: Connection, table: str) -> bool:
    """True when ``table``'s FTS table and all three of its triggers exist."""
    wanted = sqlite_names(table)
    name = sa.column("name")
    rows = connection.execute(sa.select(name).select_from(sa.table("sqlite_master")).where(name.in_(wanted)))
    return {row[0] for row in rows} == wanted


def create_sqlite(connection: Connection, table: str) -> None:
    """(Re)create ``table``'s FTS table and triggers and index every existing row.

    Anything left of an earlier one (say, triggers lost when SQLite rebuilt the table
    to change a column) is dropped first, so the index never holds stale entries.
    """
    drop_sqlite(connection, table)
    q = connection.dialect.identifier_preparer.quote
    fts, base, col = q(fts_table(table)), q(table), q(SEARCH_COLUMN)
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({col}, content={base}, content_rowid='id', "
        f"tokenize='trigram case_sensitive 1')")
    # Identifiers only, each quoted by the dialect; the trigger bodies carry no values.
    remove = f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, old.{col});"  # noqa: S608
    add = f"INSERT INTO {fts}(rowid, {col}) VALUES (new.id, new.{col});"  # noqa: S608
    name = fts_table(table)
    connection.exec_driver_sql(f"CREATE TRIGGER {q(name + '_ai')} AFTER INSERT ON {base} BEGIN {add} END")
    connection.exec_driver_sql(f"CREATE TRIGGER {q(name + '_ad')} AFTER DELETE ON {base} BEGIN {remove} END")
    connection.exec_driver_sql(
        f"CREATE TRIGGER {q(name + '_au')} AFTER UPDATE OF {col} ON {base} BEGIN {remove} {add} END")
    connection.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608


def drop_sqlite(connection: Connection, table: str) -> None:
    """Drop ``table``'s FTS table and triggers, whichever of them exist."""
    q = connection.dialect.identifier_preparer.quote
    name = fts_table(table)
    for suffix in _TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {q(name + '_' + suffix)}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {q(name)}")


def sqlite_condition(table: sa.Table, words: Sequence[str]) -> Any:
    """Rows of ``table`` whose FTS entry matches every word (each at least :data:`MIN_WORD` characters).

    A join condition (``id = fts.rowid AND fts MATCH ...``), not ``id IN (...)``: SQLite
    then reads the FTS matches as a stream, so ``LIMIT`` stops it early, where ``IN``
    would collect every match first. Each word is one FTS5 phrase, quoted so that none
    of its characters is query syntax; for the trigram tokenizer a phrase matches
    wherever its text occurs.
    """
    fts = sa.table(fts_table(table.name), sa.column("rowid"))
    match = " AND ".join('"' + word.replace('"', '""') + '"' for word in words)
    matches = sa.literal_column('"' + fts.name.replace('"', '""') + '"')
    return sa.and_(table.c.id == fts.c.rowid, matches.op("MATCH")(match))


def trgm_index_name(table: str) -> str:
    """The name of PostgreSQL's pg_trgm GIN index on ``table._search``."""
    return index_name("ix", table, [SEARCH_COLUMN, TRGM_SUFFIX])


def present(connection: Connection, table: str) -> bool:
    """True when ``table``'s quick search has its trigram index on this database."""
    if connection.dialect.name == "sqlite":
        return sqlite_present(connection, table)
    if connection.dialect.name == "postgresql":
        name = sa.column("indexname")
        found = connection.execute(sa.select(name).select_from(sa.table("pg_indexes"))
                                   .where(name == trgm_index_name(table), sa.column("tablename") == table)).first()
        return found is not None
    return False
