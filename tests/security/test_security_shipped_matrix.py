"""The authorization matrix of what Trellis ships, generated from the loaded metadata.

Every shipped role (each role the plugins' ``roles.yaml`` define, plus ``admin``) x every
shipped entity x verb x ownership of the record (the actor's own, a teammate's, an
outsider's). Each case tries every channel the entity has -- the record service, the
pages (detail, list, search, autocomplete, CSV export, kanban), form POSTs, bulk actions,
kanban moves, transition buttons and the REST API -- and asserts that what each channel
did is what the role's YAML says; a refused write must leave the record exactly as it
was. A role or entity added to a shipped plugin is covered without touching this file
(an entity with a field type :func:`shipped_helpers.sample_values` cannot fill fails loudly).

The oracle :func:`allowed` reads the ``Role`` model directly (levels ``all/team/own/none``,
``create``, rules and transition ``roles:``); it does not ask ``RoleAccess``.
"""

from __future__ import annotations

import csv
import io

import pytest
from shipped_helpers import (
    OWNERSHIPS,
    granted,
    grants_anything,
    load_metadata,
    owner_key,
    plant,
    probe_field,
    sample_values,
    shipped_entities,
    shipped_roles,
    stored,
    token,
    uproot,
    web_post,
)
from trellis import NotFound, PermissionDenied, ValidationError
from trellis.data.records import records_for

METADATA = load_metadata()
ROLES = shipped_roles(METADATA)
ENTITIES = shipped_entities(METADATA)


def allowed(role: str, entity: str, verb: str, ownership: str, record=None, transition=None) -> bool:
    """The oracle (:func:`shipped_helpers.granted`) on the shipped metadata."""
    return granted(METADATA, role, entity, verb, ownership, record, transition)


def free_transition(entity: str, field: str | None = None):
    """A transition out of a new record's state with no guard and no required field (None: there is none)."""
    workflow = METADATA.workflow_for(entity, field)
    if workflow is None or not workflow.states:
        return None
    first = next(iter(workflow.states))
    return next((t for t in workflow.transitions.values()
                 if t.allowed_from(first) and t.when is None and not t.require and t.target != first), None)


def kanban_move(entity: str):
    """``(field, target column, transition or None)`` for dragging a new card, or None (no board, no move)."""
    meta = METADATA.entities[entity]
    if meta.kanban is None or meta.kanban.group_by not in meta.fields:
        return None
    group = meta.kanban.group_by
    if METADATA.workflow_for(entity, group) is not None:
        transition = free_transition(entity, group)
        return (group, transition.target, transition) if transition else None
    options = meta.fields[group].options
    return (group, options[1], None) if len(options) > 1 else None


def read_channels(entity: str) -> list[str]:
    meta = METADATA.entities[entity]
    return (["service", "detail", "list", "autocomplete", "export", "api_get", "api_list"]
            + (["search"] if meta.search else []) + (["kanban"] if meta.kanban is not None else []))


def write_channels(entity: str) -> list[str]:
    extra = (["kanban"] if kanban_move(entity) else []) + \
        (["transition", "api_transition"] if free_transition(entity) else [])
    return ["service", "form", "api", "bulk"] + extra


DELETE_CHANNELS = ["service", "form", "api", "bulk"]
CREATE_CHANNELS = ["service", "form", "api"]


def _cases(*extra):
    """Every role x entity (x each of ``extra``). A role that the YAML grants nothing on an entity is
    refused whoever owns the record, so its pair is tried on one ownership (an outsider's) only."""
    return [pytest.param(role, entity, *more, id="-".join([role, entity, *more]))
            for role in ROLES for entity in ENTITIES for more in (extra or [()])
            if not more or more == ("other",) or grants_anything(METADATA, role, entity)]


# --- reads -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def garden(shipped):
    """Per entity: a record owned by the teammate, one by the outsider, and one per actor."""
    owners = ["mate", "out", *shipped.roles]
    planted = {(entity, owner): plant(shipped, entity, owner) for entity in shipped.entities for owner in owners}
    yield planted
    for record in planted.values():
        uproot(shipped, record)


