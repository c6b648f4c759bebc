"""Layer order and what plugins contribute: YAML folders, field types, functions and action kinds."""

import pytest
from trellis.errors import MetadataError
from trellis.metadata import layers_for, load, load_for
from trellis.metadata.model import FieldType, Layer


class FakePlugins:
    """Stands in for trellis.plugins.PluginSet: only the methods the metadata engine calls."""

    def __init__(self, folder):
        self.folder = folder

    def metadata_layers(self):
        return [Layer("loyalty", str(self.folder), "plugin")]

    def field_types(self):
        return [FieldType("rating", "integer", options=("stars",))]

    def expression_functions(self):
        return {"double": lambda x: None if x is None else x * 2}

    def action_kinds(self):
        return ["add_points"]


@pytest.fixture
def plugin_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "loyalty"
    folder.mkdir()
    (folder / "card.yaml").write_text(
        "entity: card\nfields:\n  score: {type: rating, stars: 5}\n"
        "  bonus: {type: integer, compute: \"double(score)\"}\n")
    (folder / "auto.yaml").write_text(
        "automation: reward\nentity: card\ntrigger: {on: create}\nactions: [{add_points: {points: 10}}]\n")
    return folder


def test_layers_are_core_then_plugins_then_the_organisation(plugin_folder, tmp_path):
    layers = layers_for({"METADATA_DIR": tmp_path / "metadata"}, FakePlugins(plugin_folder))
    assert [(layer.name, layer.kind) for layer in layers] == [
        ("core", "core"), ("loyalty", "plugin"), ("metadata", "organisation")]


def test_without_a_plugin_system_there_are_only_core_and_organisation_layers(tmp_path):
    assert [layer.kind for layer in layers_for({"METADATA_DIR": tmp_path}, None)] == ["core", "organisation"]


def test_plugin_yaml_may_use_the_plugins_field_types_functions_and_actions(plugin_folder, tmp_path):
    metadata = load_for({"METADATA_DIR": tmp_path / "metadata"}, FakePlugins(plugin_folder))
    score = metadata.entity("card").fields["score"]
    assert (score.type, score.extra) == ("rating", {"stars": 5})
    assert metadata.entity("card").fields["bonus"].compute.evaluate({"score": 4}) == 8
    assert metadata.automations["reward"].actions[0].kind == "add_points"
    assert metadata.field_types["rating"].storage == "integer"


def test_the_same_yaml_without_the_plugin_reports_what_is_missing(plugin_folder):
    with pytest.raises(MetadataError) as caught:
        load([Layer("loyalty", str(plugin_folder), "plugin")])
    messages = [p.message for p in caught.value.problems]
    assert any("unknown type 'rating'" in m for m in messages)
    assert any("function 'double' is not allowed" in m for m in messages)
    assert any("unknown action 'add_points'" in m for m in messages)
