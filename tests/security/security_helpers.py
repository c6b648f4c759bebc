"""One application for the security tests: shipped contacts roles plus an organisation's roles.yaml.

Users: for every role an actor in team A; one teammate in team A and one outsider in
team B. ``target(world, role, entity, ownership)`` creates a fresh record owned by
the actor (``self``), the teammate (``team``) or the outsider (``other``); ``flagged``
is the actor's own contact with ``do_not_contact`` set (the ``junior`` rule excludes it).
"""

import itertools
import secrets
from types import SimpleNamespace

from trellis.data.records import records_for
from trellis.runtime import runtime

ORG_ROLES = """
roles:
  rep:
    contact: {read: own, create: true, write: own, delete: own, fields: {mobile: none, email: read}}
    company: {read: team, create: false, write: team, delete: none}
  lead:
    contact: {read: team, create: true, write: team, delete: team}
    company: {read: all, create: true, write: all, delete: team}
  auditor:
    contact: {read: all}
    company: {read: all}
  junior:
    contact: {read: all, create: true, write: all, delete: none, rules: ["do_not_contact == False"]}
  outsider_role:
    note: {read: all}
  odd:
    contact: {read: all, write: all, rules: ["len(last_name) > 3"]}
"""
ROLES = ["contacts_manager", "contacts_user", "rep", "lead", "auditor", "junior", "outsider_role"]
ENTITIES = ["contact", "company"]
OWNERSHIPS = ["self", "team", "other", "flagged"]
_counter = itertools.count()


def build_world(base, database_url=None):
    """Yield the app on ``database_url`` (default: a SQLite file in folder ``base``), its users (per role),
    signed-in clients and API headers."""
    from trellis.app import create_app
    from trellis.data.database import db
    from trellis.data.migrate import upgrade
    from trellis.security.accounts import create_user
    from trellis.testing.api import bearer
    from trellis.testing.web import csrf_token, login

    (base / "org" / "metadata").mkdir(parents=True)
    (base / "org" / "metadata" / "roles.yaml").write_text(ORG_ROLES, encoding="utf-8")
    app = create_app({"DATABASE_URL": database_url or f"sqlite:///{base / 'db.sqlite'}", "ORG_DIR": str(base / "org"),
                      "TESTING": True, "SECRET_KEY": "test-only"})
    upgrade(app)
    password = "a long enough password"
    users, clients, tokens, headers = {}, {}, {}, {}
    with app.app_context():
        system = records_for(app)
        team_a = system.create("team", {"name": "A"}).id
        team_b = system.create("team", {"name": "B"}).id
        for who, team in (("mate", team_a), ("out", team_b)):
            account = create_user(app, f"{who}@example.com", None, role="contacts_user", name=who)
            system.update("user", account.id, {"team": team})
            users.update({(role, who): account.id for role in ROLES})
        for role in ROLES:
            account = create_user(app, f"actor.{role}@example.com", password, role=role, name=f"actor {role}")
            system.update("user", account.id, {"team": team_a})
            users[(role, "actor")] = account.id
    for role in ROLES:
        client = app.test_client()
        assert login(client, f"actor.{role}@example.com", password).status_code == 302
        clients[role], tokens[role] = client, csrf_token(client, "/")
        headers[role] = bearer(app, users[(role, "actor")], scope="write")
    yield SimpleNamespace(app=app, users=users, clients=clients, csrf=tokens, headers=headers,
                          roles=runtime(app).metadata.roles)
    with app.app_context():
        db.engine.dispose()


def acting(world, role):
    """The signed-in account of ``role``'s actor, as the web and API see it."""
    from trellis.security.accounts import load_account

    return load_account(world.app, world.users[(role, "actor")])


def token():
    """A unique word to find a record by in pages, searches and exports."""
    return f"Zq{next(_counter)}{secrets.token_hex(3)}"


def target(world, role, entity, ownership):
    """A fresh record of ``entity`` for ``role``'s test, owned as ``ownership`` says; returns (record, word)."""
    owner = world.users[(role, {"self": "actor", "flagged": "actor", "team": "mate", "other": "out"}[ownership])]
    word = token()
    values = {"last_name": word} if entity == "contact" else {"name": word, "industry": "retail"}
    if entity == "contact" and ownership == "flagged":
        values["do_not_contact"] = True
    with world.app.app_context():
        return records_for(world.app).create(entity, {**values, "owner": owner}), word


def stored(world, entity, record_id):
    """The record as the system sees it now (None when gone)."""
    from trellis import NotFound

    with world.app.app_context():
        try:
            return records_for(world.app).get(entity, record_id)
        except NotFound:
            return None


def remove(world, entity, record_id):
    """Delete a test's record (if still there) so lists stay small."""
    if stored(world, entity, record_id) is not None:
        with world.app.app_context():
            records_for(world.app).delete(entity, record_id)


def web_post(world, role, path, data):
    """POST a form as ``role``'s actor with the session's CSRF token."""
    return world.clients[role].post(path, data={**data, "csrf_token": world.csrf[role]})
