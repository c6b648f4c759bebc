"""One application with only what Trellis ships (core, contacts, sales): its roles, entities and users.

Users: one actor per shipped role (every role the metadata loaded, plus the built-in
``admin``), all in team A; a teammate in team A and an outsider in team B.
``plant(world, entity, owner)`` creates a record of any shipped entity from
:func:`sample_values` -- the per-entity sample-values factory, driven by the field
types, so a new shipped entity needs no code here -- owned (the entity's owner field, else
``created_by``) by ``owner``; the records it had to create for required links are
owned by the same user. ``uproot`` deletes them again.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace

from trellis.data.access import SystemAccess
from trellis.data.records import RecordService, records_for
from trellis.runtime import runtime

ADMIN = "admin"
OWNERSHIPS = ["self", "team", "other"]
OWNER_OF = {"self": "actor", "team": "mate", "other": "out"}
PASSWORD = "a long enough password"
_counter = itertools.count()


def shipped_roles(metadata) -> list[str]:
    """Every role the loaded metadata defines, plus the built-in ``admin``."""
    return sorted(metadata.roles) + [ADMIN]


def shipped_entities(metadata) -> list[str]:
    """Every entity a plugin (not core) defines that users write through the generic pages: one with a
    text field a user may edit, whose required links lead to such entities too. Entities only their
    plugin writes (a points ledger, vouchers: every field read-only) are left to that plugin's tests, and so
    are entities a role reads through a query rule (a ``manager_chain`` reporting line, a ``current_user in
    [link.]members`` membership): which records pass depends on a line of people or on memberships this
    generic world does not build (the HR plugin's matrix and the projects plugin's tests do)."""
    names = {name for name, meta in metadata.entities.items()
             if meta.layer != "core" and _editable_text(meta) and not _along_a_line(metadata, name)}
    while True:
        reachable = {name for name in names
                     if all(f.to in names or metadata.entities[f.to].layer == "core"
                            for f in metadata.entities[name].fields.values()
                            if f.type == "link" and f.required and f.to in metadata.entities)}
        if reachable == names:
            return sorted(names)
        names = reachable


def _along_a_line(metadata, entity: str) -> bool:
    from trellis.security.roles import QUERY_RULES

    return any(isinstance(rule, QUERY_RULES) for role in metadata.roles.values()
               for rule in getattr(role.entities.get(entity), "rules", ()))


def _editable_text(meta) -> bool:
    return any(f.type in ("string", "text") and not f.computed and not f.readonly for f in meta.fields.values())


def load_metadata():
    """The metadata an app with only the installed plugins loads (no database needed to read it)."""
    import tempfile

    from trellis.app import create_app

    with tempfile.TemporaryDirectory() as org:
        app = create_app({"DATABASE_URL": "sqlite://", "ORG_DIR": org, "TESTING": True, "SECRET_KEY": "x"})
        return runtime(app).metadata


def grants_anything(metadata, role: str, entity: str) -> bool:
    """Whether the YAML gives ``role`` any permission on ``entity`` (the administrator has every one)."""
    return role == ADMIN or entity in metadata.roles[role].entities


def granted(metadata, role: str, entity: str, verb: str, ownership: str, record=None, transition=None) -> bool:
    """The oracle: what the YAML grants ``role`` for ``verb`` on a record of ``entity`` owned as ``ownership``
    says, read from the ``Role`` model directly (it does not ask ``RoleAccess``)."""
    if role == ADMIN:
        return True
    permission = metadata.roles[role].entities.get(entity)
    if permission is None:
        return False
    if verb == "create":
        return permission.create
    level = getattr(permission, verb)
    allowed = level == "all" or (level == "team" and ownership in ("self", "team")) or \
        (level == "own" and ownership == "self")
    if record is not None:
        values = {**record.system, **record}
        allowed = allowed and all(bool(rule.evaluate(values)) for rule in permission.rules)
    if transition is not None and transition.roles:
        allowed = allowed and role in transition.roles
    return allowed


def hidden_fields(metadata, role: str, entity: str) -> set[str]:
    """The fields of ``entity`` that ``role`` hides (``fields: {f: none}``); none for ``admin``."""
    permission = None if role == ADMIN else metadata.roles[role].entities.get(entity)
    return {name for name, access in (permission.fields if permission else {}).items() if access == "none"}


def token() -> str:
    """A unique word to find a record by in pages, searches and exports."""
    return f"Zq{next(_counter)}{secrets.token_hex(3)}"


@dataclass
class Planted:
    """A record made for a test, with the word it carries and the helper records it needed."""

    entity: str
    record: object
    word: str
    helpers: list[tuple[str, int]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.record.id


def build_world(base, database_url: str | None = None) -> SimpleNamespace:
    """The app on ``database_url`` (default: a fresh SQLite file in ``base``), its users, signed-in clients
    and API headers."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade
    from trellis.security.accounts import create_user, load_account
    from trellis.testing.api import bearer
    from trellis.testing.web import csrf_token, login

    (base / "org" / "metadata").mkdir(parents=True)
    app = create_app({"DATABASE_URL": database_url or f"sqlite:///{base / 'db.sqlite'}", "ORG_DIR": str(base / "org"),
                      "TESTING": True, "SECRET_KEY": "test-only"})
    upgrade(app)
    metadata = runtime(app).metadata
    roles = shipped_roles(metadata)
    users, clients, tokens, headers, accounts = {}, {}, {}, {}, {}
    with app.app_context():
        system = records_for(app)
        team_a = system.create("team", {"name": "A"}).id
        team_b = system.create("team", {"name": "B"}).id
        some_role = roles[0]
        for who, team in (("mate", team_a), ("out", team_b)):
            account = create_user(app, f"{who}@example.com", None, role=some_role, name=who)
            system.update("user", account.id, {"team": team})
            users[who] = account.id
        for role in roles:
            account = create_user(app, f"actor.{role}@example.com", PASSWORD, role=role, name=f"actor {role}")
            system.update("user", account.id, {"team": team_a})
            users[role] = account.id
        accounts = {key: load_account(app, user_id) for key, user_id in users.items()}
    for role in roles:
        client = app.test_client()
        assert login(client, f"actor.{role}@example.com", PASSWORD).status_code == 302
        clients[role], tokens[role] = client, csrf_token(client, "/")
        headers[role] = bearer(app, users[role], scope="write")
    return SimpleNamespace(app=app, metadata=metadata, roles=roles, entities=shipped_entities(metadata),
                           users=users, accounts=accounts, clients=clients, csrf=tokens, headers=headers)


