"""Role-based access: the :class:`~trellis.data.access.Access` that enforces ``roles:`` YAML.

``install_access(app)`` sets :class:`RoleAccess` as ``runtime(app).access``;
from then on the record service and the query builder -- and so every page, list,
search, autocomplete, export and API call built on them -- ask it before every read
and write. The rules, for one user:

- ``None`` (the system) and administrators (``is_admin``, or the role ``admin``) may do everything;
- a user's roles are unioned: per verb, the most permissive role wins;
- levels ``all | team | own | none``: *own* is ``<owner field> == user`` when the entity has
  an owner field (``owner_field:`` in its YAML, else a user field called ``owner``), else
  ``created_by == user``; *team* is the same test against any user whose team is the acting
  user's team (a user without a team: own only);
- ``fields: {f: read | write | none}`` narrows one field; the owner field may be set only by a
  role that writes the entity at level ``all`` (otherwise "own" could be given away or forged), or
  one that grants it ``write`` by name (``fields: {assigned: write}``: tasks handed to colleagues);
- ``rules:`` are record-level conditions that must all hold for the role's grant (reads
  filter in SQL; writes check the record before and after the change); besides expressions,
  a ``manager_chain`` rule passes the records of people below the user in a reporting line
  (:mod:`trellis.security.chain_rules`), and ``current_user in [link.]members`` passes the
  records whose ``links``-to-user field lists the user (:mod:`trellis.security.member_rules`);
- an unknown user, or one without roles, may do nothing; a user with any role may read
  the core ``user`` and ``team`` entities (names for link fields) unless a role says otherwise,
  and may change the ``SELF_SERVICE`` fields of their own ``user`` record (language and
  time zone) -- never its name, team, email or active flag (the team decides what "team" lets
  them read); a role that lets them create or write ``user`` records decides alone.

A user's roles and team are looked up once per request (kept in ``flask.g``), never in
the process, so a role removed on one app server applies on every other at the next request.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from trellis.metadata.model import EntityPermission
from trellis.runtime import runtime
from trellis.security.attachments import DEPTH, attachment_clause, parent_readable
from trellis.security.chain_rules import ManagerChainRule
from trellis.security.member_rules import MemberRule
from trellis.security.record_rules import Untranslatable, rule_clause, rule_holds

ADMIN_ROLE = "admin"
ADMINISTER = "administer"  # the verb the admin pages ask about (entity "*")
# What any user with a role may do with core entities no role mentions: read names for link fields.
BASELINE = {"user": EntityPermission(read="all"), "team": EntityPermission(read="all")}
# What any user with a role may change on their own ``user`` record (preferences), whatever the roles say.
QUERY_RULES = (ManagerChainRule, MemberRule)  # rules answered by a query (SQL clause, one-record check)
SELF_SERVICE = {"user": frozenset({"locale", "timezone"})}

log = logging.getLogger("trellis.security")


@dataclass
class Actor:
    """Who is acting, as far as permissions go."""

    id: Any
    is_admin: bool = False
    roles: list[str] = field(default_factory=list)
    team: Any = None


class RoleAccess:
    """The ``Access`` built from ``runtime(app).metadata.roles``."""

    def __init__(self, app):
        self.app = app

    # --- the Access protocol -------------------------------------------------------------

    def can(self, user: Any, verb: str, entity: str, record: Any = None) -> bool:
        """True when ``user`` may do ``verb`` on ``entity`` (or on ``record``, its level and rules included).

        A refused write (anything but ``read``) is logged: the record service asks before writing.
        """
        allowed = self._can(user, verb, entity, record)
        if not allowed and verb != "read":
            self.app.logger.info("denied %s on %s #%s for user %s", verb, entity,
                                 getattr(record, "id", None), getattr(user, "id", user))
        return allowed

    def _can(self, user: Any, verb: str, entity: str, record: Any = None) -> bool:
        actor = self.actor(user)
        if actor is None:
            return True
        if actor.is_admin:
            return True
        if verb == ADMINISTER:
            return False  # the admin pages are for administrators only, whatever the roles grant
        if verb.startswith("transition:"):
            return self._may_transition(actor, verb.split(":", 1)[1], entity, record)
        grants = self.grants(actor, entity)
        if verb == "write" and self._self_service(actor, entity, grants) and record is not None \
                and getattr(record, "id", None) == actor.id:
            return True
        if verb == "create":
            matching = [p for p in grants if p.create]
            if record is None:
                return bool(matching)
            return any(self._rules_hold(actor, p, record) for p in matching)
        matching = [p for p in grants if getattr(p, verb, "none") != "none"]
        if record is None:
            return bool(matching)
        return any(self._level_holds(actor, getattr(p, verb), entity, record) and self._rules_hold(actor, p, record)
                   for p in matching) and self._parent_readable(actor, entity, record)

    def readable_fields(self, user: Any, entity: str) -> set[str] | None:
        """The fields ``user`` may see (None: all): fields marked ``none`` by every reading role are hidden."""
        actor = self.actor(user)
        if actor is None or actor.is_admin:
            return None
        grants = [p for p in self.grants(actor, entity) if p.read != "none"]
        return self._fields(entity, grants, hidden=("none",))

    def writable_fields(self, user: Any, entity: str) -> set[str] | None:
        """The fields ``user`` may set (None: all); ``read``/``none`` fields are not, nor the owner field unless a
        role writes at level ``all`` or grants that field ``write`` by name (``fields: {assigned: write}``)."""
        actor = self.actor(user)
        if actor is None or actor.is_admin:
            return None
        grants = [p for p in self.grants(actor, entity) if p.create or p.write != "none"]
        fields = self._fields(entity, grants, hidden=("none", "read"))
        meta = self._entity(entity)
        if meta is not None and meta.owner_field is not None and not any(
                p.write == "all" or p.fields.get(meta.owner_field) == "write" for p in grants):
            fields = (set(meta.fields) if fields is None else fields) - {meta.owner_field}
        if self._self_service(actor, entity, grants):
            fields = SELF_SERVICE[entity]   # can() allows them on the user's own record only
        return fields

    def read_filter(self, user: Any, entity: str, table: Any = None) -> Any:
        """A clause for the rows ``user`` may read: the union of each role's level AND its rules,
        AND (for an entity with ``attached_to``) the parent record being readable."""
        return self._read_filter(user, entity, table, DEPTH)

    def _read_filter(self, user: Any, entity: str, table: Any, depth: int) -> Any:
        actor = self.actor(user)
        if actor is None or actor.is_admin:
            return None
        meta = self._entity(entity)
        state = runtime(self.app)
        if table is None:
            table = state.schema.tables[entity]
        allowed = self._role_filter(actor, entity, meta, table)
        attached = None if meta is None or isinstance(allowed, sa.sql.elements.False_) else \
            attachment_clause(self._read_filter, actor, meta, table, state.metadata.entities, state.schema.tables,
                              depth)
        if attached is None:
            return allowed
        return attached if allowed is None else sa.and_(allowed, attached)

    def _role_filter(self, actor: Actor, entity: str, meta, table) -> Any:
        """The union of each of ``actor``'s roles' level AND rules on ``entity`` (None: every row)."""
        state = runtime(self.app)
        clauses = []
        for permission in self.grants(actor, entity):
            if permission.read == "none":
                continue
            level = self._level_clause(actor, permission.read, meta, table)
            rules = []
            for rule in permission.rules:
                try:
                    rules.append(rule.clause(meta, table, actor.id, state.metadata.entities, state.schema.tables,
                                             state.schema.lines)
                                 if isinstance(rule, QUERY_RULES) else rule_clause(rule, meta, table, actor.id))
                except Untranslatable as e:
                    # Deny rather than allow: a rule we cannot put in SQL must not widen a list.
                    self.app.logger.warning("record rule '%s' on %s cannot be checked in SQL (%s): "
                                            "its role's rows are hidden from lists", rule.source, entity, e)
                    rules.append(sa.false())
            if level is None and not rules:
                return None
            clauses.append(sa.and_(level if level is not None else sa.true(), *rules))
        if not clauses:
            return sa.false()
        return sa.or_(*clauses)

    # --- who is acting ---------------------------------------------------------------------

    def actor(self, user: Any) -> Actor | None:
        """``user`` as an :class:`Actor` (None: the system); an unknown user has no roles."""
        if user is None:
            return None
        if hasattr(user, "roles") and hasattr(user, "is_admin"):
            roles = list(user.roles or [])
            return Actor(getattr(user, "id", None), bool(user.is_admin) or ADMIN_ROLE in roles, roles,
                         getattr(user, "team", None))
        return self._load_actor(getattr(user, "id", user))

    def grants(self, actor: Actor, entity: str) -> list[EntityPermission]:
        """The permissions on ``entity`` of every role ``actor`` holds (plus the baseline for core entities)."""
        metadata = runtime(self.app).metadata
        roles = metadata.roles
        found = [roles[name].entities[entity] for name in actor.roles
                 if name in roles and entity in roles[name].entities]
        if not found and entity in BASELINE and any(name in roles for name in actor.roles):
            found = [BASELINE[entity]]
        return found

    def _load_actor(self, user_id: Any) -> Actor:
        try:
            key = int(user_id)
        except (TypeError, ValueError):
            return Actor(user_id)
        cache = _request_cache("trellis_actors")
        if cache is not None and key in cache:
            return cache[key]
        from trellis.data.unit import unit_of_work

        state = runtime(self.app)
        users, credentials = state.schema.tables["user"], state.tables.credentials
        actor = Actor(key)
        if credentials is not None:
            query = (sa.select(users.c.team_id, users.c.active, credentials.c.is_admin, credentials.c.roles)
                     .select_from(users.join(credentials, credentials.c.user_id == users.c.id))
                     .where(users.c.id == key))
            with unit_of_work(self.app, write=False) as connection:
                row = connection.execute(query).mappings().first()
            if row is not None and row["active"] is not False:
                roles = json.loads(row["roles"] or "[]")
                actor = Actor(key, bool(row["is_admin"]) or ADMIN_ROLE in roles, roles, row["team_id"])
        if cache is not None:
            cache[key] = actor
        return actor

    # --- levels, rules and fields ------------------------------------------------------------

    def _entity(self, entity: str):
        metadata = runtime(self.app).metadata
        return metadata.entities.get(entity)

    def _owner_column(self, meta, table) -> Any:
        owner = meta.fields[meta.owner_field] if meta is not None and meta.owner_field is not None else None
        if owner is not None and owner.column in table.c:
            return table.c[owner.column]
        return table.c.created_by

    def _level_clause(self, actor: Actor, level: str, meta, table) -> Any:
        if level == "all":
            return None
        column = self._owner_column(meta, table)
        if level == "team" and actor.team is not None:
            users = runtime(self.app).schema.tables["user"]
            return column.in_(sa.select(users.c.id).where(users.c.team_id == actor.team).scalar_subquery())
        return column == actor.id

    def _owner_of(self, entity: str, record: Any) -> Any:
        meta = self._entity(entity)
        if meta is not None and meta.owner_field is not None:
            return record.get(meta.owner_field)
        return record.get("created_by")

    def _level_holds(self, actor: Actor, level: str, entity: str, record: Any) -> bool:
        if level == "all":
            return True
        owner = self._owner_of(entity, record)
        if owner is None:
            return False
        if owner == actor.id:
            return True
        if level == "team" and actor.team is not None:
            return self._load_actor(owner).team == actor.team
        return False

    def _self_service(self, actor: Actor, entity: str, grants: list[EntityPermission]) -> bool:
        """True when ``actor`` (who has a role) gets ``SELF_SERVICE`` on ``entity``: no role lets them create or
        write its records, so only those fields of their own record are theirs. A role that does grant writing
        decides alone (its fields and levels), else its "all fields" would reach the actor's own team."""
        return entity in SELF_SERVICE and bool(actor.roles) and \
            not any(p.create or p.write != "none" for p in grants)

    def _parent_readable(self, actor: Actor, entity: str, record: Any) -> bool:
        """For an entity with ``attached_to``: the record hangs on nothing, or on a record ``actor`` may read."""
        meta = self._entity(entity)
        if meta is None or meta.attached_to is None:
            return True
        from trellis.data.unit import unit_of_work

        with unit_of_work(self.app, write=False) as connection:
            return parent_readable(self._read_filter, actor, meta, record, runtime(self.app).schema.tables,
                                   connection)

    def _rules_hold(self, actor: Actor, permission: EntityPermission, record: Any) -> bool:
        return all(self._chain_holds(actor, rule, record) if isinstance(rule, QUERY_RULES)
                   else rule_holds(rule, record, actor.id) for rule in permission.rules)

    def _chain_holds(self, actor: Actor, rule: ManagerChainRule | MemberRule, record: Any) -> bool:
        """A ``manager_chain`` or membership rule on one record: one query on the write's (or a reading) connection."""
        from trellis.data.unit import unit_of_work

        state = runtime(self.app)
        with unit_of_work(self.app, write=False) as connection:
            return rule.holds(record, actor.id, connection, state.metadata.entities, state.schema.tables,
                              state.schema.lines)

    def _may_transition(self, actor: Actor, name: str, entity: str, record: Any) -> bool:
        metadata = runtime(self.app).metadata
        for workflow in metadata.workflows.values():
            move = workflow.transitions.get(name) if workflow.entity == entity else None
            if move is not None and move.roles and not set(move.roles) & set(actor.roles):
                return False
        return self._can(actor, "write", entity, record)

    def _fields(self, entity: str, grants: list[EntityPermission], hidden: tuple[str, ...]) -> set[str] | None:
        meta = self._entity(entity)
        if not grants or meta is None:
            return set()
        if any(not any(a in hidden for a in p.fields.values()) for p in grants):
            return None
        allowed: set[str] = set()
        for permission in grants:
            allowed |= {name for name in meta.fields if permission.fields.get(name) not in hidden}
        return None if allowed >= set(meta.fields) else allowed


def _request_cache(name: str) -> dict | None:
    """A dict kept on ``flask.g`` for this request or app context (None outside one)."""
    from flask import g, has_app_context

    if not has_app_context():
        return None
    cache = g.get(name)
    if cache is None:
        cache = {}
        setattr(g, name, cache)
    return cache


def install_access(app) -> RoleAccess:
    """Register :class:`RoleAccess` for ``app`` (which turns the write guard on), security headers, the sign-in limit
    and the sanitiser of ``html`` fields."""
    state = runtime(app)
    access = RoleAccess(app)
    state.access = access
    # The write guard is the built-in plugin ``trellis.security`` (trellis.plugins.builtins.write_guard).
    from trellis.security.headers import add_headers
    from trellis.security.html_sanitizer import install_html_sanitizer
    from trellis.security.login_limit import install_login_limit

    add_headers(app)
    install_html_sanitizer(app)
    install_login_limit(app, state.tables.login_failures)
    return access
