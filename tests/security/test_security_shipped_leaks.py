"""The shipped authorization matrix, continued: what could leak *around* a record rather than through it.

Generated from the loaded metadata for every shipped role (plus ``admin``), on SQLite and,
with ``TRELLIS_TEST_POSTGRES``, on PostgreSQL (one shipped per database, built once per module):

- **linked titles**: a record the role may read, whose every link points at an outsider's
  record, shows each linked title (record page, list, API, CSV export) exactly when the role
  may read that record and its title field;
- **quick search**: each search field's own word finds a record the role may read, unless the
  role hides that field;
- **attachments**: a note and an activity (each entity with ``attached_to``) the actor wrote on
  records of every shipped entity, hers and an outsider's, show (their list, page, search, CSV,
  API, board, the parent's timeline) exactly when the role may read both;
- **imports**: the import pages open and take a file only for entities the role may create, and
  the preview's duplicate check finds duplicates among records the role may read only.

The oracle is :func:`shipped_helpers.granted` (the ``Role`` model, not ``RoleAccess``).
"""

from __future__ import annotations

import csv
import io

import pytest
from shipped_helpers import (
    ADMIN,
    granted,
    hidden_fields,
    load_metadata,
    plant,
    sample_values,
    shipped_entities,
    shipped_roles,
    token,
)
from trellis.data.access import SystemAccess
from trellis.data.records import RecordService, records_for

METADATA = load_metadata()
ROLES = shipped_roles(METADATA)
ENTITIES = shipped_entities(METADATA)
ATTACHED = [name for name in ENTITIES if METADATA.entities[name].attached_to is not None]
PARENTS = [name for name in ENTITIES if name not in ATTACHED]


def _text_title(entity: str) -> bool:
    meta = METADATA.entities[entity]
    title = meta.fields.get(meta.title) if meta.title else None
    return title is not None and title.type in ("string", "text") and not title.computed


def link_fields(entity: str) -> list[str]:
    """The link fields of ``entity`` to shipped entities whose title is text (a word can be planted in it)."""
    return [f.name for f in METADATA.entities[entity].fields.values()
            if f.type == "link" and f.to in ENTITIES and _text_title(f.to) and not f.computed and not f.readonly]


def search_fields(entity: str) -> list[str]:
    """The stored text search fields of ``entity`` (each gets a word of its own)."""
    meta = METADATA.entities[entity]
    return [n for n in meta.search if n in meta.fields and meta.fields[n].type in ("string", "text")
            and meta.fields[n].column and not meta.fields[n].computed and not meta.fields[n].readonly]


def reads(role: str, entity: str, ownership: str) -> bool:
    return granted(METADATA, role, entity, "read", ownership)


def _system_update(shipped, entity, record_id, values) -> None:
    with shipped.app.app_context():
        records_for(shipped.app).update(entity, record_id, values)


def _get(shipped, role, path):
    return shipped.clients[role].get(path)


def _api(shipped, role, path):
    return shipped.clients[role].get(path, headers=shipped.headers[role])


def _csv_text(answer) -> str:
    assert answer.status_code == 200
    return " ".join(cell for row in csv.reader(io.StringIO(answer.get_data(as_text=True))) for cell in row)


# --- linked titles ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def linked(shipped):
    """One outsider's record per linked entity, and per (role, entity with links) the actor's record linking to
    them; ``links[(role, entity)] = (record id, {field: title word})``."""
    targets = {}
    links = {}
    for entity in ENTITIES:
        fields = link_fields(entity)
        if not fields:
            continue
        for role in ROLES:
            source = plant(shipped, entity, role)
            words = {}
            for name in fields:
                to = METADATA.entities[entity].fields[name].to
                if to not in targets:
                    targets[to] = plant(shipped, to, "out")
                words[name] = targets[to].word
            _system_update(shipped, entity, source.id, {name: targets[METADATA.entities[entity].fields[name].to].id
                                                      for name in fields})
            links[(role, entity)] = (source.id, words)
    return links


LINK_CASES = [pytest.param(role, entity, id=f"{role}-{entity}") for role in ROLES for entity in ENTITIES
              if link_fields(entity)]


