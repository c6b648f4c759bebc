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
    assert problems(org) == ["metadata/x.yaml:1:10: error: 'extends: contcat' names an unknown entity "
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