def owner_key(role: str, ownership: str) -> str:
    """Whose record ``ownership`` means for ``role``'s actor: the actor, the teammate or the outsider."""
    return role if ownership == "self" else OWNER_OF[ownership]


def workflow_fields(metadata, entity: str) -> set[str]:
    """The state fields of ``entity``'s workflows (set by transitions, never by a form)."""
    return {w.field for w in metadata.workflows.values() if w.entity == entity}


def probe_field(meta) -> str:
    """The first string/text field a user may edit: the one write tests change."""
    return next(f.name for f in meta.fields.values()
                if f.type in ("string", "text") and not f.computed and not f.readonly)


def sample_values(world, entity: str, word: str, owner: str, helpers: list) -> dict:
    """Values for a valid new ``entity``, from field types: required fields, the title, search and probe
    fields carry ``word``; required links get a new linked record (appended to ``helpers``); user fields
    other than the owner field (left to its default, the acting user) are ``owner``; a kanban's plain
    selection gets its first option."""
    meta = world.metadata.entities[entity]
    states = workflow_fields(world.metadata, entity)
    wanted = {meta.title, probe_field(meta), *meta.search}
    kanban = meta.kanban.group_by if meta.kanban is not None else None
    values = {}
    for f in meta.fields.values():
        if f.computed or f.readonly or f.name in (meta.owner_field, *states) or f.type in ("children", "links"):
            continue
        if f.type in ("string", "text") and (f.required or f.name in wanted):
            values[f.name] = word
        elif f.type == "user" and not f.unique:   # a unique one (a person's login) stays empty: owners plant many
            values[f.name] = world.users[owner]
        elif f.type == "selection" and (f.required or f.name == kanban):
            values[f.name] = f.default if f.default in f.options else f.options[0]
        elif not f.required:
            continue
        elif f.type == "link":
            helper = plant(world, f.to, owner)
            helpers.extend(helper.helpers + [(f.to, helper.id)])
            values[f.name] = helper.id
        elif f.type == "email":
            values[f.name] = f"{word.lower()}@example.com"
        elif f.type == "date":
            values[f.name] = date.today().isoformat()
        elif f.type == "datetime":
            values[f.name] = datetime.now(UTC).isoformat(timespec="minutes")
        elif f.type in ("integer", "decimal", "money", "percent"):
            values[f.name] = f.default if f.default is not None else max(1, f.min or 0)
        elif f.type == "boolean":
            values[f.name] = False
        elif f.type in ("tags", "multiselect"):
            values[f.name] = [word] if f.type == "tags" else f.options[:1]
        else:
            raise AssertionError(f"sample_values: no sample for {entity}.{f.name} ({f.type}); add one")
    return values


def plant(world, entity: str, owner: str) -> Planted:
    """A new ``entity`` record owned by user ``owner`` (a key of ``world.users``), bypassing permissions."""
    word, helpers = token(), []
    values = sample_values(world, entity, word, owner, helpers)
    with world.app.app_context():
        maker = RecordService(world.app, world.accounts[owner], "plugin", access=SystemAccess())
        return Planted(entity, maker.create(entity, values), word, helpers)


def stored(world, entity: str, record_id: int):
    """The record as the system sees it now (None when gone)."""
    from trellis import NotFound

    with world.app.app_context():
        try:
            return records_for(world.app).get(entity, record_id)
        except NotFound:
            return None


def uproot(world, planted: Planted) -> None:
    """Delete a planted record (when still there) and its helpers, newest first."""
    for entity, record_id in [(planted.entity, planted.id)] + planted.helpers[::-1]:
        if stored(world, entity, record_id) is not None:
            with world.app.app_context():
                records_for(world.app).delete(entity, record_id)


def web_post(world, role: str, path: str, data: dict, **kwargs):
    """POST a form as ``role``'s actor with the session's CSRF token."""
    return world.clients[role].post(path, data={**data, "csrf_token": world.csrf[role]}, **kwargs)