def _sees(world, role, entity, channel, planted) -> bool:
    client, rid, word = world.clients[role], planted.id, planted.word
    link = f'/app/{entity}/{rid}"'
    if channel == "service":
        with world.app.app_context():
            try:
                records_for(world.app, world.accounts[role], "ui").get(entity, rid)
                return True
            except (NotFound, PermissionDenied):
                return False
    if channel == "detail":
        return client.get(f"/app/{entity}/{rid}").status_code == 200
    if channel in ("list", "search", "kanban"):
        # The link to the record, not the word: a search page echoes what was searched for.
        # The list filtered to the record's id: an unfiltered first page holds only the first 50 records.
        path = {"list": f"/app/{entity}?id={rid}", "search": f"/app/{entity}?q={word}",
                "kanban": f"/app/{entity}/kanban"}
        response = client.get(path[channel])
        return response.status_code == 200 and link in response.get_data(as_text=True)
    if channel == "autocomplete":
        response = client.get(f"/app/{entity}/autocomplete?q={word}")
        return response.status_code == 200 and rid in [r["id"] for r in response.get_json()]
    if channel == "export":
        response = client.get(f"/app/{entity}/export.csv")
        rows = csv.reader(io.StringIO(response.get_data(as_text=True)))
        return response.status_code == 200 and any(word in cell for row in rows for cell in row)
    if channel == "api_get":
        return client.get(f"/api/v1/{entity}/{rid}", headers=world.headers[role]).status_code == 200
    response = client.get(f"/api/v1/{entity}?id={rid}", headers=world.headers[role])
    return response.status_code == 200 and rid in [r["id"] for r in response.get_json()["data"]]


@pytest.mark.parametrize("role,entity,ownership", _cases(*[(o,) for o in OWNERSHIPS]))
def test_a_record_shows_on_every_read_channel_exactly_when_the_role_may_read_it(shipped, garden, role, entity,
                                                                                ownership):
    planted = garden[(entity, owner_key(role, ownership))]
    want = allowed(role, entity, "read", ownership, planted.record)
    seen = {channel: _sees(shipped, role, entity, channel, planted) for channel in read_channels(entity)}
    assert seen == dict.fromkeys(seen, want)


# --- writes and deletes ----------------------------------------------------------------------------------

def _form_data(world, entity, record) -> dict:
    """The record's form as the page shows it (posted back with one field changed)."""
    from trellis.web import form_fields as forms

    meta = world.metadata.entities[entity]
    with world.app.test_request_context():
        row = records_for(world.app).query(entity).filter(id=record.id).first()
        values = forms.initial_values(meta, row, world.metadata)
    data = {}
    for name, value in values.items():
        if isinstance(value, dict):
            data[name], data[f"{name}__label"] = value["id"], value["name"]
        elif value not in ("", []):
            data[name] = value
    return data


def _write(world, role, entity, channel, planted, new_word) -> tuple[str, object]:
    """Try the write on ``channel``; returns (field, value) the record has when it worked."""
    rid, version, probe = planted.id, planted.record.version, probe_field(world.metadata.entities[entity])
    client, headers = world.clients[role], world.headers[role]
    if channel == "service":
        with world.app.app_context():
            try:
                records_for(world.app, world.accounts[role], "ui").update(entity, rid, {probe: new_word})
            except (NotFound, PermissionDenied, ValidationError):
                pass
    elif channel == "form":
        data = {**_form_data(world, entity, planted.record), probe: new_word, "version": version}
        web_post(world, role, f"/app/{entity}/{rid}", data)
    elif channel == "api":
        client.patch(f"/api/v1/{entity}/{rid}", json={probe: new_word}, headers=headers)
    elif channel == "bulk":
        web_post(world, role, f"/app/{entity}/bulk", {"action": "set", "field": probe, "value": new_word,
                                                      "ids": str(rid)})
    elif channel == "kanban":
        group, target, _ = kanban_move(entity)
        web_post(world, role, f"/app/{entity}/{rid}/move", {"to": target, "version": version})
        return group, target
    else:
        transition = free_transition(entity)
        workflow = METADATA.workflow_for(entity, None)
        if channel == "transition":
            web_post(world, role, f"/app/{entity}/{rid}/transition/{transition.name}", {"version": version})
        else:
            client.post(f"/api/v1/{entity}/{rid}/transitions/{transition.name}", json={}, headers=headers)
        return workflow.field, transition.target
    return probe, new_word


