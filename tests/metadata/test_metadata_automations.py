"""Automations: triggers (events, cron schedules, date fields), conditions and actions."""

import textwrap

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer

CONTACT = """\
entity: contact
fields:
  name: string
  email: email
  birthday: date
  score: integer
"""


@pytest.fixture
def org(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "contact.yaml").write_text(CONTACT)
    return tmp_path


def automation(org, trigger, actions="[{set: {score: 'score + 1'}}]", more=""):
    (org / "metadata" / "auto.yaml").write_text(textwrap.dedent(
        f"automation: bump\nentity: contact\ntrigger: {trigger}\nactions: {actions}\n{more}"))


def load_org(org, **kw):
    return load([core_layer(), Layer("metadata", str(org / "metadata"), "organisation")], **kw)


def problems(org, **kw):
    with pytest.raises(MetadataError) as caught:
        load_org(org, **kw)
    return [str(p) for p in caught.value.problems]


def test_the_birthday_example_loads(org):
    automation(org, '{date_field: birthday, every: year, at: "09:00", offset: -1d}',
               "\n  - email: {to: email, template: birthday}"
               "\n  - create: {entity: user, set: {name: \"'Call ' + name\"}}",
               'when: "email is not None"\n')
    auto = load_org(org).automations["bump"]
    assert (auto.trigger.date_field, auto.trigger.every, auto.trigger.at, auto.trigger.offset) == \
        ("birthday", "year", "09:00", "-1d")
    assert [a.kind for a in auto.actions] == ["email", "create"]
    assert auto.actions[1].options == {"entity": "user", "set": {"name": "'Call ' + name"}}
    assert auto.actions[1].expressions["set.name"].evaluate({"name": "Ann"}) == "Call Ann"
    assert auto.when.names == {"email"}


def test_event_triggers_accept_fields_and_a_single_event(org):
    automation(org, "{on: update, fields: [email]}")
    trigger = load_org(org).automations["bump"].trigger
    assert (trigger.on, trigger.fields) == (("update",), ("email",))


def test_an_unknown_event_is_an_error(org):
    automation(org, "{on: [create, updte]}")
    assert problems(org) == ["metadata/auto.yaml:3:24: error: 'trigger' of automation 'bump': unknown event 'updte' "
                             "(known: create, update, delete, transition) (did you mean 'update'?)"]


def test_a_trigger_needs_exactly_one_kind(org):
    automation(org, "{on: create, schedule: '0 9 * * *'}")
    [problem] = problems(org)
    assert problem.startswith("metadata/auto.yaml:3:10: error: 'trigger' of automation 'bump' needs exactly one of")


def test_a_date_field_must_be_a_date_or_datetime_field(org):
    automation(org, "{date_field: name}")
    assert problems(org) == ["metadata/auto.yaml:3:23: error: 'trigger' of automation 'bump': date_field 'name' must "
                             "be a date or datetime field of 'contact', not of type string"]


@pytest.mark.parametrize("schedule, message", [
    ("0 9 * *", "'schedule' needs 5 fields (minute hour day month weekday), got 4 in '0 9 * *'"),
    ("61 9 * * *", "'schedule' minute field '61': value out of range (allowed 0-59)"),
    ("0 9 * 13 *", "'schedule' month field '13': value out of range (allowed 1-12)"),
    ("*/0 * * * *", "'schedule' minute field '*/0': bad step '0' (allowed 0-59)"),
    ("0 x * * *", "'schedule' hour field 'x': 'x' is not a number (allowed 0-23)"),
])
def test_a_bad_cron_schedule_is_an_error(org, schedule, message):
    automation(org, f"{{schedule: '{schedule}'}}")
    assert problems(org) == [f"metadata/auto.yaml:3:22: error: 'trigger' of automation 'bump': {message}"]


def test_a_valid_cron_schedule_with_names_and_ranges_loads(org):
    automation(org, "{schedule: '*/15 8-18 1,15 jan-jun mon-fri'}")
    assert load_org(org).automations["bump"].trigger.schedule == "*/15 8-18 1,15 jan-jun mon-fri"


