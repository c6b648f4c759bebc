"""Workflows: a selection field's states and named transitions, checked against the entity."""

import textwrap

import pytest
from metadata_helpers import load_org, problems

DEAL = """\
entity: deal
fields:
  name: string
  amount: money
  lost_reason: string
  stage: {type: selection, options: [new, qualified, won, lost]}
"""
ROLES = "roles:\n  sales_manager:\n    deal: {read: all}\n"


@pytest.fixture
def org(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "deal.yaml").write_text(DEAL)
    (tmp_path / "metadata" / "roles.yaml").write_text(ROLES)
    return tmp_path


def write_workflow(org, text):
    (org / "metadata" / "flow.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def test_a_workflow_with_states_and_transitions_loads(org):
    write_workflow(org, """\
        workflow: pipeline
        entity: deal
        field: stage
        states:
          new: {label: New}
          qualified: {}
          won: {final: true, won: true}
          lost: {final: true}
        transitions:
          qualify: {from: new, to: qualified, when: "amount > 0"}
          win: {from: [qualified], to: won, roles: [sales_manager], actions: [{set: {name: "'Won: ' + name"}}]}
          lose: {from: "*", to: lost, require: [lost_reason]}
        """)
    workflow = load_org(org).workflow_for("deal")
    assert list(workflow.states) == ["new", "qualified", "won", "lost"] and workflow.states["won"].won
    assert workflow.transitions["qualify"].when.names == {"amount"}
    assert workflow.transitions["win"].roles == ("sales_manager",)
    assert workflow.transitions["win"].actions[0].expressions["name"].evaluate({"name": "X"}) == "Won: X"
    assert workflow.transitions["lose"].allowed_from("won") and workflow.transitions["lose"].require == ("lost_reason",)


def test_without_states_every_option_is_a_state(org):
    write_workflow(org, "workflow: pipeline\nentity: deal\nfield: stage\ntransitions: {win: {from: new, to: won}}\n")
    assert list(load_org(org).workflows["pipeline"].states) == ["new", "qualified", "won", "lost"]


def test_a_workflow_on_an_unknown_entity_is_an_error(org):
    write_workflow(org, "workflow: pipeline\nentity: dael\nfield: stage\n")
    assert problems(org) == ["metadata/flow.yaml:2:9: error: workflow 'pipeline' names unknown entity 'dael' "
                             "(did you mean 'deal'?)"]


def test_a_workflow_on_an_unknown_field_is_an_error(org):
    write_workflow(org, "workflow: pipeline\nentity: deal\nfield: stge\n")
    assert problems(org) == ["metadata/flow.yaml:3:8: error: workflow 'pipeline': 'stge' is not a state field of "
                             "'deal': unknown field (did you mean 'stage'?)"]


def test_a_state_that_is_not_an_option_of_the_field_is_an_error(org):
    write_workflow(org, "workflow: pipeline\nentity: deal\nfield: stage\nstates:\n  new: {}\n  wonn: {}\n")
    assert problems(org) == ["metadata/flow.yaml:6:3: error: state 'wonn' of workflow 'pipeline' is not an option "
                             "of the state field (options: new, qualified, won, lost) (did you mean 'won'?)"]


def test_transitions_from_or_to_unknown_states_are_errors(org):
    write_workflow(org, """\
        workflow: pipeline
        entity: deal
        field: stage
        transitions:
          win: {from: [nwe], to: wn}
        """)
    assert problems(org) == [
        "metadata/flow.yaml:5:16: error: transition 'win' of workflow 'pipeline': 'from' names unknown state 'nwe' "
        "(did you mean 'new'?)",
        "metadata/flow.yaml:5:26: error: transition 'win' of workflow 'pipeline': 'to' names unknown state 'wn' "
        "(did you mean 'won'?)"]


def test_require_naming_an_unknown_field_is_an_error(org):
    write_workflow(org, "workflow: p\nentity: deal\nfield: stage\ntransitions:\n  lose: "
                        "{from: '*', to: lost, require: [lost_reasn]}\n")
    assert problems(org) == ["metadata/flow.yaml:5:41: error: transition 'lose' of workflow 'p': 'require' names "
                             "unknown field 'lost_reasn' (did you mean 'lost_reason'?)"]


def test_a_guard_with_an_unknown_name_is_an_error(org):
    write_workflow(org, "workflow: p\nentity: deal\nfield: stage\ntransitions:\n  win: "
                        "{from: new, to: won, when: \"amont > 0\"}\n")
    assert problems(org) == ["metadata/flow.yaml:5:36: error: 'when' of transition 'win' of workflow 'p': unknown "
                             "name 'amont' (did you mean 'amount'?)"]


def test_a_transition_naming_an_unknown_role_is_an_error(org):
    write_workflow(org, "workflow: p\nentity: deal\nfield: stage\ntransitions:\n  win: "
                        "{from: new, to: won, roles: [sales_manger]}\n")
    assert problems(org) == ["metadata/flow.yaml:5:37: error: transition 'win' of workflow 'p': unknown role "
                             "'sales_manger' (did you mean 'sales_manager'?)"]


def test_an_unknown_action_kind_in_a_transition_is_an_error(org):
    write_workflow(org, "workflow: p\nentity: deal\nfield: stage\ntransitions:\n  win: "
                        "{from: new, to: won, actions: [{sett: {name: \"'x'\"}}]}\n")
    [problem] = problems(org)
    assert problem.startswith("metadata/flow.yaml:5:40: error: unknown action 'sett' in transition 'win' of workflow "
                              "'p' (known: set, create, email, webhook, assign) (did you mean 'set'?)")


def test_a_workflow_defined_twice_names_the_first_file(org):
    write_workflow(org, "workflow: p\nentity: deal\nfield: stage\n")
    (org / "metadata" / "zz.yaml").write_text("workflow: p\nentity: deal\nfield: stage\n")
    assert problems(org) == ["metadata/zz.yaml:1:11: error: workflow 'p' is already defined in metadata/flow.yaml:1; "
                             "use 'extends: p' to change it"]


def test_a_state_without_a_label_takes_its_options_label(org):
    (org / "metadata" / "deal.yaml").write_text(DEAL.replace(
        "options: [new, qualified, won, lost]", "options: [new, qualified, {won: {en: Won!, ru: Выиграна}}, lost]"))
    write_workflow(org, "workflow: p\nentity: deal\nfield: stage\nstates: {won: {}, lost: {label: Gone}}\n")
    states = load_org(org).workflows["p"].states
    assert states["won"].label == {"en": "Won!", "ru": "Выиграна"} and states["lost"].label == {"en": "Gone"}