@pytest.mark.parametrize("role,entity", LINK_CASES)
def test_a_linked_title_shows_exactly_when_the_role_may_read_the_linked_record(shipped, linked, role, entity):
    record_id, words = linked[(role, entity)]
    meta = METADATA.entities[entity]
    if not reads(role, entity, "self"):
        assert _get(shipped, role, f"/app/{entity}/{record_id}").status_code in (403, 404)
        return
    hidden_here = hidden_fields(METADATA, role, entity)
    page = _get(shipped, role, f"/app/{entity}/{record_id}").get_data(as_text=True)
    listed = _get(shipped, role, f"/app/{entity}?id={record_id}").get_data(as_text=True)
    exported = _csv_text(_get(shipped, role, f"/app/{entity}/export.csv?id={record_id}"))
    api = _api(shipped, role, f"/api/v1/{entity}/{record_id}").get_json()
    for name, word in words.items():
        to = meta.fields[name].to
        target = METADATA.entities[to]
        want = name not in hidden_here and reads(role, to, "other") and \
            target.title not in hidden_fields(METADATA, role, to)
        shown_in_api = (api.get(name) or {}).get("name") == word
        assert shown_in_api == want, (name, "api")
        assert (word in exported) == want, (name, "csv")
        # Pages show some fields only (the form's, the list's columns, visible ones): there, never a title the
        # role may not read, and on the record page every title it may read of a field the form shows.
        assert (word in page) == want if _on_page(meta, name) else (want or word not in page), (name, "page")
        assert want or word not in listed, (name, "list")


def _on_page(meta, name: str) -> bool:
    """Whether the record page shows field ``name`` whatever the record holds."""
    field = meta.fields[name]
    in_form = not meta.form or any(name in block.fields for block in meta.form)
    return in_form and field.visible is None


# --- quick search --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def searched(shipped):
    """Per (role, entity with text search fields): the actor's record with a word of its own in each search field."""
    found = {}
    for entity in ENTITIES:
        fields = search_fields(entity)
        if not fields:
            continue
        for role in ROLES:
            record = plant(shipped, entity, role)
            words = {name: token() for name in fields}
            _system_update(shipped, entity, record.id, words)
            found[(role, entity)] = (record.id, words)
    return found


SEARCH_CASES = [pytest.param(role, entity, id=f"{role}-{entity}") for role in ROLES for entity in ENTITIES
                if search_fields(entity)]


@pytest.mark.parametrize("role,entity", SEARCH_CASES)
def test_each_search_field_finds_a_readable_record_unless_the_role_hides_it(shipped, searched, role, entity):
    record_id, words = searched[(role, entity)]
    readable = reads(role, entity, "self")
    hidden_here = hidden_fields(METADATA, role, entity)
    for name, word in words.items():
        want = readable and name not in hidden_here
        page = _get(shipped, role, f"/app/{entity}?q={word}")
        assert (f'/app/{entity}/{record_id}"' in page.get_data(as_text=True)) == want, (name, "list")
        api = _api(shipped, role, f"/api/v1/{entity}?q={word}")
        ids = [row["id"] for row in api.get_json()["data"]] if api.status_code == 200 else []
        assert (record_id in ids) == want, (name, "api")


# --- attachments -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def attached(shipped):
    """Per (role, attached entity): a word shared by its rows, and the records the actor wrote on records of
    every parent entity, hers and an outsider's: ``(shared word, [(parent entity, ownership, parent id,
    record id, word)])``."""
    theirs = {entity: plant(shipped, entity, "out") for entity in PARENTS}
    found = {}
    for role in ROLES:
        mine = {entity: plant(shipped, entity, role) for entity in PARENTS}
        for entity in ATTACHED:
            spec, shared, rows = METADATA.entities[entity].attached_to, token(), []
            for parent_entity in PARENTS:
                for ownership, parent in (("self", mine[parent_entity]), ("other", theirs[parent_entity])):
                    word, helpers = token(), []
                    values = sample_values(shipped, entity, word, role, helpers)
                    values.update({name: f"{shared} {word}" for name in _texts(entity)})
                    values.update({spec.entity: parent_entity, spec.record: parent.id})
                    with shipped.app.app_context():   # written by the actor (created_by), past any check
                        maker = RecordService(shipped.app, shipped.accounts[role], "plugin", access=SystemAccess())
                        record = maker.create(entity, values)
                    rows.append((parent_entity, ownership, parent.id, record.id, word))
            found[(role, entity)] = (shared, rows)
    return found


def _texts(entity: str) -> set[str]:
    """The title and text search fields of ``entity``: where its word goes."""
    meta = METADATA.entities[entity]
    return {name for name in {meta.title, *search_fields(entity)} if name}


ATTACHMENT_CASES = [pytest.param(role, entity, id=f"{role}-{entity}") for role in ROLES for entity in ATTACHED]


