"""How ``trellis migrate`` and ``prune-columns`` change a database that holds data.

Each function takes a plan step (:class:`trellis.data.migrate.Step`) and runs inside
:func:`migration_connection`: one transaction on SQLite as on PostgreSQL. SQLite
cannot alter a column or a constraint in place, so those changes rebuild the table
(Alembic's batch mode) from :func:`reflect_sqlite_table`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic.operations import Operations
from sqlalchemy.engine import Connection, Engine
from trellis.data import schema_types
from trellis.data.schema import SEARCH_COLUMN, Schema, search_text

if TYPE_CHECKING:
    from trellis.data.migrate import Step


def sqlite_rules(connection: Connection, table: str) -> dict[str, str]:
    """``{column: ON DELETE rule}`` as SQLite itself reports them."""
    quoted = connection.dialect.identifier_preparer.quote(table)
    return {row[3]: row[6].upper() for row in connection.exec_driver_sql(f"PRAGMA foreign_key_list({quoted})")}


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one real transaction, on SQLite as on PostgreSQL; commits unless an error escapes.

    Python's sqlite3 runs DDL outside any transaction, so a failed migration could stop
    half-way; here the driver is put in autocommit mode and ``BEGIN`` is ours. Foreign
    keys are off meanwhile, because rebuilding a table (SQLite's only way to change a
    column type) drops it, and a drop with foreign keys on would cascade to the rows
    that point at it; ``foreign_key_check`` runs before the commit instead.
    """
    sqlite = engine.dialect.name == "sqlite"
    connection = engine.connect()
    raw = connection.connection.driver_connection
    isolation = raw.isolation_level if sqlite else None
    try:
        if sqlite:
            raw.isolation_level = None
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.exec_driver_sql("BEGIN")
        else:
            connection.begin()
        try:
            yield connection
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the change would break foreign keys (table, rowid, target): {broken[:3]}")
        except BaseException:
            connection.rollback()
            raise
        connection.commit()
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            raw.isolation_level = isolation
        connection.close()


def add_column(connection: Connection, operations: Operations, step: Step) -> None:
    """Add ``step.target`` (a nullable column) to an existing table, with its foreign key if it has one."""
    column = step.target
    foreign_keys = list(column.foreign_keys)
    if connection.dialect.name == "sqlite" and foreign_keys:
        # Alembic cannot add a constraint to an existing SQLite table, but SQLite accepts
        # REFERENCES inline in ADD COLUMN when the column defaults to NULL.
        fk = foreign_keys[0]
        preparer = connection.dialect.identifier_preparer
        ddl = (f"ALTER TABLE {preparer.quote(step.table)} ADD COLUMN {preparer.quote(column.name)} {step.sql} "
               f"REFERENCES {preparer.quote(fk.column.table.name)} ({preparer.quote(fk.column.name)})")
        if fk.ondelete:
            ddl += f" ON DELETE {fk.ondelete}"
        connection.exec_driver_sql(ddl)
        return
    operations.add_column(step.table, sa.Column(column.name, column.type, nullable=True))
    for fk in foreign_keys:
        operations.create_foreign_key(f"{step.table}_{column.name}_fkey", step.table, fk.column.table.name,
                                      [column.name], [fk.column.name], ondelete=fk.ondelete)


def change_on_delete(connection: Connection, operations: Operations, step: Step) -> None:
    """Give the foreign key of ``step.table.step.detail`` the ON DELETE rule of ``step.target``."""
    wanted = step.target
    target, rule = wanted.referred_table.name, wanted.ondelete
    if connection.dialect.name == "sqlite":
        current = reflect_sqlite_table(connection, step.table)
        for constraint in current.foreign_key_constraints:
            if constraint.column_keys == [step.detail]:
                constraint.ondelete = rule
        with operations.batch_alter_table(step.table, recreate="always", copy_from=current):
            pass
        return
    for fk in sa.inspect(connection).get_foreign_keys(step.table):
        if fk["constrained_columns"] == [step.detail]:
            operations.drop_constraint(fk["name"], step.table, type_="foreignkey")
    operations.create_foreign_key(f"{step.table}_{step.detail}_fkey", step.table, target, [step.detail],
                                  [e.column.name for e in wanted.elements], ondelete=rule)


