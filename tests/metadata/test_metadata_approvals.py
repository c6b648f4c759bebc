"""A transition's ``approval:``: levels of approvers, checked with file and line when the YAML loads."""

import textwrap

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.json_schema import metadata_schema
from trellis.metadata.model import Layer

PURCHASE = """\
entity: purchase
fields:
  name: string
  amount: money
  reviewer: user
  buyer: {type: link, to: person}
  status: {type: selection, options: [draft, submitted, approved, refused]}
"""
PERSON = """\
entity: person
fields:
  name: string
  boss: {type: link, to: person}
  account: user
"""
ROLES = "roles:\n  buyer:\n    purchase: {read: all}\n"
FLOW = """\
workflow: purchase_flow
entity: purchase
field: status
transitions:
  submit: {from: draft, to: submitted}
  refuse: {from: submitted, to: refused}
  approve:
    from: submitted
    to: approved
    approval:
      on_reject: refuse
      levels:
        - name: boss
          approvers: [{manager_chain: {via: buyer, entity: person, manager: boss, user: account}}]
          escalate_after: {hours: 8}
          escalate_to: [{role: buyer}]
        - name: board
          when: "amount > 1000"
          approvers: [{role: buyer}, {field: reviewer}]
          required: 2
"""


@pytest.fixture
def org(tmp_path):
    folder = tmp_path / "metadata"
    folder.mkdir()
    (folder / "purchase.yaml").write_text(PURCHASE)
    (folder / "person.yaml").write_text(PERSON)
    (folder / "roles.yaml").write_text(ROLES)
    return folder


def _load(org, flow):
    (org / "flow.yaml").write_text(textwrap.dedent(flow), encoding="utf-8")
    return load([core_layer(), Layer("metadata", str(org), "organisation")])


def _problems(org, flow):
    with pytest.raises(MetadataError) as caught:
        _load(org, flow)
    return [str(p) for p in caught.value.problems]


def test_levels_with_chain_role_and_field_approvers_load(org):
    approval = _load(org, FLOW).workflows["purchase_flow"].transitions["approve"].approval
    boss, board = approval.levels
    assert approval.on_reject == "refuse"
    assert (boss.approvers[0].kind, boss.approvers[0].up, boss.escalate_after.hours) == ("manager_chain", 1, 8)
    assert [a.kind for a in board.approvers] == ["role", "field"] and board.required == 2
    assert board.when.evaluate({"amount": 1500}) and not board.when.evaluate({"amount": 10})


@pytest.mark.parametrize(("old", "new", "line", "message"), [
    ("[{role: buyer}, {field: reviewer}]", "[{role: byuer}]", 19, "unknown role 'byuer'"),
    ("[{role: buyer}, {field: reviewer}]", "[{field: name}]", 19, "'name' is not a user field of 'purchase'"),
    ("{manager_chain: {via: buyer,", "{manager_chian: {via: buyer,", 14, "unknown approver 'manager_chian'"),
    ("manager: boss, user", "manager: buyer, user", 14, "'manager' must be a link of 'person' to itself"),
    ("{hours: 8}", "{hours: -1}", 15, "must be a number of hours above 0"),
    ("required: 2", "required: 0", 20, "'required' of level 'board'"),
    ("on_reject: refuse", "on_reject: refuze", 11, "names unknown transition 'refuze'"),
    ("          escalate_to: [{role: buyer}]\n", "", 15, "has 'escalate_after' but no 'escalate_to'"),
    ("          required: 2", "          required: 2\n          approverz: []", 21, "unknown key 'approverz'"),
])
def test_a_broken_approval_is_an_error_with_its_line(org, old, new, line, message):
    assert old in FLOW
    found = _problems(org, FLOW.replace(old, new))
    assert any(f"flow.yaml:{line}:" in p and message in p for p in found), found


def test_the_json_schema_describes_approval():
    import jsonschema
    import yaml

    schema = metadata_schema()
    jsonschema.validate(yaml.safe_load(FLOW), schema)
    broken = yaml.safe_load(FLOW.replace("required: 2", "required: 0"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