@pytest.mark.parametrize("trigger, message", [
    ("{date_field: birthday, every: month}", "'every' of 'trigger' of automation 'bump' must be one of year, "
                                             "not 'month'"),
    ("{date_field: birthday, offset: 1y}", "'trigger' of automation 'bump': 'offset' must be a number with a unit "
                                           "m, h, d or w (e.g. -1d, 3d, 2h), not text '1y'"),
    ("{date_field: birthday, at: '25:00'}", "'trigger' of automation 'bump': 'at' must be a time as HH:MM "
                                            "(00:00 to 23:59), not '25:00'"),
    ("{date_field: birthday, at: 10:30}", "'trigger' of automation 'bump': write 'at' in quotes, e.g. at: \"09:00\""),
])
def test_bad_date_trigger_options_are_errors(org, trigger, message):
    automation(org, trigger)
    [problem] = problems(org)
    assert problem.startswith("metadata/auto.yaml:3:") and problem.endswith(message)


def test_an_unknown_action_kind_is_an_error(org):
    automation(org, "{on: create}", "[{add_points: {points: 10}}]")
    [problem] = problems(org)
    assert problem.startswith("metadata/auto.yaml:4:12: error: unknown action 'add_points' in automation 'bump'")


def test_a_plugin_action_kind_is_accepted(org):
    automation(org, "{on: create}", "[{add_points: {points: 10}}]")
    auto = load_org(org, action_kinds=["add_points"]).automations["bump"]
    assert auto.actions[0].kind == "add_points" and auto.actions[0].options == {"points": 10}


def test_a_plugin_function_can_be_used_in_conditions(org):
    automation(org, "{on: create}", more='when: "shout(name) == \'ANN\'"\n')
    auto = load_org(org, functions={"shout": str.upper}).automations["bump"]
    assert auto.when.evaluate({"name": "ann"}) is True


def test_set_naming_an_unknown_field_is_an_error(org):
    automation(org, "{on: create}", "[{set: {scroe: '1'}}]")
    assert problems(org) == ["metadata/auto.yaml:4:18: error: action 'set' of automation 'bump' sets unknown field "
                             "'scroe' of 'contact' (did you mean 'score'?)"]


def test_create_of_an_unknown_entity_is_an_error(org):
    automation(org, "{on: create}", "[{create: {entity: tasks}}]")
    assert problems(org) == ["metadata/auto.yaml:4:29: error: action 'create' of automation 'bump' names unknown "
                             "entity 'tasks'"]


def test_an_automation_on_an_unknown_entity_is_an_error(org):
    (org / "metadata" / "auto.yaml").write_text("automation: a\nentity: contcat\ntrigger: {on: create}\nactions: []\n")
    assert problems(org) == ["metadata/auto.yaml:2:9: error: automation 'a' names unknown entity 'contcat' "
                             "(did you mean 'contact'?)"]


STAMP = {"type": "object", "additionalProperties": False, "required": ["colour"],
         "properties": {"colour": {"type": "string", "pattern": "^(red|blue)$", "description": "red or blue"},
                        "size": {"type": "integer"}}}


def test_a_plugin_actions_options_are_checked_against_its_options_schema(org):
    automation(org, "{on: create}", "[{stamp: {colour: green, sise: 3}}, {stamp: {size: 1}}]")
    assert problems(org, action_kinds={"stamp": STAMP}) == [
        "metadata/auto.yaml:4:28: error: 'colour' of action 'stamp' of automation 'bump' must be red or blue, "
        "not text 'green'",
        "metadata/auto.yaml:4:35: error: unknown key 'sise' in action 'stamp' of automation 'bump' "
        "(did you mean 'size'?)",
        "metadata/auto.yaml:4:54: error: action 'stamp' of automation 'bump' needs 'colour'"]
    automation(org, "{on: create}", "[{stamp: {colour: red, size: 3}}]")
    assert [a.kind for a in load_org(org, action_kinds={"stamp": STAMP}).automations["bump"].actions] == ["stamp"]
