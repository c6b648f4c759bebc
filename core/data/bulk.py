"""Many rows into one table with one executemany of the database driver.

SQLAlchemy's executemany builds and processes every parameter set in Python,
which for an import's history rows (one per field of every record) costs more
than the database's own work. Here the INSERT is compiled once per table and set
of columns (kept in ``table.info``), each column's bind processor (e.g. SQLite's
datetime-to-text) is applied to the values that need it, and the driver gets
plain tuples or dicts. Statement events still fire for :func:`insert_rows` (an
ordinary ``Connection.exec_driver_sql`` call in the caller's transaction);
:func:`insert_returning` uses the driver's cursor of that same connection directly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

_COMPILED = "trellis_bulk_insert"


def insert_rows(connection, table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys: column names) into ``table``; no ids come back."""
    if not rows:
        return
    keys = tuple(rows[0])
    statement = _compiled(connection.dialect, table, keys)
    if statement is None or any(len(row) != len(keys) for row in rows):
        connection.execute(insert(table), rows)  # not plain enough: SQLAlchemy's own executemany
        return
    sql, parameters = _bound(statement, rows)
    connection.exec_driver_sql(sql, parameters)


def insert_returning(connection, table, rows: list[dict[str, Any]], column: str) -> list[Any] | None:
    """INSERT ``rows`` and return their ``column`` values (ids) in the order of ``rows``.

    Only where the driver has a plain way to do it: psycopg's ``executemany(...,
    returning=True)`` (one short statement, pipelined; SQLAlchemy's own way renders
    one statement with a placeholder per value, which psycopg parses anew each time).
    Returns None, having written nothing, on other drivers.
    """
    dialect = connection.dialect
    if not rows or dialect.driver != "psycopg":
        return None
    keys = tuple(rows[0])
    statement = _compiled(dialect, table, keys, returning=column)
    if statement is None or any(len(row) != len(keys) for row in rows):
        return None
    sql, parameters = _bound(statement, rows)
    found = []
    with connection.connection.driver_connection.cursor() as cursor:  # the session's connection and transaction
        cursor.executemany(sql, parameters, returning=True)
        while True:
            found.append(cursor.fetchone()[0])
            if not cursor.nextset():
                break
    return found


def _processed(rows: list[dict[str, Any]], processors: list) -> list[dict[str, Any]]:
    """``rows`` with each processor applied to its column; once per value object (rows share e.g. ``at``)."""
    done: dict[int, tuple[Any, Any]] = {}  # id -> (value, processed); holding the value keeps its id unique
    result = []
    for row in rows:
        row = dict(row)
        for k, process in processors:
            value = row[k]
            if value is None:
                continue
            seen = done.get(id(value))
            if seen is None:
                seen = done[id(value)] = (value, process(value))
            row[k] = seen[1]
        result.append(row)
    return result


def _compiled(dialect, table, keys: tuple[str, ...], returning: str | None = None):
    """``(sql, order, [(column, processor)], positional)`` for columns ``keys``, None when not plain.

    ``order`` is the columns in placeholder order (positional paramstyles), else
    ``[(bind name, column)]``. ``returning``: a column the statement returns.
    """
    cache = table.info.setdefault(_COMPILED, {})
    wanted = (dialect.name, dialect.paramstyle, keys, returning)
    if wanted in cache:
        return cache[wanted]
    statement = insert(table) if returning is None else insert(table).returning(table.c[returning])
    compiled = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=returning is None)
    by_key = {bind.key: name for bind, name in compiled.bind_names.items()}
    found = None
    if set(by_key) == set(keys) and len(by_key) == len(keys):
        processors = [(k, process) for k in keys
                      if (process := table.c[k].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
        if compiled.positional:
            key_of = {name: k for k, name in by_key.items()}
            found = (compiled.string, [key_of[name] for name in compiled.positiontup], processors, True)
        else:
            found = (compiled.string, [(by_key[k], k) for k in keys], processors, False)
    cache[wanted] = found
    return found


def _bound(statement, rows: list[dict[str, Any]]) -> tuple[str, list]:
    """The SQL of a compiled ``statement`` and ``rows`` as the driver's parameters (processed, in order)."""
    sql, order, processors, positional = statement
    if processors:
        rows = _processed(rows, processors)
    if positional:
        return sql, [tuple(row[k] for k in order) for row in rows]
    return sql, [{name: row[k] for name, k in order} for row in rows]
