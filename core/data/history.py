"""Field history: one ``trellis_history`` row per changed field (who, when, old -> new, channel).

A new record's initial values are one row, ``field`` ``__created__`` with ``new`` a JSON
object of every value given (import writes a row per record, not a row per field);
:func:`history_of` reads it back as one change per field, as if each had its own row.

``actor`` names the plugin when a plugin's system write made the change (``user_id`` is then NULL).

``old`` and ``new`` are JSON text, so a BI tool or the timeline can read them
without knowing the field's type: decimals and dates become strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from trellis.data.bulk import insert_values
from trellis.data.storage import as_utc

_quoted = json.encoder.encode_basestring  # what json.dumps(text, ensure_ascii=False) returns

DELETED = "__deleted__"
"""The ``field`` of the history row written when a record is deleted (``old`` holds its values)."""


def to_json(value: Any) -> str | None:
    """``value`` as JSON text (None stays NULL); decimals, dates and datetimes as ISO strings."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:  # most values: what json.dumps would return, without its set-up per call
        return _quoted(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is list and all(type(v) is str for v in value):  # tags, multiselect
        return "[" + ", ".join(map(_quoted, value)) + "]"
    if kind is _Snapshot:
        return json.dumps(value, default=_plain, ensure_ascii=False)
    return json.dumps(value, default=_plain, ensure_ascii=False, sort_keys=True)


def _snapshot(changes: dict[str, tuple[Any, Any]]) -> _Snapshot:
    return _Snapshot((name, new) for name, (_, new) in changes.items())


class _Snapshot(dict):
    """A new record's values, written as one JSON object in the order given (not sorted)."""


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


CREATED = "__created__"
"""The ``field`` of the one history row of a new record's initial values (``new``: a JSON object, field -> value)."""


def write_changes(connection, schema, entity: str, record_id: int, changes: dict[str, tuple[Any, Any]],
                  user_id: Any, at: datetime, channel: str, actor: str | None = None, created: bool = False) -> None:
    """Insert one history row per entry of ``changes`` (field -> (old, new)), in one statement;
    ``created``: the record is new, and its values are one ``__created__`` row."""
    write_many(connection, schema, entity, [(record_id, changes)], user_id, at, channel, actor, created)


_COLUMNS = ("entity", "record_id", "field", "old", "new", "user_id", "at", "channel")
_WITH_ACTOR = (*_COLUMNS, "actor")


def write_many(connection, schema, entity: str, changed: list[tuple[int, dict[str, tuple[Any, Any]]]],
               user_id: Any, at: datetime, channel: str, actor: str | None = None, created: bool = False) -> None:
    """:func:`write_changes` for many records of ``entity`` (``[(record id, changes)]``), in one statement.

    ``actor``: the plugin whose system write this is (None: ``user_id`` acted); ``created``: the
    records are new (one ``__created__`` row each).
    """
    if created:
        changed = [(record_id, {CREATED: (None, _snapshot(changes))}) for record_id, changes in changed]
    if actor is None:
        rows = [(entity, record_id, name, to_json(old), to_json(new), user_id, at, channel)
                for record_id, changes in changed for name, (old, new) in changes.items()]
        insert_values(connection, schema.history, _COLUMNS, rows)  # ``at``, one object, is converted once
        return
    rows = [(entity, record_id, name, to_json(old), to_json(new), user_id, at, channel, actor)
            for record_id, changes in changed for name, (old, new) in changes.items()]
    insert_values(connection, schema.history, _WITH_ACTOR, rows)


def write_kept(connection, schema, meta, changed: list[tuple[int, dict[str, tuple[Any, Any]]]],
               user_id: Any, at: datetime, channel: str, actor: str | None = None, created: bool = False) -> None:
    """:func:`write_many` for records of the entity ``meta``, leaving out what it keeps no history of.

    An entity with ``history: false`` writes no rows for its creates and updates; a field with
    ``history: false`` is left out of its record's rows (and of a new record's ``__created__`` row).
    """
    if not meta.history:
        return
    quiet = [field.name for field in meta.fields.values() if not field.history]
    if quiet:
        changed = [(record_id, {name: change for name, change in changes.items() if name not in quiet})
                   for record_id, changes in changed]
    write_many(connection, schema, meta.name, changed, user_id, at, channel, actor, created)


@dataclass(frozen=True)
class Change:
    """One history row as read back: ``old``/``new`` decoded from JSON.

    ``actor`` is the plugin that made the change as the system (None: ``user_id`` made it).
    """

    field: str
    old: Any
    new: Any
    user_id: Any
    at: datetime
    channel: str | None
    actor: str | None = None


def history_of(connection, schema, entity: str, record_id: int, newest: int | None = None,
               fields: set[str] | None = None, since: datetime | None = None) -> list[Change]:
    """The history of one record, oldest first.

    ``newest``: only the last so many changes; ``fields``: only changes of these fields;
    ``since``: only changes made at or after that moment (or with no time).
    """
    table = schema.history
    statement = select(table).where(table.c.entity == entity, table.c.record_id == record_id)
    if fields is not None:
        statement = statement.where(table.c.field.in_(sorted({*fields, CREATED})))
    if since is not None:
        statement = statement.where(or_(table.c.at.is_(None), table.c.at >= since))
    if newest is None:
        rows = list(connection.execute(statement.order_by(table.c.at, table.c.id)).mappings())
    else:
        rows = connection.execute(statement.order_by(table.c.at.desc(), table.c.id.desc()).limit(newest)).mappings()
        rows = list(rows)[::-1]
    changes = []
    for r in rows:
        at, actor = as_utc(r["at"]), r.get("actor")
        if r["field"] != CREATED:
            changes.append(Change(r["field"], _decoded(r["old"]), _decoded(r["new"]), r["user_id"], at, r["channel"],
                                  actor))
            continue
        changes.extend(Change(name, None, value, r["user_id"], at, r["channel"], actor)
                       for name, value in (_decoded(r["new"]) or {}).items() if fields is None or name in fields)
    return changes if newest is None else changes[-newest:]


def _decoded(text: str | None) -> Any:
    return None if text is None else json.loads(text)


MERGED = "__merged__"
"""The ``field`` of the history row written on a merge's survivor (``new`` holds ``{"id", "title"}`` of the
record merged into it)."""


@dataclass
class Save:
    """The history rows one save wrote (one ``at``, one actor): what the timeline shows as one event."""

    at: datetime
    user_id: Any
    actor: str | None
    changes: list[Change]


def saves_of(changes: list[Change]) -> list[Save]:
    """``changes`` (oldest first, as :func:`history_of` returns them) grouped by save, oldest first.

    Every write of one transaction shares its moment and its actor, so rows with the same
    ``at``, ``user_id`` and ``actor`` next to each other are one save.
    """
    grouped: list[Save] = []
    for change in changes:
        last = grouped[-1] if grouped else None
        if last is not None and (last.at, last.user_id, last.actor) == (change.at, change.user_id, change.actor):
            last.changes.append(change)
        else:
            grouped.append(Save(change.at, change.user_id, change.actor, [change]))
    return grouped
