"""The JSON Schema printed by ``trellis schema`` accepts every metadata file in the repository."""

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from trellis.metadata.json_schema import metadata_schema
from trellis.metadata.yaml_loader import read_file

ROOT = Path(__file__).resolve().parents[2]
NOT_METADATA = {"trellis.yaml", "plugin.yaml", ".pre-commit-config.yaml", "docker-compose.yml", "docker-compose.yaml",
                "calendar_golden.yaml"}


def repository_yaml():
    listed = subprocess.run(["git", "ls-files", "*.yaml", "*.yml"], cwd=ROOT, capture_output=True, text=True)
    paths = [Path(p) for p in listed.stdout.split()]
    return [p for p in paths if p.name not in NOT_METADATA and not p.parts[0].startswith(".github")]


def as_json(value):
    """YAML dates become strings, as an editor's JSON view of the file would show them."""
    return json.loads(json.dumps(value, default=str))


@pytest.fixture(scope="module")
def validator():
    from trellis.plugins import discover

    schema = metadata_schema(kinds=discover().metadata_kinds().values())  # the installed plugins' own kinds
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_repository_holds_metadata_yaml_to_check():
    assert any(p.as_posix().startswith("core/metadata/builtin/") for p in repository_yaml())


@pytest.mark.parametrize("path", repository_yaml(), ids=str)
def test_every_metadata_file_in_the_repository_matches_the_schema(validator, path):
    document = read_file(ROOT / path)  # YAML 1.2 keys, as editors read them: `on:` stays "on"
    if document is None:
        pytest.skip("only comments")
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(as_json(document))]
    assert not errors, f"{path}: {errors[:3]}"


def test_the_schema_refuses_a_misspelled_field_option(validator):
    document = {"entity": "deal", "fields": {"name": {"type": "string", "requird": True}}}
    assert not validator.is_valid(document)


def test_the_schema_accepts_each_kind_of_document(validator):
    documents = [
        {"entity": "deal", "fields": {"name": "string", "stage": {"type": "selection", "options": ["a", {"b": "B"}]}},
         "list": {"columns": ["name"], "order": "-name"}, "form": [{"section": "Main", "fields": [["name", "stage"]]}]},
        {"extends": "deal", "fields": {"stage": {"options": ["+c"]}}},
        {"workflow": "p", "entity": "deal", "field": "stage", "states": {"a": None, "b": {"final": True}},
         "transitions": {"go": {"from": "*", "to": "b", "actions": [{"set": {"name": "'x'"}}]}}},
        {"automation": "a", "entity": "deal", "trigger": {"on": ["create"]}, "actions": [{"email": {"to": "x"}}]},
        {"roles": {"sales": {"deal": {"read": "own", "create": True}, "contact": True}}},
        {"extends": "p", "states": {"c": {"after": "a", "probability": 40}, "b": {"label": "Done"}},
         "transitions": {"go": {"from": ["+c"]}, "to_c": {"from": "a", "to": "c"}}},
        {"dashboard": "sales", "label": {"en": "Sales"}, "roles": ["sales_manager"],
         "widgets": ["sales_forecast", {"widget": "sales_targets", "title": {"en": "Targets"}, "size": "large"}]},
    ]
    for document in documents:
        assert validator.is_valid(document), list(validator.iter_errors(document))[:1]


def test_a_plugin_field_types_options_are_known_to_the_schema():
    from trellis.metadata.model import FieldType

    document = {"entity": "card", "fields": {"score": {"type": "rating", "stars": 5}}}
    assert not jsonschema.Draft202012Validator(metadata_schema()).is_valid(document)
    schema = metadata_schema([FieldType("rating", "integer", options=("stars",))])
    assert jsonschema.Draft202012Validator(schema).is_valid(document)


def test_the_schema_refuses_a_misspelled_key_in_a_workflow_extension(validator):
    # A state's own keys are open (a workflow declares more under state_keys; trellis check knows them).
    assert not validator.is_valid({"extends": "p", "stats": {"c": {"after": "a"}}})
    assert not validator.is_valid({"extends": "p", "states": {"c": {"after": ["a"]}}})


def test_the_schema_refuses_a_dashboard_widgets_unknown_size(validator):
    assert not validator.is_valid({"dashboard": "sales", "widgets": [{"widget": "x", "size": "huge"}]})


def test_the_schema_knows_an_entitys_header_and_refuses_a_misspelled_key_in_it(validator):
    good = {"entity": "deal", "fields": {"name": "string"}, "header": {"subtitle": ["name"], "facts": "name"}}
    assert not list(validator.iter_errors(good))
    bad = {**good, "header": {"subtitel": ["name"]}}
    assert any("subtitel" in e.message for e in validator.iter_errors(bad))
