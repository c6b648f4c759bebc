"""A plugin's own kind of YAML document (``metadata_kinds()``): checked with file:line, kept in the model."""

import pytest
from trellis import MetadataKind, PluginLoadError, hookimpl
from trellis.errors import MetadataError
from trellis.metadata import load_for
from trellis.plugins import discover


def shelf(document, reader):
    """A ``shelf:`` document: a name and a whole number of slots, at least 1."""
    reader.keys(document, ["shelf", "slots"], "a shelf")
    return {"name": document["shelf"], "slots": reader.integer(document, "slots", "a shelf", minimum=1)}


class Shelves:
    name = "shelves"

    @hookimpl
    def metadata_kinds(self):
        return [MetadataKind("shelf", shelf)]


class MoreShelves(Shelves):
    name = "more_shelves"


def load(tmp_path, text, extra=(Shelves(),)):
    (tmp_path / "metadata").mkdir(exist_ok=True)
    (tmp_path / "metadata" / "shelf.yaml").write_text(text, encoding="utf-8")
    return load_for({"METADATA_DIR": tmp_path / "metadata"}, discover([], extra=list(extra)))


def test_what_build_returns_is_listed_in_the_model_under_the_kind(tmp_path):
    metadata = load(tmp_path, "shelf: top\nslots: 4\n")
    assert metadata.configs["shelf"] == [{"name": "top", "slots": 4}]


def test_build_reports_problems_at_their_line(tmp_path):
    with pytest.raises(MetadataError) as caught:
        load(tmp_path, "shelf: top\nslots: 0\ncolour: red\n")
    assert [str(problem).split("metadata/")[-1] for problem in caught.value.problems] == [
        "shelf.yaml:2:8: error: 'slots' of a shelf must be at least 1",
        "shelf.yaml:3:1: error: unknown key 'colour' in a shelf"]


def test_without_the_plugin_the_kind_is_unknown(tmp_path):
    with pytest.raises(MetadataError) as caught:
        load(tmp_path, "shelf: top\nslots: 4\n", extra=())
    assert "cannot tell what this file defines" in caught.value.problems[0].message


def test_two_plugins_may_not_declare_one_kind(tmp_path):
    with pytest.raises(PluginLoadError, match="metadata kind 'shelf' is added by both more_shelves and shelves"):
        load(tmp_path, "shelf: top\n", extra=(Shelves(), MoreShelves()))
