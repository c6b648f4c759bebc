"""Many rows into one table with one executemany of the database driver.

SQLAlchemy's executemany builds and processes every parameter set in Python,
which for an import's history rows (one per field of every record) costs more
than the database's own work. Here the INSERT is compiled once per table and set
of columns (kept in ``table.info``), each column's bind processor (e.g. SQLite's
datetime-to-text) is applied to the values that need it, and the driver gets
plain tuples or dicts. Statement events still fire for :func:`insert_rows` and
:func:`insert_values` (ordinary ``Connection.exec_driver_sql`` calls in the
caller's transaction); :func:`insert_returning` uses the driver's cursor of that
same connection directly.
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
    if any(len(row) != len(keys) for row in rows):
        connection.execute(insert(table), rows)  # not plain enough: SQLAlchemy's own executemany
        return
    insert_values(connection, table, keys, [tuple([row[k] for k in keys]) for row in rows])


def insert_values(connection, table, keys: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT ``rows``, tuples of values in the order of ``keys`` (column names); no ids come back.

    :func:`insert_rows` without a dict per row, for callers that build many rows. A
    value object shared by many rows (one timestamp) is converted for the driver once.
    """
    if not rows:
        return
    statement = _compiled(connection.dialect, table, keys)
    if statement is None:
        connection.execute(insert(table), [dict(zip(keys, row, strict=True)) for row in rows])
        return
    connection.exec_driver_sql(statement[0], _parameters(statement, rows))


def insert_returning(connection, table, rows: list[dict[str, Any]], column: str) -> list[Any] | None:
    """INSERT ``rows`` and return their ``column`` values (ids) in the order of ``rows``.

    Only where the driver has a plain way to do it: psycopg's ``executemany(...,
    returning=True)`` (one short statement, pipelined; SQLAlchemy's own way renders
    one statement with a placeholder per value, which psycopg parses anew each time),
    and SQLite's multi-row ``VALUES`` (the way SQLAlchemy takes there, without its
    per-row processing), whose rows get rowids in the order of ``VALUES`` while
    ``RETURNING`` may list them in any order; ``column`` must be the rowid (the
    integer primary key). Returns None, having written nothing, on other drivers.
    """
    dialect = connection.dialect
    if not rows or dialect.driver not in ("psycopg", "pysqlite"):
        return None
    if dialect.driver == "pysqlite" and not _is_rowid(dialect, table, column):
        return None
    keys = tuple(rows[0])
    if any(len(row) != len(keys) for row in rows):
        return None
    statement = _compiled(dialect, table, keys, returning=column)
    if statement is None:
        return None
    parameters = _parameters(statement, [tuple([row[k] for k in keys]) for row in rows])
    if dialect.driver == "pysqlite":
        return _sqlite_returning(connection, statement[0], keys, parameters, dialect.insertmanyvalues_max_parameters)
    found = []
    with connection.connection.driver_connection.cursor() as cursor:  # the session's connection and transaction
        cursor.executemany(statement[0], parameters, returning=True)
        while True:
            found.append(cursor.fetchone()[0])
            if not cursor.nextset():
                break
    return found


def _sqlite_returning(connection, sql: str, keys: tuple[str, ...], parameters: list, most: int) -> list[Any] | None:
    """One ``INSERT ... VALUES (...), (...) RETURNING`` per page of rows; the new rowids, ascending."""
    group = "(" + ", ".join(["?"] * len(keys)) + ")"
    if sql.count(group) != 1 or sql.count("?") != len(keys):
        return None  # not the plain statement this expects: let SQLAlchemy do it
    head, tail = sql.split(group)
    per_page = max(1, most // len(keys))
    found = []
    for start in range(0, len(parameters), per_page):
        page = parameters[start:start + per_page]
        flat = tuple([value for row in page for value in row])
        found.extend(connection.exec_driver_sql(head + ", ".join([group] * len(page)) + tail, flat).scalars())
    return sorted(found)


def _is_rowid(dialect, table, column: str) -> bool:
    """True when ``column`` is ``table``'s one INTEGER primary key, which SQLite makes its rowid."""
    key = list(table.primary_key.columns)
    return len(key) == 1 and key[0] is table.c[column] and key[0].type.compile(dialect=dialect).upper() == "INTEGER"


def _processed(rows: list[tuple], processors: list) -> list[tuple]:
    """``rows`` with each processor applied to its column; once per value object (rows share e.g. ``at``)."""
    done: dict[int, tuple[Any, Any]] = {}  # id -> (value, processed); holding the value keeps its id unique
    result = []
    for row in rows:
        row = list(row)
        for i, process in processors:
            value = row[i]
            if value is None:
                continue
            seen = done.get(id(value))
            if seen is None:
                seen = done[id(value)] = (value, process(value))
            row[i] = seen[1]
        result.append(tuple(row))
    return result


def _compiled(dialect, table, keys: tuple[str, ...], returning: str | None = None):
    """``(sql, order, [(index, processor)], positional)`` for columns ``keys``, None when not plain.

    ``order`` is the indexes into ``keys`` in placeholder order (positional
    paramstyles; None when that is the order of ``keys``), else the bind names in
    the order of ``keys``. ``returning``: a column the statement returns.
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
        processors = [(i, process) for i, k in enumerate(keys)
                      if (process := table.c[k].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
        if compiled.positional:
            index_of = {by_key[k]: i for i, k in enumerate(keys)}
            order = [index_of[name] for name in compiled.positiontup]
            found = (compiled.string, None if order == list(range(len(keys))) else order, processors, True)
        else:
            found = (compiled.string, [by_key[k] for k in keys], processors, False)
    cache[wanted] = found
    return found


def _parameters(statement, rows: list[tuple]) -> list:
    """``rows`` as the driver's parameters for a compiled ``statement`` (processed, in placeholder order)."""
    _, order, processors, positional = statement
    if processors:
        rows = _processed(rows, processors)
    if positional:
        return rows if order is None else [tuple([row[i] for i in order]) for row in rows]
    return [dict(zip(order, row, strict=True)) for row in rows]
