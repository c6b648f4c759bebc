"""Merging duplicates: the survivor keeps the chosen values and everything that pointed at the losers."""

from __future__ import annotations

from pathlib import Path

import pytest
from trellis.errors import NotFound, ValidationError
from trellis.io.merge import merge, merged_into

MEETING = """
entity: meeting
title: topic
fields:
  topic:     {type: string, required: true}
  host:      {type: link, to: contact, on_delete: restrict}
  attendees: {type: links, to: contact}
"""


@pytest.fixture
def trellis_config(trellis_config):
    """Contacts plus an organisation entity with a link and a many-to-many list to contact."""
    folder = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meeting.yaml").write_text(MEETING, encoding="utf-8")
    return {**trellis_config, "PLUGINS": ["contacts"]}


@pytest.fixture
def pair(svc):
    """Ann (the survivor) and her duplicate, with things pointing at the duplicate."""
    ann = svc.create("contact", {"first_name": "Ann", "last_name": "Lee", "city": "Oslo"})
    dup = svc.create("contact", {"first_name": "Anne", "last_name": "Lee", "email": "ann@example.com",
                                 "city": "Bergen"})
    return ann, dup


def test_the_survivor_takes_chosen_values_and_fills_its_blanks(app, svc, pair):
    ann, dup = pair
    merge(app, "contact", ann.id, [dup.id], choices={"first_name": dup.id})
    survivor = svc.get("contact", ann.id)
    assert (survivor["first_name"], survivor["city"], survivor["email"]) == ("Anne", "Oslo", "ann@example.com")


def test_the_loser_is_deleted_and_remembered_as_merged_into_the_survivor(app, svc, pair):
    ann, dup = pair
    merge(app, "contact", ann.id, [dup.id])
    with pytest.raises(NotFound):
        svc.get("contact", dup.id)
    assert merged_into(app, "contact", dup.id) == ann.id
    assert merged_into(app, "contact", ann.id) is None


def test_links_activities_notes_and_references_move_to_the_survivor(app, svc, pair):
    ann, dup = pair
    call = svc.create("activity", {"subject": "Call", "contact": dup.id})
    about = svc.create("activity", {"subject": "About", "ref_entity": "contact", "ref_record": dup.id})
    note = svc.create("note", {"body": "Met at the fair", "contact": dup.id})
    hosted = svc.create("meeting", {"topic": "Kick-off", "host": dup.id, "attendees": [dup.id, ann.id]})
    result = merge(app, "contact", ann.id, [dup.id])
    assert svc.get("activity", call.id)["contact"] == ann.id
    assert svc.get("activity", about.id)["ref_record"] == ann.id
    assert svc.get("note", note.id)["contact"] == ann.id
    meeting = svc.get("meeting", hosted.id)
    assert (meeting["host"], meeting["attendees"]) == (ann.id, [ann.id])
    assert result.moved == {"activity.contact": 1, "activity.ref_record": 1, "note.contact": 1,
                            "meeting.host": 1, "meeting.attendees": 1}


def test_the_survivors_history_says_what_was_merged_into_it_and_not_the_losers_creation(app, svc, pair):
    from trellis.data.history import MERGED

    ann, dup = pair
    svc.update("contact", dup.id, {"city": "Tromsø"})
    merge(app, "contact", ann.id, [dup.id])
    history = svc.history("contact", ann.id)
    assert [c.new for c in history if c.field == MERGED] == [{"id": dup.id, "title": "Anne Lee"}]
    assert ("Bergen", "Tromsø") not in [(c.old, c.new) for c in history if c.field == "city"]
    assert [c.new for c in history if c.field == "first_name"] == ["Ann"]   # only the survivor's creation


def test_a_bad_choice_merges_nothing(app, svc, pair):
    ann, dup = pair
    note = svc.create("note", {"body": "x", "contact": dup.id})
    with pytest.raises(ValidationError) as error:
        merge(app, "contact", ann.id, [dup.id], choices={"city": 999})
    assert "city" in error.value.fields
    assert svc.get("contact", dup.id)["city"] == "Bergen"
    assert svc.get("note", note.id)["contact"] == dup.id


def test_a_failure_halfway_rolls_the_whole_merge_back(app, svc, pair, monkeypatch):
    ann, dup = pair
    note = svc.create("note", {"body": "x", "contact": dup.id})

    def broken(*args):
        raise RuntimeError("disk full")

    # The references have moved by the time the merge is written to the history: fail there.
    monkeypatch.setattr("trellis.io.merge._merged_event", broken)
    with pytest.raises(RuntimeError):
        merge(app, "contact", ann.id, [dup.id])
    assert svc.get("note", note.id)["contact"] == dup.id
    assert svc.get("contact", dup.id)["city"] == "Bergen"


def test_trellis_merge_merges_from_the_command_line(svc, cli, pair):
    ann, dup = pair
    svc.create("note", {"body": "x", "contact": dup.id})
    code, out, err = cli("merge", "contact", ann.id, dup.id, "--take", f"city={dup.id}")
    assert code == 0, err
    assert f"Merged contact #{dup.id} into #{ann.id}; moved 1 reference (note.contact: 1)" in out
    assert svc.get("contact", ann.id)["city"] == "Bergen"
