"""Membership record rules: ``current_user in members`` and ``current_user in project.members``.

A role's rule of exactly this form holds when the acting user is among the users of a
``links`` field (a many-to-many to ``user``): the ruled record's own field (``members``),
or the field of the record one ``link`` away (``project.members`` on a task names the
task's project's members). No longer chains: one hop at most.

In SQL the rule is an ``EXISTS`` over the link table, part of the viewer's read filter,
so lists, counts, searches, reports, exports and the API filter in the database (SQLite
and PostgreSQL alike). For one record (a write, a record page) the same question is one
query on the link table, asked with the record's values as they are about to be saved.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from trellis.data.schema import link_columns
from trellis.metadata.model import UNKNOWN, Source

USER = "user"
MAX_ID = 2**31 - 1   # ids are INTEGER columns


def membership_path(text: Any) -> tuple[str, ...] | None:
    """The field path of a rule ``current_user in a`` / ``current_user in a.b`` (None: another rule).

    Longer chains (``a.b.c``) are returned too, so the check can name the mistake.
    """
    if not isinstance(text, str) or "current_user" not in text:
        return None
    try:
        body = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(body, ast.Compare) and len(body.ops) == 1 and isinstance(body.ops[0], ast.In)
            and isinstance(body.left, ast.Name) and body.left.id == "current_user"):
        return None
    path, node = [], body.comparators[0]
    while isinstance(node, ast.Attribute):
        path.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or (not path and node.id == "current_user"):
        return None
    return (node.id, *path)


def check_path(path: tuple[str, ...], ruled: Any, entities: dict) -> str | None:
    """What is wrong with a membership rule's ``path`` on entity ``ruled`` (None: it is sound)."""
    if len(path) > 2:
        return f"'{'.'.join(path)}' goes more than one link away; write 'current_user in link.members'"
    meta = ruled
    if len(path) == 2:
        hop = ruled.fields.get(path[0])
        if hop is None:
            return f"unknown field '{path[0]}' of '{ruled.name}'"
        if hop.type != "link" or not hop.column or hop.to not in entities:
            return f"'{path[0]}' of '{ruled.name}' must be a stored link field to go through it"
        meta = entities[hop.to]
    field = meta.fields.get(path[-1])
    if field is None:
        return f"unknown field '{path[-1]}' of '{meta.name}'"
    if field.type != "links" or field.to != USER:
        return f"'{path[-1]}' of '{meta.name}' must be a links field to user"
    return None


@dataclass(frozen=True)
class MemberRule:
    """``current_user in <links>`` or ``current_user in <link>.<links>``: the viewer is a member."""

    entity: str             # the ruled entity
    path: tuple[str, ...]   # ("members",) or ("project", "members")
    source: Source = UNKNOWN

    def _parts(self, meta, entities: dict, tables: dict) -> tuple[str | None, Any, Any, Any]:
        """The hop field (None: the record itself), the link table of the users, its near and far columns."""
        owner = entities[meta.fields[self.path[0]].to] if len(self.path) == 2 else meta
        field = owner.fields[self.path[-1]]
        near, far = link_columns(owner.name, field)
        links = tables[owner.name].metadata.tables[f"{owner.name}__{field.name}"]
        hop = self.path[0] if len(self.path) == 2 else None
        return hop, links, links.c[near], links.c[far]

    def clause(self, meta, table, current_user: Any, entities: dict, tables: dict,
               lines: dict | None = None) -> Any:
        """``EXISTS`` over the link table: the rows of ``table`` (entity ``meta``) ``current_user`` is a member of.

        ``lines`` is not used (see :meth:`holds`).
        """
        hop, links, near, far = self._parts(meta, entities, tables)
        links = links.alias()   # never correlated with the same link table in the outer query (a filter on it)
        near, far = links.c[near.name], links.c[far.name]
        key = table.c[meta.fields[hop].column] if hop else table.c.id
        return sa.exists(sa.select(sa.literal(1)).select_from(links).where(near == key, far == current_user))

    def holds(self, record: Any, current_user: Any, connection, entities: dict, tables: dict,
              lines: dict | None = None) -> bool:
        """True when ``record`` (stored, or as about to be saved) passes, checked with one query.

        ``lines`` (the manager-chain rule's ancestor tables) is not used: both rule kinds share a signature.
        """
        if current_user is None:
            return False
        meta = entities.get(self.entity)
        hop = self.path[0] if len(self.path) == 2 else None
        if hop is None:
            listed = record.get(self.path[0])
            if isinstance(listed, (list, tuple, set)):
                return any(_id(item) == current_user for item in listed)
            key = record.get("id") or getattr(record, "id", None)
        else:
            key = record.get(hop)
        key = _id(key)
        if key is None or meta is None:
            return False
        _, links, near, far = self._parts(meta, entities, tables)
        test = sa.select(sa.literal(1)).select_from(links).where(near == key, far == current_user)
        return connection.execute(test).first() is not None


def _id(value: Any) -> int | None:
    """An id from a stored value, a ``{"id": ...}`` mapping or text (None when it is none of these,
    or out of the id column's range: nothing unbounded reaches the query)."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or (isinstance(value, str) and len(value) > 12):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None