def _transition_of(entity, channel):
    if channel == "kanban":
        return kanban_move(entity)[2]
    return free_transition(entity) if channel in ("transition", "api_transition") else None


@pytest.mark.parametrize("role,entity,ownership", _cases(*[(o,) for o in OWNERSHIPS]))
def test_a_write_happens_on_every_channel_exactly_when_the_role_may_and_a_refused_one_changes_nothing(
        shipped, role, entity, ownership):
    outcomes, wanted = {}, {}
    for channel in write_channels(entity):
        planted = plant(shipped, entity, owner_key(role, ownership))
        try:
            field, value = _write(shipped, role, entity, channel, planted, token())
            after = stored(shipped, entity, planted.id)
            wanted[channel] = "changed" if allowed(role, entity, "write", ownership, planted.record,
                                                   _transition_of(entity, channel)) else "unchanged"
            if after.get(field) == value:
                outcomes[channel] = "changed"
            elif dict(after) == dict(planted.record) and after.version == planted.record.version:
                outcomes[channel] = "unchanged"
            else:
                outcomes[channel] = f"partly changed: {dict(after)}"
        finally:
            uproot(shipped, planted)
    assert outcomes == wanted


def _delete(world, role, entity, channel, planted) -> None:
    if channel == "service":
        with world.app.app_context():
            try:
                records_for(world.app, world.accounts[role], "ui").delete(entity, planted.id)
            except (NotFound, PermissionDenied, ValidationError):
                pass
    elif channel == "form":
        web_post(world, role, f"/app/{entity}/{planted.id}/delete", {})
    elif channel == "bulk":
        web_post(world, role, f"/app/{entity}/bulk", {"action": "delete", "ids": str(planted.id)})
    else:
        world.clients[role].delete(f"/api/v1/{entity}/{planted.id}", headers=world.headers[role])


@pytest.mark.parametrize("role,entity,ownership", _cases(*[(o,) for o in OWNERSHIPS]))
def test_a_delete_happens_on_every_channel_exactly_when_the_role_may_and_a_refused_one_changes_nothing(
        shipped, role, entity, ownership):
    outcomes, wanted = {}, {}
    for channel in DELETE_CHANNELS:
        planted = plant(shipped, entity, owner_key(role, ownership))
        try:
            _delete(shipped, role, entity, channel, planted)
            after = stored(shipped, entity, planted.id)
            wanted[channel] = "deleted" if allowed(role, entity, "delete", ownership, planted.record) else "unchanged"
            if after is None:
                outcomes[channel] = "deleted"
            elif dict(after) == dict(planted.record) and after.version == planted.record.version:
                outcomes[channel] = "unchanged"
            else:
                outcomes[channel] = f"changed: {dict(after)}"
        finally:
            uproot(shipped, planted)
    assert outcomes == wanted


# --- creates ---------------------------------------------------------------------------------------------

def _as_form(values: dict) -> dict:
    return {name: ", ".join(map(str, v)) if isinstance(v, list) else str(v) for name, v in values.items()}


def _create(world, role, entity, channel, values) -> None:
    if channel == "service":
        with world.app.app_context():
            try:
                records_for(world.app, world.accounts[role], "ui").create(entity, values)
            except (PermissionDenied, ValidationError):
                pass
    elif channel == "form":
        web_post(world, role, f"/app/{entity}/new", _as_form(values))
    else:
        world.clients[role].post(f"/api/v1/{entity}", json=values, headers=world.headers[role])


@pytest.mark.parametrize("role,entity", _cases())
def test_a_record_is_created_on_every_channel_exactly_when_the_role_may_create_it(shipped, role, entity):
    probe = probe_field(shipped.metadata.entities[entity])
    outcomes, wanted = {}, {}
    for channel in CREATE_CHANNELS:
        word, helpers = token(), []
        values = sample_values(shipped, entity, word, role, helpers)
        _create(shipped, role, entity, channel, values)
        with shipped.app.app_context():
            made = records_for(shipped.app).query(entity).filter(**{probe: word}).page().rows
            for record in made:
                records_for(shipped.app).delete(entity, record.id)
        for helper in helpers[::-1]:
            with shipped.app.app_context():
                records_for(shipped.app).delete(*helper)
        outcomes[channel] = len(made)
        wanted[channel] = 1 if allowed(role, entity, "create", "self") else 0
    assert outcomes == wanted
