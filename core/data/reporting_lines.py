"""Reporting lines kept as ancestor (closure) tables, for the ``manager_chain`` record rule.

For each ``(entity, manager field)`` pair a role's ``manager_chain`` rule uses, the table
``trellis_line_<entity>_<field>`` holds one row per person and each person above them:
``(person, ancestor, depth)``, depth 1 for the direct manager, and a depth-0 row
``(person, person, 0)`` for the person themself. The rule then reads "me and the people below
me" as ``SELECT person FROM line WHERE ancestor = <me>``: one index range, not a recursive walk
in every statement, and not two sets joined by ``OR`` -- which PostgreSQL cannot turn into a
semi-join (see :mod:`trellis.security.chain_rules`).

The record service keeps the table in step in the same transaction as the write
(:func:`follow`, called wherever roll-ups are recomputed: create, update, delete, batch
writes, imports and merges). When a person's manager changes, only the rows of that
person and of everyone below them change: each keeps its path up to the moved person and
gets the moved person's new path above. A cycle in the manager links ends each path at its
first repeat, as the recursive query did: everyone on a cycle is below everyone on it,
themself included (their row to themself has the cycle's depth instead of 0).
``trellis migrate`` creates a missing table and fills it from the rows already there
(:func:`rebuild`); a load that writes people by raw SQL must call :func:`rebuild` too.
"""

from __future__ import annotations

import zlib
from typing import Any

import sqlalchemy as sa

PREFIX = "trellis_line_"
FORMAT = "self-rows"
"""The version of the rows' layout ``trellis migrate`` records; a table kept in another one is refilled."""
_BATCH = 5000


def table_name(entity: str, manager: str) -> str:
    """The name of the ancestor table of ``entity``'s ``manager`` link."""
    return f"{PREFIX}{entity}_{manager}"


def chain_pairs(metadata: Any) -> set[tuple[str, str]]:
    """The ``(entity, manager field)`` pairs the ``manager_chain`` rules of ``metadata``'s roles use."""
    from trellis.security.chain_rules import ManagerChainRule

    return {(rule.entity, rule.manager) for role in metadata.roles.values()
            for permission in role.entities.values() for rule in permission.rules
            if isinstance(rule, ManagerChainRule)}


def add_tables(schema: Any, metadata: Any) -> None:
    """Add to ``schema`` (``schema.lines``) the ancestor table of each pair :func:`chain_pairs` finds."""
    for entity, manager in sorted(chain_pairs(metadata)):
        name = table_name(entity, manager)
        schema.lines[(entity, manager)] = sa.Table(
            name, schema.metadata,
            sa.Column("ancestor", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("person", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("depth", sa.Integer, nullable=False),
            sa.Index(f"ix_{name}_person", "person"))


def follow(connection: Any, schema: Any, meta: Any, old: Any, new: Any) -> None:
    """Bring the ancestor tables of ``meta`` in step with one write: ``old`` None creates, ``new`` None deletes."""
    for (entity, manager), line in getattr(schema, "lines", {}).items():
        if entity != meta.name:
            continue
        if new is None:
            connection.execute(sa.delete(line).where(sa.or_(line.c.person == old.id, line.c.ancestor == old.id)))
        elif old is None or old.get(manager) != new.get(manager):
            _move(connection, schema.tables[entity], meta.fields[manager].column, line, new.id)


def _move(connection: Any, people: sa.Table, manager: str, line: sa.Table, moved: int) -> None:
    """Rewrite the paths of ``moved`` and everyone below it after ``moved``'s manager changed.

    On PostgreSQL, moves on one line wait for each other (a transaction-scoped advisory lock),
    so two at once never each read the rows the other is rewriting; SQLite has one writer anyway.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(zlib.crc32(line.name.encode()))))
    above = _path_up(connection, people, manager, moved)
    below = dict(connection.execute(sa.select(line.c.person, line.c.depth).where(line.c.ancestor == moved)).all())
    was_on_cycle = (below.pop(moved, None) or 0) > 0    # its row to itself had a cycle's depth, not 0
    closes = bool(set(above) & set(below))
    inner: dict[int, set[int]] = {}
    if closes:     # the new link closes a cycle: each path stops at its first repeat
        rows = connection.execute(sa.select(line.c.person, line.c.ancestor, line.c.depth).where(
            line.c.depth > 0, line.c.person.in_(sa.select(line.c.person).where(line.c.ancestor == moved))))
        for person, ancestor, depth in rows:
            if depth < below.get(person, 0):
                inner.setdefault(person, set()).add(ancestor)
    if closes or was_on_cycle:   # the self rows of those below come back, at 0 or at a cycle's depth
        connection.execute(sa.delete(line).where(
            line.c.depth == 0, line.c.person.in_(sa.select(line.c.person).where(line.c.ancestor == moved))))
    connection.execute(sa.delete(line).where(line.c.person == moved))
    if below:
        connection.execute(sa.delete(line).where(line.c.person == sa.bindparam("p"), line.c.depth >= sa.bindparam("d")),
                           [{"p": p, "d": d} for p, d in below.items()])
    rows = []
    for person, start in [(moved, 0), *below.items()]:
        seen = inner.get(person, set())
        if person != moved:
            rows.append({"person": person, "ancestor": moved, "depth": start})
        for step, ancestor in enumerate(above, start=1):
            if ancestor in seen or (ancestor == moved and person != moved):
                break
            rows.append({"person": person, "ancestor": ancestor, "depth": start + step})
            if ancestor == person:
                break
        on_cycle = bool(rows) and (rows[-1]["person"], rows[-1]["ancestor"]) == (person, person)
        if (person == moved or closes or was_on_cycle) and not on_cycle:
            rows.append({"person": person, "ancestor": person, "depth": 0})
    _insert(connection, line, rows)


def _path_up(connection: Any, people: sa.Table, manager: str, start: int) -> list[int]:
    """The managers above ``start``, nearest first, ending at the top or at the first repeat (kept once)."""
    path: list[int] = []
    seen = {start}
    current = start
    while True:
        boss = connection.execute(sa.select(people.c[manager]).where(people.c.id == current)).scalar()
        if boss is None:
            return path
        path.append(boss)
        if boss in seen:
            return path
        seen.add(boss)
        current = boss


def rebuild(connection: Any, schema: Any, pairs: Any = None) -> int:
    """Refill the ancestor tables of ``pairs`` (default: all) from the people's manager links; rows written."""
    written = 0
    for (entity, manager), line in getattr(schema, "lines", {}).items():
        if pairs is not None and (entity, manager) not in pairs:
            continue
        people = schema.tables[entity]
        column = people.c[schema.entities[entity].fields[manager].column]
        boss = dict(connection.execute(sa.select(people.c.id, column)).all())
        connection.execute(sa.delete(line))
        rows = []
        for person in boss:
            seen, current, depth = set(), boss[person], 1
            while current is not None and current not in seen:
                rows.append({"person": person, "ancestor": current, "depth": depth})
                seen.add(current)
                current, depth = boss.get(current), depth + 1
            if person not in seen:
                rows.append({"person": person, "ancestor": person, "depth": 0})
        _insert(connection, line, rows)
        written += len(rows)
    return written


def _insert(connection: Any, line: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` into ``line`` in batches."""
    for first in range(0, len(rows), _BATCH):
        connection.execute(sa.insert(line), rows[first:first + _BATCH])
