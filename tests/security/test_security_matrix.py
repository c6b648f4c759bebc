"""The authorization matrix for an organisation's own roles: record rules, hidden fields, mixed levels.

The shipped roles and entities are covered by ``test_security_shipped_matrix.py``,
generated from the loaded metadata. This one adds the organisation roles of
``security_helpers.ORG_ROLES`` (a rule hiding flagged contacts, a rule on a field's
length, a read-only and a hidden field) on contacts and companies: role x entity x
verb x channel x ownership, the outcome a channel shows must be what the YAML says
(level all/team/own/none and the role's rules), and a refused write must leave the
database as it was.
"""

import csv
import io
import secrets

import pytest
import yaml
from security_helpers import ENTITIES, ORG_ROLES, OWNERSHIPS, ROLES, acting, remove, stored, target, token, web_post
from trellis import NotFound, PermissionDenied, ValidationError
from trellis.data.records import records_for

# The shipped roles (contacts_manager, contacts_user...) are in test_security_shipped_matrix.py.
ROLES = [role for role in ROLES if role in yaml.safe_load(ORG_ROLES)["roles"]]
READ_CHANNELS = ["service", "detail", "list", "search", "autocomplete", "export", "api_get", "api_list"]
WRITE_CHANNELS = ["service", "form", "api"]
KANBAN_CHANNELS = {"read": ["kanban"], "write": ["kanban"]}  # only companies have a board


def expected(world, role, entity, verb, ownership, record=None) -> bool:
    """What the YAML grants: an oracle read from the loaded Role model, independent of RoleAccess."""
    permission = world.roles[role].entities.get(entity)
    if permission is None:
        return False
    if verb == "create":
        return permission.create
    level = getattr(permission, verb)
    allowed = level == "all" or (level == "team" and ownership != "other") or \
        (level == "own" and ownership in ("self", "flagged"))
    values = {**record.system, **record} if record is not None else {}
    return allowed and all(bool(rule.evaluate(values)) for rule in permission.rules)


def cases(verbs_channels):
    return list(_cases(verbs_channels))


def _cases(verbs_channels):
    for role in ROLES:
        for entity in ENTITIES:
            for ownership in OWNERSHIPS:
                if entity == "company" and ownership == "flagged":
                    continue
                for verb, channels in verbs_channels:
                    for channel in channels + (KANBAN_CHANNELS.get(verb, []) if entity == "company" else []):
                        yield pytest.param(role, entity, verb, channel, ownership,
                                           id=f"{role}-{entity}-{verb}-{channel}-{ownership}")


def _sees(world, role, entity, channel, record, word) -> bool:
    client, rid = world.clients[role], record.id
    if channel == "service":
        with world.app.app_context():
            try:
                records_for(world.app, acting(world, role), "ui").get(entity, rid)
                return True
            except (NotFound, PermissionDenied):
                return False
    if channel == "detail":
        return client.get(f"/app/{entity}/{rid}").status_code == 200
    if channel == "kanban":
        response = client.get(f"/app/{entity}/kanban")
        return response.status_code == 200 and f'/app/{entity}/{rid}"' in response.get_data(as_text=True)
    if channel in ("list", "search"):
        # The link to the record, not the word: a search page echoes what was searched for.
        response = client.get(f"/app/{entity}" + (f"?q={word}" if channel == "search" else ""))
        return response.status_code == 200 and f'/app/{entity}/{rid}"' in response.get_data(as_text=True)
    if channel == "autocomplete":
        response = client.get(f"/app/{entity}/autocomplete?q={word}")
        return response.status_code == 200 and rid in [r["id"] for r in response.get_json()]
    if channel == "export":
        response = client.get(f"/app/{entity}/export.csv")
        return response.status_code == 200 and word in response.get_data(as_text=True)
    if channel == "api_get":
        return client.get(f"/api/v1/{entity}/{rid}", headers=world.headers[role]).status_code == 200
    response = client.get(f"/api/v1/{entity}?q={word}", headers=world.headers[role])
    return response.status_code == 200 and rid in [r["id"] for r in response.get_json()["data"]]


@pytest.mark.parametrize("role,entity,verb,channel,ownership", cases([("read", READ_CHANNELS)]))
def test_a_record_is_visible_on_a_channel_exactly_when_the_role_may_read_it(world, role, entity, verb, channel,
                                                                            ownership):
    record, word = target(world, role, entity, ownership)
    try:
        assert _sees(world, role, entity, channel, record, word) == expected(world, role, entity, verb, ownership,
                                                                              record)
    finally:
        remove(world, entity, record.id)


def _write(world, role, entity, channel, record) -> None:
    if channel == "service":
        with world.app.app_context():
            try:
                records_for(world.app, acting(world, role), "ui").update(entity, record.id, {"country": "Narnia"})
            except (NotFound, PermissionDenied, ValidationError):
                pass
    elif channel == "form":
        # Only the changed field differs from what the form showed; the rest is posted as shown.
        page = world.clients[role].get(f"/app/{entity}/{record.id}")
        if page.status_code != 200:
            web_post(world, role, f"/app/{entity}/{record.id}", {"country": "Narnia", "version": record.version})
            return
        data = _form_as_shown(world, role, entity, record.id)
        web_post(world, role, f"/app/{entity}/{record.id}", {**data, "country": "Narnia", "version": record.version})
    elif channel == "kanban":
        web_post(world, role, f"/app/{entity}/{record.id}/move", {"to": "manufacturing", "version": record.version})
    else:
        world.clients[role].patch(f"/api/v1/{entity}/{record.id}", json={"country": "Narnia"},
                                  headers=world.headers[role])