def change_type(connection: Connection, operations: Operations, step: Step) -> None:
    """Change a column's type; for ``convert`` steps every value is converted in Python and written back."""
    old, new = step.target
    values = []
    if step.kind == "convert":
        col = sa.column(step.detail, old)
        rows = connection.execute(sa.select(sa.column("id"), col).select_from(sa.table(step.table))
                                  .where(col.is_not(None)))
        values = [{"_id": row[0], "_value": schema_types.convert_value(row[1], new)} for row in rows]
    if connection.dialect.name == "sqlite":
        current = reflect_sqlite_table(connection, step.table)
        with operations.batch_alter_table(step.table, recreate="always", copy_from=current) as batch:
            batch.alter_column(step.detail, type_=new, existing_type=old)
    else:
        # Converted values are written below from Python, so the cast itself may start from NULL.
        using = "NULL" if step.kind == "convert" else None
        operations.alter_column(step.table, step.detail, type_=new, existing_type=old, postgresql_using=using)
    if values:
        table = sa.table(step.table, sa.column("id"), sa.column(step.detail, new))
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("_id")).values({step.detail: sa.bindparam("_value")}),
            values)


def reflect_sqlite_table(connection: Connection, name: str) -> sa.Table:
    """The table as SQLite has it, with the ON DELETE rules SQLAlchemy's reflection misses.

    SQLAlchemy reads ON DELETE from the table's SQL text, which it parses only for
    table-level FOREIGN KEY clauses; a column added later has an inline REFERENCES
    clause, so its rule is read from ``PRAGMA foreign_key_list`` instead.
    """
    table = sa.Table(name, sa.MetaData(), autoload_with=connection)
    rules = sqlite_rules(connection, name)
    for constraint in table.foreign_key_constraints:
        rule = rules.get(constraint.column_keys[0])
        if rule and rule != "NO ACTION" and not constraint.ondelete:
            constraint.ondelete = rule
    return table


def backfill_search(connection: Connection, schema: Schema, table_name: str) -> None:
    """Recompute ``_search`` for every row of ``table_name`` from its stored search fields."""
    entity_table = schema.tables.get(table_name)
    metadata_entity = schema.entities.get(table_name)
    if entity_table is None or metadata_entity is None:
        return
    fields = [metadata_entity.fields[n] for n in metadata_entity.search if n in metadata_entity.fields]
    columns = [f.column for f in fields if f.column and f.column == f.name and f.column in entity_table.c]
    table = sa.table(table_name, sa.column("id"), sa.column(SEARCH_COLUMN), *(sa.column(c) for c in columns))
    rows = connection.execute(sa.select(table.c.id, *(table.c[c] for c in columns))).all()
    updates = [{"_id": row[0], "_value": search_text(dict(zip(columns, row[1:], strict=True)), metadata_entity)}
               for row in rows]
    if updates:
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("_id")).values({SEARCH_COLUMN: sa.bindparam("_value")}),
            updates)


def trgm_index(connection: Connection, step: Step) -> bool:
    """Create the trigram index; False (quietly) when the extension cannot be created."""
    try:
        with connection.begin_nested():
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        return False
    # The extension lives in one schema per database, not necessarily on our search_path.
    home = connection.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'").scalar()
    preparer = connection.dialect.identifier_preparer
    connection.exec_driver_sql(
        f"CREATE INDEX {preparer.quote(step.detail)} ON {preparer.quote(step.table)} "
        f"USING gin ({preparer.quote(SEARCH_COLUMN)} {preparer.quote(home)}.gin_trgm_ops)")
    return True
