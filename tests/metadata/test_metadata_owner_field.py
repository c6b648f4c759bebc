"""``owner_field:`` of an entity: which user field owns its records (what a role's ``own`` and ``team`` test),
with every mistake reported at its file and line."""

import textwrap

import pytest
from metadata_helpers import load_org, problems


@pytest.fixture
def org(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metadata").mkdir()
    return tmp_path


def task(org, fields, more=""):
    """Write metadata/task.yaml with ``fields`` (YAML lines) from line 3 and ``more`` after them."""
    text = "entity: task\nfields:\n" + textwrap.indent(textwrap.dedent(fields), "  ") + more
    (org / "metadata" / "task.yaml").write_text(text, encoding="utf-8")


def test_an_entity_names_the_user_field_that_owns_its_records(org):
    task(org, "subject: string\nassigned: {type: user}\nowner: {type: user}\n", "owner_field: assigned\n")
    assert load_org(org).entities["task"].owner_field == "assigned"


def test_without_owner_field_a_user_field_called_owner_owns_the_records(org):
    task(org, "subject: string\nowner: {type: user}\n")
    assert load_org(org).entities["task"].owner_field == "owner"


def test_without_either_nobody_owns_the_records_and_own_means_created_by(org):
    task(org, "subject: string\nowner: string\n")
    assert load_org(org).entities["task"].owner_field is None


def test_a_link_to_user_may_own_the_records(org):
    task(org, "subject: string\nagent: {type: link, to: user}\n", "owner_field: agent\n")
    assert load_org(org).entities["task"].owner_field == "agent"


def test_an_unknown_owner_field_is_an_error_at_its_line_with_a_suggestion(org):
    task(org, "subject: string\nassigned: {type: user}\n", "owner_field: asigned\n")
    assert problems(org) == ["metadata/task.yaml:5:14: error: 'owner_field' of entity 'task' names unknown field "
                             "'asigned' (did you mean 'assigned'?)"]


def test_an_owner_field_that_is_not_a_user_link_is_an_error_at_its_line(org):
    (org / "metadata" / "team_room.yaml").write_text("entity: room\nfields: {name: string}\n", encoding="utf-8")
    task(org, "subject: string\nroom: {type: link, to: room}\n", "owner_field: room\n")
    assert problems(org) == ["metadata/task.yaml:5:14: error: 'owner_field' of entity 'task': 'room' must be a user "
                             "field (type user, or a link to user), not type link"]
    task(org, "subject: string\n", "owner_field: subject\n")
    assert problems(org) == ["metadata/task.yaml:4:14: error: 'owner_field' of entity 'task': 'subject' must be a "
                             "user field (type user, or a link to user), not type string"]


def test_an_organisation_gives_a_plugins_entity_an_owner_field_with_extends(org):
    (org / "metadata" / "more.yaml").write_text("extends: task\nfields:\n  agent: {type: user}\nowner_field: agent\n",
                                                encoding="utf-8")
    task(org, "subject: string\nowner: {type: user}\n")
    assert load_org(org).entities["task"].owner_field == "agent"
