"""The ``attached_to`` rule: a record that hangs on another (a note on a deal) is read only with it.

An entity declares ``attached_to: {entity: ref_entity, record: ref_record}``; then, for
everyone but administrators and the system, a record of it is readable only when its
``record`` field is empty or names a record of the ``entity`` field's entity that the
viewer may read. The rule is one more clause of the viewer's read filter, so every list,
search, count, export, board, calendar, timeline, API call and single-record read that
goes through the query builder or the record service applies it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import False_

DEPTH = 2
"""How many records deep a chain of attachments (a note on a note on a deal) is followed; past it
only unattached records are readable, never more."""


def attachment_clause(read_filter, user: Any, meta, table, entities: dict, tables: dict, depth: int) -> Any:
    """The clause "the parent of each row is readable by ``user``" over ``table`` (None: ``meta`` has no rule).

    ``read_filter(user, entity, table, depth)`` is the viewer's read filter for a parent's
    entity (None: every row); a parent entity the viewer may not read at all, or one
    not known to the metadata, makes its children unreadable.
    """
    spec = meta.attached_to
    if spec is None:
        return None
    kind = table.c[meta.fields[spec.entity].column]
    parent_id = table.c[meta.fields[spec.record].column]
    if depth <= 0:
        return parent_id.is_(None)
    open_to_all: list[str] = []
    alternatives = [parent_id.is_(None)]
    for name in entities:
        if name not in tables:
            continue
        parent = tables[name].alias()   # an alias: a parent of the same entity must not correlate with the row
        allowed = read_filter(user, name, parent, depth - 1)
        if allowed is None:
            open_to_all.append(name)
        elif not isinstance(allowed, False_):
            alternatives.append(sa.and_(kind == name, parent_id.in_(sa.select(parent.c.id).where(allowed))))
    if open_to_all:
        alternatives.append(kind.in_(open_to_all))
    return sa.or_(*alternatives)


def parent_readable(read_filter, user: Any, meta, record: Any, tables: dict, connection) -> bool:
    """True when ``record`` (of ``meta``, which has ``attached_to``) hangs on nothing or on a record
    ``user`` may read."""
    spec = meta.attached_to
    kind, parent_id = record.get(spec.entity), record.get(spec.record)
    if parent_id is None:
        return True
    if kind not in tables:
        return False
    parent = tables[kind].alias()
    allowed = read_filter(user, kind, parent, DEPTH - 1)
    if allowed is None:
        return True   # as in attachment_clause: a viewer who reads every such record reads what hangs on them
    statement = sa.select(parent.c.id).where(parent.c.id == parent_id, allowed)
    return connection.execute(statement).first() is not None