def _form_as_shown(world, role, entity, record_id) -> dict:
    from trellis.runtime import runtime
    from trellis.web import form_fields as forms

    with world.app.test_request_context():
        meta = runtime(world.app).metadata.entities[entity]
        shown = records_for(world.app, acting(world, role), "ui").get(entity, record_id)
        values = forms.initial_values(meta, shown, runtime(world.app).metadata)
    data = {}
    for name, value in values.items():
        if isinstance(value, dict):
            data[name], data[f"{name}__label"] = value["id"], value["name"]
        elif value not in ("", []):
            data[name] = value
    return data


def _delete(world, role, entity, channel, record) -> None:
    if channel == "service":
        with world.app.app_context():
            try:
                records_for(world.app, acting(world, role), "ui").delete(entity, record.id)
            except (NotFound, PermissionDenied, ValidationError):
                pass
    elif channel == "form":
        web_post(world, role, f"/app/{entity}/{record.id}/delete", {})
    else:
        world.clients[role].delete(f"/api/v1/{entity}/{record.id}", headers=world.headers[role])


@pytest.mark.parametrize("role,entity,verb,channel,ownership",
                         cases([("write", WRITE_CHANNELS), ("delete", WRITE_CHANNELS)]))
def test_a_write_happens_exactly_when_the_role_may_do_it_and_a_refused_one_changes_nothing(
        world, role, entity, verb, channel, ownership):
    record, _ = target(world, role, entity, ownership)
    try:
        (_write if verb == "write" else _delete)(world, role, entity, channel, record)
        after = stored(world, entity, record.id)
        if expected(world, role, entity, verb, ownership, record):
            if verb == "delete":
                assert after is None
            else:
                assert after["industry"] == "manufacturing" if channel == "kanban" else after["country"] == "Narnia"
        else:
            assert after is not None and after.version == record.version and dict(after) == dict(record)
    finally:
        remove(world, entity, record.id)


def _count(world, entity, word) -> int:
    with world.app.app_context():
        return records_for(world.app).query(entity).search(word).page().count


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize("channel", WRITE_CHANNELS)
def test_a_record_is_created_exactly_when_the_role_may_create_it(world, role, entity, channel):
    from security_helpers import token

    word = token()
    values = {"last_name": word} if entity == "contact" else {"name": word}
    if channel == "service":
        with world.app.app_context():
            try:
                records_for(world.app, acting(world, role), "ui").create(entity, values)
            except (PermissionDenied, ValidationError):
                pass
    elif channel == "form":
        web_post(world, role, f"/app/{entity}/new", values)
    else:
        world.clients[role].post(f"/api/v1/{entity}", json=values, headers=world.headers[role])
    assert _count(world, entity, word) == (1 if expected(world, role, entity, "create", "self") else 0)


def test_export_rows_are_the_rows_the_role_may_read(world):
    mine, word_mine = target(world, "rep", "contact", "self")
    theirs, word_theirs = target(world, "rep", "contact", "other")
    try:
        text = world.clients["rep"].get("/app/contact/export.csv").get_data(as_text=True)
        cells = {cell for row in csv.reader(io.StringIO(text)) for cell in row}
        assert word_mine in " ".join(cells) and word_theirs not in " ".join(cells)
    finally:
        remove(world, "contact", mine.id)
        remove(world, "contact", theirs.id)


SEARCHED = [pytest.param(role, name, id=f"{role}-{name}") for role in ROLES
            for name in ("last_name", "email", "mobile")]


@pytest.mark.parametrize("role,field", SEARCHED)
def test_quick_search_finds_the_roles_own_contact_by_a_field_exactly_when_the_role_sees_that_field(world, role,
                                                                                                  field):
    record, word = target(world, role, "contact", "self")
    fresh = f"7{secrets.randbelow(10**9):09d}" if field == "mobile" else token().lower()
    value = f"{fresh}@example.com" if field == "email" else fresh
    try:
        with world.app.app_context():
            records_for(world.app).update("contact", record.id, {field: value})
        permission = world.roles[role].entities.get("contact")
        want = expected(world, role, "contact", "read", "self", record) and \
            permission.fields.get(field) != "none"
        page = world.clients[role].get(f"/app/contact?q={fresh}").get_data(as_text=True)
        api = world.clients[role].get(f"/api/v1/contact?q={fresh}", headers=world.headers[role])
        ids = [r["id"] for r in api.get_json()["data"]] if api.status_code == 200 else []
        assert (f'/app/contact/{record.id}"' in page) == want
        assert (record.id in ids) == want
    finally:
        remove(world, "contact", record.id)
