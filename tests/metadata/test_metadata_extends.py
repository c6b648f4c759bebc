"""Layers and ``extends:``: a later layer adds to or overrides an earlier layer's entity."""

import textwrap

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer


@pytest.fixture
def org(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in ("plugin", "metadata"):
        (tmp_path / folder).mkdir()
    return tmp_path


def write(org, name, text):
    path = org / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def layers(org):
    return [core_layer(), Layer("sales", str(org / "plugin"), "plugin"),
            Layer("metadata", str(org / "metadata"), "organisation")]


def problems(org):
    with pytest.raises(MetadataError) as caught:
        load(layers(org))
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def contact(org):
    write(org, "plugin/contact.yaml", """\
        entity: contact
        fields:
          name: {type: string, max_length: 100}
          kind: {type: selection, options: [person, company]}
        list: {columns: [name]}
        form:
          - section: Main
            fields: [name]
        """)


def test_extends_adds_fields_form_sections_and_list_columns(org, contact):
    write(org, "metadata/contact.yaml", """\
        extends: contact
        fields:
          birthday: {type: date}
        list: {columns: [birthday]}
        form:
          - section: Personal
            fields: [birthday]
        """)
    entity = load(layers(org)).entity("contact")
    assert list(entity.fields) == ["name", "kind", "birthday"]
    assert entity.list.columns == ["name", "birthday"]
    assert [(b.title["en"], b.fields) for b in entity.form] == [("Main", ["name"]), ("Personal", ["birthday"])]
    assert entity.layer == "sales" and [s.path for s in entity.extended_by] == ["metadata/contact.yaml"]


def test_extends_merges_an_existing_fields_keys_with_the_later_layer_winning(org, contact):
    write(org, "metadata/contact.yaml", "extends: contact\nfields:\n  name: {required: true, max_length: 300}\n")
    name = load(layers(org)).entity("contact").fields["name"]
    assert (name.type, name.required, name.max_length) == ("string", True, 300)


def test_a_form_section_with_the_same_title_gains_the_new_rows(org, contact):
    write(org, "metadata/contact.yaml", """\
        extends: contact
        fields: {nickname: string}
        form:
          - section: Main
            fields: [nickname]
        """)
    form = load(layers(org)).entity("contact").form
    assert [(b.title["en"], b.fields) for b in form] == [("Main", ["name", "nickname"])]


def test_options_with_a_plus_are_added_to_the_existing_ones(org, contact):
    write(org, "metadata/contact.yaml", "extends: contact\nfields:\n  kind: {options: [+partner]}\n")
    assert load(layers(org)).entity("contact").fields["kind"].options == ["person", "company", "partner"]


def test_options_without_a_plus_replace_the_existing_ones(org, contact):
    write(org, "metadata/contact.yaml", "extends: contact\nfields:\n  kind: {options: [lead, client]}\n")
    assert load(layers(org)).entity("contact").fields["kind"].options == ["lead", "client"]


def test_mixing_added_and_plain_options_is_an_error(org, contact):
    write(org, "metadata/contact.yaml", "extends: contact\nfields:\n  kind: {options: [+lead, client]}\n")
    assert problems(org) == ["metadata/contact.yaml:3:19: error: 'options' either adds ('+x' for every item) or "
                             "replaces (no '+'); do not mix the two"]


def test_defining_an_entity_again_without_extends_names_both_files(org, contact):
    write(org, "metadata/contact.yaml", "entity: contact\nfields: {name: string}\n")
    assert problems(org) == ["metadata/contact.yaml:1:9: error: entity 'contact' is already defined in "
                             "plugin/contact.yaml:1; use 'extends: contact' to add to it"]


def test_extending_an_unknown_entity_is_an_error(org, contact):
    write(org, "metadata/x.yaml", "extends: contcat\nfields: {a: string}\n")
    assert problems(org) == ["metadata/x.yaml:1:10: error: 'extends: contcat' names an unknown entity or workflow "
                             "(did you mean 'contact'?)"]


def test_a_mistake_in_an_extension_is_reported_in_the_extension_file(org, contact):
    write(org, "metadata/contact.yaml", "extends: contact\nfields:\n  name: {max_length: many}\n")
    assert problems(org) == ["metadata/contact.yaml:3:22: error: 'max_length' of field 'contact.name' must be a "
                             "whole number, not text 'many'"]


def test_an_organisation_can_extend_the_core_user_entity(org):
    write(org, "metadata/user.yaml", "extends: user\nfields:\n  phone: {type: phone}\n")
    user = load(layers(org)).entity("user")
    assert "phone" in user.fields and user.fields["email"].unique


def test_files_are_found_in_sub_folders_in_sorted_order(org, contact):
    write(org, "metadata/b/second.yaml", "extends: contact\nfields: {b: string}\n")
    write(org, "metadata/a/first.yml", "extends: contact\nfields: {a: string}\n")
    assert list(load(layers(org)).entity("contact").fields)[-2:] == ["a", "b"]


def test_extending_a_field_written_in_shorthand_keeps_its_type(org):
    write(org, "plugin/note.yaml", "entity: note\nfields: {body: text}\n")
    write(org, "metadata/note.yaml", "extends: note\nfields:\n  body: {required: true}\n")
    body = load(layers(org)).entity("note").fields["body"]
    assert (body.type, body.required) == ("text", True)


# --- extends: <workflow> ---------------------------------------------------------------------------

@pytest.fixture
def pipeline(org):
    write(org, "plugin/deal.yaml", """\
        entity: deal
        fields:
          name: string
          amount: money
          lost_reason: string
          stage:
            type: selection
            options: [{new: New}, {qualified: Qualified}, {proposal: {en: Proposal, ru: Предложение}}, won, lost]
        """)
    write(org, "plugin/roles.yaml", "roles:\n  sales_manager:\n    deal: {read: all}\n")
    write(org, "plugin/pipeline.yaml", """\
        workflow: deal_pipeline
        entity: deal
        field: stage
        state_keys: {probability: integer}
        states:
          new: {probability: 10}
          qualified: {probability: 30}
          proposal: {probability: 60, label: {en: Proposal, ru: Предложение}}
          won: {final: true, won: true}
          lost: {final: true, lost: true}
        transitions:
          qualify: {from: new, to: qualified}
          propose: {from: [new, qualified], to: proposal, when: "amount > 0"}
          win:     {from: [qualified, proposal], to: won}
          lose:    {from: [new, qualified, proposal], to: lost, require: [lost_reason]}
        """)


DEMO_STAGE = """\
    extends: deal_pipeline
    states:
      demo_booked: {after: qualified, probability: 45, label: {en: Demo booked, ru: Демо назначено}}
      proposal: {label: Offer sent}
    transitions:
      book_demo: {from: qualified, to: demo_booked, label: Book a demo}
      propose: {from: [+demo_booked]}
      lose: {from: +demo_booked}
    """


def test_extends_adds_a_stage_between_two_others_with_a_transition_into_it(org, pipeline):
    write(org, "metadata/workflows/deal.yaml", DEMO_STAGE)
    metadata = load(layers(org))
    workflow = metadata.workflows["deal_pipeline"]
    assert list(workflow.states) == ["new", "qualified", "demo_booked", "proposal", "won", "lost"]
    demo = workflow.states["demo_booked"]
    assert (demo.extra["probability"], demo.label["en"], demo.source.path) == (45, "Demo booked",
                                                                               "metadata/workflows/deal.yaml")
    assert workflow.transitions["book_demo"].sources == ("qualified",)
    assert workflow.transitions["propose"].sources == ("new", "qualified", "demo_booked")
    assert workflow.transitions["propose"].when is not None  # the keys not given stay
    assert workflow.transitions["lose"].sources == ("new", "qualified", "proposal", "demo_booked")
    assert [s.path for s in workflow.extended_by] == ["metadata/workflows/deal.yaml"]


def test_a_stage_added_to_a_workflow_becomes_an_option_of_its_field_in_order(org, pipeline):
    write(org, "metadata/workflows/deal.yaml", DEMO_STAGE)
    stage = load(layers(org)).entity("deal").fields["stage"]
    assert stage.options == ["new", "qualified", "demo_booked", "proposal", "won", "lost"]
    assert stage.option_labels["demo_booked"] == {"en": "Demo booked", "ru": "Демо назначено"}


def test_a_renamed_stage_label_replaces_the_state_and_option_label_and_keeps_the_rest(org, pipeline):
    write(org, "metadata/workflows/deal.yaml", DEMO_STAGE)
    metadata = load(layers(org))
    proposal = metadata.workflows["deal_pipeline"].states["proposal"]
    assert (proposal.label, proposal.extra["probability"]) == ({"en": "Offer sent"}, 60)
    assert metadata.entity("deal").fields["stage"].option_labels["proposal"] == {"en": "Offer sent"}


def test_a_stage_already_added_as_an_option_by_entity_extends_is_accepted(org, pipeline):
    write(org, "metadata/deal.yaml", "extends: deal\nfields:\n  stage: {options: [+demo_booked]}\n")
    write(org, "metadata/workflows/deal.yaml", DEMO_STAGE)
    metadata = load(layers(org))
    assert metadata.entity("deal").fields["stage"].options.count("demo_booked") == 1
    assert "demo_booked" in metadata.workflows["deal_pipeline"].states


def test_extending_a_workflow_that_lists_no_states_keeps_every_option_as_a_state(org, pipeline):
    write(org, "plugin/pipeline.yaml", """\
        workflow: deal_pipeline
        entity: deal
        field: stage
        transitions:
          qualify: {from: new, to: qualified}
        """)
    write(org, "metadata/flow.yaml", """\
        extends: deal_pipeline
        states:
          demo_booked: {before: proposal}
        transitions:
          book_demo: {from: qualified, to: demo_booked}
        """)
    workflow = load(layers(org)).workflows["deal_pipeline"]
    assert list(workflow.states) == ["new", "qualified", "demo_booked", "proposal", "won", "lost"]
    assert workflow.states["proposal"].label == {"en": "Proposal", "ru": "Предложение"}


def test_a_misspelt_state_in_a_workflow_extension_is_an_unreachable_new_state(org, pipeline):
    write(org, "metadata/flow.yaml", "extends: deal_pipeline\nstates:\n  proposl: {label: Offer sent}\n")
    assert problems(org) == ["metadata/flow.yaml:3:3: error: state 'proposl' added to workflow 'deal_pipeline' is "
                             "not the 'to' of any transition, so no record can reach it (did you mean 'proposal'?); "
                             "add one under 'transitions:'"]


def test_mistakes_in_a_workflow_extension_are_reported_in_its_file(org, pipeline):
    write(org, "metadata/flow.yaml", """\
        extends: deal_pipeline
        field: status
        states:
          demo: {after: qualifed}
        transitions:
          demo: {from: [+qualified, new], to: demo}
          win: {from: [+demo, +nowhere]}
        """)
    assert problems(org) == [
        "metadata/flow.yaml:2:1: error: unknown key 'field' in extension of workflow 'deal_pipeline'",
        "metadata/flow.yaml:4:17: error: 'after' of state 'demo' of extension of workflow 'deal_pipeline' must "
        "name another state, not 'qualifed' (did you mean 'qualified'?)",
        "metadata/flow.yaml:6:16: error: 'from' either adds ('+x' for every item) or replaces (no '+'); "
        "do not mix the two",
        "metadata/flow.yaml:7:23: error: transition 'win' of workflow 'deal_pipeline': 'from' names unknown state "
        "'nowhere'",
    ]


def test_extends_naming_both_an_entity_and_a_workflow_is_ambiguous(org, pipeline):
    write(org, "plugin/deal_flow.yaml", "workflow: deal\nentity: deal\nfield: stage\n")
    write(org, "plugin/pipeline.yaml", "")
    write(org, "metadata/x.yaml", "extends: deal\nlabel: Deal\n")
    assert problems(org) == ["metadata/x.yaml:1:10: error: 'extends: deal' is ambiguous: 'deal' is both an entity "
                             "(plugin/deal.yaml:1) and a workflow (plugin/deal_flow.yaml:1)"]