@pytest.mark.parametrize("role,entity", ATTACHMENT_CASES)
def test_a_note_or_activity_shows_exactly_when_the_role_may_read_it_and_its_record(shipped, attached, role, entity):
    shared, rows = attached[(role, entity)]
    meta = METADATA.entities[entity]
    may_list = granted(METADATA, role, entity, "read", "self")
    listed = _every_page(shipped, role, f"/app/{entity}?q={shared}") if may_list else None
    api = _api(shipped, role, f"/api/v1/{entity}?q={shared}&limit=200")
    api_ids = {row["id"] for row in api.get_json()["data"]} if api.status_code == 200 else set()
    exported = _csv_text(_get(shipped, role, f"/app/{entity}/export.csv?q={shared}")) if may_list else ""
    board = _get(shipped, role, f"/app/{entity}/kanban").get_data(as_text=True) \
        if may_list and meta.kanban is not None else ""
    assert not may_list or meta.kanban is None or board
    for parent_entity, ownership, parent_id, record_id, word in rows:
        want = may_list and reads(role, parent_entity, ownership)
        where = (parent_entity, ownership)
        assert (_get(shipped, role, f"/app/{entity}/{record_id}").status_code == 200) == want, (*where, "page")
        assert (record_id in api_ids) == want, (*where, "api list")
        assert (word in exported) == want, (*where, "csv")
        if listed is not None:
            assert (f'/app/{entity}/{record_id}"' in listed) == want, (*where, "search")
        if not want:   # a board shows the first cards of each column only: never one the role may not read
            assert f'/app/{entity}/{record_id}"' not in board, (*where, "kanban")
        if reads(role, parent_entity, ownership):
            timeline = _get(shipped, role, f"/app/{parent_entity}/{parent_id}").get_data(as_text=True)
            assert (word in timeline) == want, (*where, "timeline")


def _every_page(shipped, role: str, path: str) -> str:
    """The HTML of a list and of every page after it (its "Next" links), joined: a record is on one of them."""
    import html
    import re

    pages = []
    while path and len(pages) < 20:
        pages.append(_get(shipped, role, path).get_data(as_text=True))
        following = re.search(r'href="([^"]*)"[^>]*>Next', pages[-1])
        path = html.unescape(following.group(1)) if following else None
    return "".join(pages)


# --- imports ------------------------------------------------------------------------------------------------

IMPORT_CASES = [pytest.param(role, entity, id=f"{role}-{entity}") for role in ROLES for entity in ENTITIES]


@pytest.mark.parametrize("role,entity", IMPORT_CASES)
def test_the_import_pages_take_a_file_only_for_entities_the_role_may_create(shipped, role, entity):
    may = granted(METADATA, role, entity, "create", "self")
    opened = _get(shipped, role, f"/app/{entity}/import")
    assert opened.status_code == (200 if may else 403)
    with shipped.app.app_context():
        before = records_for(shipped.app).query(entity).count()[0]
    sent = shipped.clients[role].post(f"/app/{entity}/import", content_type="multipart/form-data", data={
        "csrf_token": shipped.csrf[role], "file": (io.BytesIO(b"name\nZqImported\n"), "rows.csv")})
    assert (sent.status_code == 302) == may and (sent.status_code == 403) == (not may)
    with shipped.app.app_context():
        assert records_for(shipped.app).query(entity).count()[0] == before


DEDUPE_CASES = [pytest.param(role, entity, id=f"{role}-{entity}") for role in ROLES for entity in ENTITIES
                if any(len(rule.match) == 1 for rule in METADATA.entities[entity].dedupe)]


@pytest.mark.parametrize("role,entity", DEDUPE_CASES)
def test_the_import_preview_finds_duplicates_among_readable_records_only(shipped, role, entity):
    from trellis.io.csv_import import ImportOptions, preview
    from trellis.io.reading import read_csv_bytes

    meta = METADATA.entities[entity]
    field = next(rule.match[0] for rule in meta.dedupe if len(rule.match) == 1)
    theirs, mine = plant(shipped, entity, "out"), plant(shipped, entity, role)
    values = {}
    for planted in (theirs, mine):
        values[planted.id] = f"{planted.word.lower()}@example.com" if meta.fields[field].type == "email" \
            else f"Dup {planted.word}"
        _system_update(shipped, entity, planted.id, {field: values[planted.id]})
    required = [f.name for f in meta.fields.values() if f.required and f.type in ("string", "text") and f.name != field]
    header = ",".join([field, *required])
    lines = [",".join([values[p.id], *["x"] * len(required)]) for p in (theirs, mine)]
    sheet = read_csv_bytes(("\n".join([header, *lines]) + "\n").encode())
    try:
        result = preview(shipped.app, entity, sheet, ImportOptions(dedupe="skip"), user=shipped.accounts[role])
    except Exception as e:   # a role that may not create the entity cannot preview an import into it
        assert not granted(METADATA, role, entity, "create", "self"), e
        return
    text = " ".join(f.message() for f in result.failures)
    assert f"#{theirs.id}" not in text and theirs.word not in text
    expected_skips = int(reads(role, entity, "self")) + int(role == ADMIN or reads(role, entity, "other"))
    assert result.skipped == expected_skips


def test_the_generated_cases_are_not_empty():
    """A change to the shipped metadata must not silently drop a family of cases."""
    assert ROLES and LINK_CASES and SEARCH_CASES and ATTACHMENT_CASES and DEDUPE_CASES
