"""The entity key ``menu``: true by default, false for technical entities, checked with file and line."""

import textwrap

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer


@pytest.fixture
def org(tmp_path):
    (tmp_path / "metadata").mkdir()
    return tmp_path


def load_org(org, text):
    (org / "metadata" / "thing.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load([core_layer(), Layer("metadata", str(org / "metadata"), "organisation")])


def test_an_entity_is_in_the_menu_unless_it_says_otherwise(org):
    metadata = load_org(org, "entity: thing\nfields: {name: {type: string}}\n")
    assert metadata.entities["thing"].menu is True
    assert metadata.entities["user"].menu is False and metadata.entities["team"].menu is False


def test_an_organisation_can_put_a_technical_entity_back_in_the_menu(org):
    metadata = load_org(org, "extends: team\nmenu: true\n")
    assert metadata.entities["team"].menu is True


def test_menu_must_be_true_or_false(org):
    with pytest.raises(MetadataError) as caught:
        load_org(org, "entity: thing\nmenu: sometimes\nfields: {name: {type: string}}\n")
    message = str(caught.value.problems[0])
    assert "thing.yaml:2" in message and "'menu' of entity 'thing' must be true or false" in message
