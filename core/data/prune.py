"""Dropping orphaned columns and tables: the only place Trellis ever drops anything.

``trellis migrate`` keeps a column whose field left the YAML (and a table whose entity
did); ``trellis prune-columns --yes`` drops them, after writing a backup:

- SQLite: a copy of the whole database, through sqlite3's online backup API, to
  ``<instance>/backups/<timestamp>.sqlite``;
- PostgreSQL: one CSV per affected table (``id`` plus the dropped columns, or every
  column of a dropped table) in ``<instance>/backups/<timestamp>/``.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.engine import Engine
from trellis.data import search_index
from trellis.data.migrate import Orphan, plan
from trellis.data.schema import SEARCH_COLUMN, SYSTEM_COLUMNS, Schema
from trellis.data.schema_changes import migration_connection, reflect_sqlite_table

# Columns the record service relies on even when no field mentions them.
PROTECTED_COLUMNS = tuple(c for c in SYSTEM_COLUMNS if c != SEARCH_COLUMN)


@dataclass
class Pruning:
    """What ``prune-columns`` would drop (``orphans``) and what it will not (``kept``, with reasons)."""

    orphans: list[Orphan] = field(default_factory=list)
    kept: list[tuple[Orphan, str]] = field(default_factory=list)


def find(engine: Engine, schema: Schema) -> Pruning:
    """The orphaned columns and tables that may be dropped (reads only)."""
    result = Pruning()
    for orphan in plan(engine, schema).orphaned:
        if orphan.column is None and orphan.table in schema.tables:
            result.kept.append((orphan, f"table {orphan.table} belongs to an entity that still exists"))
        elif orphan.column in PROTECTED_COLUMNS:
            result.kept.append((orphan, f"{orphan.column} is a system column"))
        else:
            result.orphans.append(orphan)
    return result


def backup(engine: Engine, orphans: list[Orphan], folder: Path) -> Path:
    """Write the backup for ``orphans`` under ``folder`` and return its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        return _backup_sqlite(engine, folder / f"{stamp}.sqlite")
    return _backup_csv(engine, orphans, folder / stamp)


def _backup_sqlite(engine: Engine, target: Path) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise RuntimeError("an in-memory SQLite database cannot be backed up; nothing was dropped")
    source = sqlite3.connect(database)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)     # consistent even while the app is writing (WAL)
    finally:
        copy.close()
        source.close()
    return target


def _backup_csv(engine: Engine, orphans: list[Orphan], folder: Path) -> Path:
    folder.mkdir(parents=True)
    columns: dict[str, list[str] | None] = {}
    for orphan in orphans:
        if orphan.column is None:
            columns[orphan.table] = None                       # the whole table
        elif columns.get(orphan.table, []) is not None:
            columns.setdefault(orphan.table, []).append(orphan.column)
    with engine.connect() as connection:
        for table_name, names in columns.items():
            table = sa.Table(table_name, sa.MetaData(), autoload_with=connection)
            wanted = list(table.c) if names is None else [table.c.id, *(table.c[n] for n in names)]
            with (folder / f"{table_name}.csv").open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow([c.name for c in wanted])
                for row in connection.execute(sa.select(*wanted)):
                    writer.writerow([_cell(value) for value in row])
    return folder


def _cell(value):
    # JSON columns come back as Python lists and dicts; write them as JSON, not as repr().
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def drop(engine: Engine, orphans: list[Orphan], echo: Callable[[str], None] = lambda line: None) -> None:
    """Drop ``orphans`` in one transaction (columns first, then tables), one line per drop."""
    by_table: dict[str, list[str]] = {}
    for orphan in orphans:
        if orphan.column is not None:
            by_table.setdefault(orphan.table, []).append(orphan.column)
    tables = [o.table for o in orphans if o.column is None]
    with migration_connection(engine) as connection:
        operations = Operations(MigrationContext.configure(connection))
        for table_name, names in by_table.items():
            if connection.dialect.name == "sqlite":
                # A table rebuild also removes the indexes and foreign keys on these columns,
                # which plain DROP COLUMN refuses to touch.
                current = reflect_sqlite_table(connection, table_name)
                for index in list(current.indexes):
                    if any(column.name in names for column in index.columns):
                        current.indexes.discard(index)
                with operations.batch_alter_table(table_name, recreate="always", copy_from=current) as batch:
                    for name in names:
                        batch.drop_column(name)
                _after_sqlite_rebuild(connection, table_name, names)
            else:
                for name in names:
                    operations.drop_column(table_name, name)
            for name in names:
                echo(f"- column {table_name}.{name}")
        preparer = connection.dialect.identifier_preparer
        for table_name in tables:
            cascade = " CASCADE" if connection.dialect.name == "postgresql" else ""
            connection.exec_driver_sql(f"DROP TABLE {preparer.quote(table_name)}{cascade}")
            if connection.dialect.name == "sqlite":
                search_index.drop_sqlite(connection, table_name)
            echo(f"- table {table_name}")


def _after_sqlite_rebuild(connection, table_name: str, dropped: list[str]) -> None:
    """The rebuild dropped the table's triggers: remake its search index, or drop it with ``_search``."""
    if SEARCH_COLUMN in dropped:
        search_index.drop_sqlite(connection, table_name)
    elif connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = ?",
                                    (search_index.fts_table(table_name),)).first():
        search_index.create_sqlite(connection, table_name)
