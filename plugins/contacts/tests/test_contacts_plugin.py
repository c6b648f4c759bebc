"""The contacts plugin, tested as a plugin author would: through the pytest fixtures."""

import pytest
from trellis import ValidationError
from trellis.runtime import runtime


def test_contacts_defines_its_five_entities(trellis_app):
    entities = runtime(trellis_app).metadata.entities
    for name in ("contact", "company", "activity", "note", "tag"):
        assert entities[name].layer == "contacts"


def test_a_contacts_name_joins_first_and_last_name(records):
    contact = records.create("contact", {"first_name": "Ada", "last_name": "Lovelace"})
    assert records.get("contact", contact.id)["name"] == "Ada Lovelace"


def test_a_contact_without_a_first_name_still_gets_a_name(records):
    contact = records.create("contact", {"last_name": "Иванова"})
    assert records.get("contact", contact.id)["name"].strip() == "Иванова"


def test_a_contact_belongs_to_a_company(records):
    company = records.create("company", {"name": "Acme"})
    contact = records.create("contact", {"last_name": "Coyote", "company": company.id})
    assert records.get("contact", contact.id)["company"] == company.id


def test_an_activity_can_point_at_any_record(records):
    company = records.create("company", {"name": "Acme"})
    activity = records.create("activity", {"subject": "Call back", "kind": "call",
                                           "ref_entity": "company", "ref_record": company.id})
    stored = records.get("activity", activity.id)
    assert (stored["ref_entity"], stored["ref_record"], stored["done"]) == ("company", company.id, False)


def test_an_activity_pointing_at_a_record_must_say_its_kind(records):
    with pytest.raises(ValidationError) as error:
        records.create("activity", {"subject": "Orphan", "ref_record": 7})
    assert "ref_entity" in error.value.fields


def test_a_tag_name_is_unique(records):
    records.create("tag", {"name": "vip"})
    with pytest.raises(ValidationError):
        records.create("tag", {"name": "vip"})


def test_demo_data_makes_contacts_in_several_scripts(trellis_app, records):
    from trellis.demo import load_demo_data

    context = load_demo_data(trellis_app)
    names = [contact["name"] for contact in context.created["contact"]]
    assert len(names) == 30 and len(context.created["company"]) == 10
    assert any("Иванова" in n for n in names) and any("احمدی" in n for n in names)
    assert records.query("activity").count()[0] > 0
    assert records.query("note").count()[0] > 0


def test_contacts_brings_a_user_and_a_manager_role(trellis_app):
    roles = runtime(trellis_app).metadata.roles
    assert roles["contacts_user"].entities["contact"].write == "own"
    assert roles["contacts_manager"].entities["contact"].delete == "all"


def test_contacts_schedules_the_daily_activity_digest_at_seven(trellis_app):
    from trellis_plugins.contacts.digest import activity_digest

    jobs = {job.name: job for job in runtime(trellis_app).plugins.scheduled_jobs()}
    assert jobs["activity_digest"].schedule == "0 7 * * *"
    assert jobs["activity_digest"].run is activity_digest


def test_add_activity_checks_its_options_and_due_offset(tmp_path, monkeypatch):
    from trellis.errors import MetadataError
    from trellis.metadata import core_layer, load
    from trellis.metadata.model import Layer
    from trellis_plugins.contacts.automation import OPTIONS

    monkeypatch.chdir(tmp_path)
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "contact.yaml").write_text("entity: contact\nfields:\n  name: string\n")
    (tmp_path / "metadata" / "auto.yaml").write_text(
        "automation: bump\nentity: contact\ntrigger: {on: create}\n"
        "actions: [{add_activity: {subject: 'Call {name}', due: tomorrow, kindd: call}}]\n")
    with pytest.raises(MetadataError) as caught:
        load([core_layer(), Layer("metadata", str(tmp_path / "metadata"), "organisation")],
             action_kinds={"add_activity": OPTIONS})
    assert [str(p) for p in caught.value.problems] == [
        "metadata/auto.yaml:4:56: error: 'due' of action 'add_activity' of automation 'bump' must be an offset from "
        "now like 3d, 2h, 30m or 1w, not text 'tomorrow'",
        "metadata/auto.yaml:4:66: error: unknown key 'kindd' in action 'add_activity' of automation 'bump' "
        "(did you mean 'kind'?)"]
