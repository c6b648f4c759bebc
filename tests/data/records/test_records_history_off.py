"""``history: false`` on a field or an entity: its changes write no history rows; the rest is as always."""

import textwrap
from pathlib import Path

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer

SCORED = """
entity: scored
title: name
fields:
  name:  {type: string, required: true}
  score: {type: integer, history: false}
"""
TALLY = """
entity: tally
history: false
fields:
  count: {type: integer}
"""


@pytest.fixture
def trellis_config(trellis_config):
    """The shared world plus an entity with a quiet field and an entity that keeps no history."""
    entities = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    (entities / "scored.yaml").write_text(SCORED, encoding="utf-8")
    (entities / "tally.yaml").write_text(TALLY, encoding="utf-8")
    return trellis_config


def rows_of(svc, entity):
    table = svc.schema.history
    with svc.transaction():
        return svc.query(entity).aggregate(lambda dialect: table.select().where(table.c.entity == entity))


def test_a_field_with_history_false_is_left_out_of_the_history_of_creates_and_updates(svc):
    record = svc.create("scored", {"name": "Ann", "score": 3})
    svc.update("scored", record.id, {"score": 4})
    svc.update("scored", record.id, {"name": "Anna", "score": 5})
    assert [(c.field, c.old, c.new) for c in svc.history("scored", record.id)] == \
        [("name", None, "Ann"), ("name", "Ann", "Anna")]
    assert svc.get("scored", record.id)["score"] == 5


def test_changing_only_quiet_fields_writes_no_history_row_but_still_saves_and_bumps_the_version(svc):
    record = svc.create("scored", {"name": "Ann"})
    before = len(rows_of(svc, "scored"))
    saved = svc.update("scored", record.id, {"score": 9})
    assert len(rows_of(svc, "scored")) == before
    assert saved.version == record.version + 1 and svc.get("scored", record.id)["score"] == 9


def test_an_entity_with_history_false_writes_no_history_rows(svc):
    record = svc.create("tally", {"count": 1})
    svc.update("tally", record.id, {"count": 2})
    assert svc.history("tally", record.id) == [] and rows_of(svc, "tally") == []
    assert svc.create_many("tally", [{"count": 5}])[0].id is not None
    assert rows_of(svc, "tally") == []


def test_other_fields_and_entities_keep_their_history(svc, ann):
    svc.update("person", ann.id, {"name": "Annie"})
    assert ("name", "Ann", "Annie") in [(c.field, c.old, c.new) for c in svc.history("person", ann.id)]


def load_org(tmp_path, text):
    (tmp_path / "metadata").mkdir(exist_ok=True)
    (tmp_path / "metadata" / "thing.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load([core_layer(), Layer("metadata", str(tmp_path / "metadata"), "organisation")])


def test_history_is_on_unless_the_yaml_turns_it_off(tmp_path):
    metadata = load_org(tmp_path, "entity: thing\nfields: {name: {type: string}, n: {type: integer, history: false}}\n")
    thing = metadata.entities["thing"]
    assert thing.history is True and thing.fields["name"].history is True and thing.fields["n"].history is False


@pytest.mark.parametrize(("text", "line", "what"), [
    ("entity: thing\nhistory: never\nfields: {name: {type: string}}\n", 2, "'history' of entity 'thing'"),
    ("entity: thing\nfields:\n  name: {type: string, history: 0}\n", 3, "'history' of field 'thing.name'"),
])
def test_history_must_be_true_or_false_and_the_error_names_file_and_line(tmp_path, text, line, what):
    with pytest.raises(MetadataError) as caught:
        load_org(tmp_path, text)
    message = str(caught.value.problems[0])
    assert f"thing.yaml:{line}" in message and f"{what} must be true or false" in message
