"""The ``manager_chain`` record rule: records whose person reports, directly or not, to the viewer.

A role may give, among its ``rules:``, a mapping instead of an expression::

    rules:
      - manager_chain: {entity: employee, manager: manager, user: user, via: employee, self: true}

``entity`` is the entity of people, ``manager`` its link to its own entity (who a person
reports to), ``user`` its ``user`` field (the person's login), ``via`` the field of the ruled
record that names a person (omit it when the ruled entity *is* ``entity``: the record is the
person). A row passes when its person is in the viewer's reporting line below them (every
level: reports, their reports...), or (``self: true``) is the viewer's own person; ``reports:
false`` keeps only the latter.

The reporting line is read from the ancestor table the record service keeps for the
``(entity, manager)`` pair (:mod:`trellis.data.reporting_lines`): "the viewer and everyone below
them" is ``SELECT person FROM line WHERE ancestor IN (<the viewer's persons>)``, one ``IN`` (the
table holds each person's depth-0 row to themself; ``depth > 0`` leaves the viewer out). The
viewer's persons are looked up first, in the same transaction, and given as values: PostgreSQL
then plans with the size of that person's line (a page of 50 under a manager of 10,000 probes the
table's index 50 times instead of gathering the 10,000 ids). The clause is part of the viewer's read
filter, so lists, counts, searches, exports, reports and linked titles filter in the database,
never per record in Python. Without such a table (a rule checked before its schema is built)
the line is a recursive common table expression instead; a cycle in the manager links ends
the recursion (``UNION`` keeps each person once), as it ends each path in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from trellis.metadata.model import UNKNOWN, Source

KEY = "manager_chain"
"""The key of a rule mapping that holds a :class:`ManagerChainRule`."""
OPTIONS = ("entity", "manager", "user", "via", "self", "reports")


@dataclass(frozen=True)
class ManagerChainRule:
    """``manager_chain:`` of a role's ``rules``: the ruled record's person is the viewer or under them."""

    entity: str
    manager: str
    user: str
    via: str = "id"         # the ruled record's field naming a person; "id": the record is the person
    me: bool = False        # ``self:``: the viewer's own person passes
    reports: bool = True    # everyone below the viewer passes
    source: Source = UNKNOWN

    def clause(self, meta, table, current_user: Any, entities: dict, tables: dict, lines: dict | None = None) -> Any:
        """The clause over ``table`` (of entity ``meta``) for the rows this rule lets ``current_user`` read.

        ``lines``: the schema's ancestor tables by ``(entity, manager)``; the recursive query when absent.
        """
        column = table.c.id if self.via == "id" else table.c[meta.fields[self.via].column]
        people = self.persons(current_user, entities, tables, lines)
        return sa.or_(*[column.in_(query) for query in people]) if people else sa.false()

    def persons(self, current_user: Any, entities: dict, tables: dict, lines: dict | None = None) -> list[Any]:
        """SELECTs of person ids that pass: the viewer's own persons, and the set below them."""
        people, person = tables[self.entity], entities[self.entity]
        user = people.c[person.fields[self.user].column]
        manager = person.fields[self.manager].column
        mine = sa.select(people.c.id).where(user == current_user)
        line = (lines or {}).get((self.entity, self.manager))
        if line is not None and self.reports:
            viewers = _persons(mine)
            if isinstance(viewers, list) and not viewers:
                return []
            below = sa.select(line.c.person).where(line.c.ancestor.in_(viewers))
            return [below if self.me else below.where(line.c.depth > 0)]
        found = [mine] if self.me else []
        if self.reports:
            below = sa.select(people.c.id.label("id")).where(people.c[manager].in_(mine)) \
                .cte(recursive=True)   # anonymous name: two chain rules in one statement never clash
            deeper = people.alias()
            below = below.union(sa.select(deeper.c.id).where(deeper.c[manager] == below.c.id))
            found.append(sa.select(below.c.id))
        return found

    def holds(self, record: Any, current_user: Any, connection, entities: dict, tables: dict,
              lines: dict | None = None) -> bool:
        """True when ``record`` (stored, or as about to be saved) passes, checked with one query.

        A person record is judged by its values: itself the viewer's (``self``), or its manager
        being the viewer or below them -- so a new person, or a changed manager, is judged too.
        """
        if self.via == "id":
            person = entities[self.entity]
            if self.me and record.get(self.user) is not None and record.get(self.user) == current_user:
                return True
            if not self.reports:
                return False
            value = record.get(self.manager)
            queries = ManagerChainRule(self.entity, self.manager, self.user, me=True).persons(
                current_user, {self.entity: person}, tables, lines)
        else:
            value = record.get(self.via)
            queries = self.persons(current_user, entities, tables, lines)
        if value is None or not queries:
            return False
        try:
            value = int(value)
        except (TypeError, ValueError):
            return False
        test = sa.select(sa.literal(1)).where(sa.or_(*[sa.literal(value).in_(q) for q in queries]))
        return connection.execute(test).first() is not None


def _persons(mine: Any) -> Any:
    """The viewer's person ids, read in the record service's transaction; ``mine`` itself (a subquery)
    outside an application context.

    The ids are written into the statement's text, not sent as parameters: a statement run often is
    prepared by the driver, and PostgreSQL's generic plan for a prepared ``ancestor = $1`` assumes an
    average line, whichever manager it is run for.
    """
    from flask import has_app_context

    if not has_app_context():
        return mine
    from trellis.data.database import db

    ids = [int(found) for found in db.session.connection().execute(mine).scalars()]
    return sa.bindparam(None, ids, type_=sa.Integer, expanding=True, literal_execute=True) if ids else []


def check_options(options: dict, ruled: str, entities: dict) -> list[tuple[str, str]]:
    """Problems with a ``manager_chain`` mapping on entity ``ruled``: (option, message) pairs; empty when sound."""
    problems = []
    name = options.get("entity")
    person = entities.get(name) if isinstance(name, str) else None
    if person is None:
        return [("entity", f"'entity' must name an entity of people, not {name!r}")]
    for key, kinds in (("manager", ("link",)), ("user", ("user",))):
        field = person.fields.get(options.get(key)) if isinstance(options.get(key), str) else None
        if field is None or field.type not in kinds or not field.column:
            problems.append((key, f"'{key}' must name a stored {kinds[0]} field of '{name}'"))
        elif key == "manager" and field.to != name:
            problems.append((key, f"'manager' must link '{name}' to '{name}'"))
    via = options.get("via", "id")
    if via == "id":
        if ruled != name:
            problems.append(("via", f"'via' must name the field linking this record to a '{name}'"))
    else:
        meta = entities.get(ruled)
        field = meta.fields.get(via) if meta is not None and isinstance(via, str) else None
        if field is None or field.type != "link" or field.to != name or not field.column:
            problems.append(("via", f"'via' must name a stored link field to '{name}'"))
    for key in ("self", "reports"):
        if key in options and not isinstance(options[key], bool):
            problems.append((key, f"'{key}' must be true or false"))
    return problems
