"""The metadata in a running app: loaded by create_app, refused when broken, reloaded safely."""

import logging
from pathlib import Path

import pytest
from trellis.app import create_app
from trellis.errors import MetadataError
from trellis.metadata import reload
from trellis.runtime import runtime


@pytest.fixture
def org_metadata(trellis_config):
    return Path(trellis_config["ORG_DIR"]) / "metadata"


def test_create_app_loads_the_organisations_entities(trellis_config, org_metadata):
    (org_metadata / "venture.yaml").write_text("entity: venture\nfields: {name: string}\n")
    metadata = runtime(create_app(trellis_config)).metadata
    assert {"user", "team", "venture"} <= set(metadata.entities)
    assert metadata.layers[0].kind == "core" and metadata.layers[-1].kind == "organisation"


def test_create_app_refuses_to_start_with_broken_yaml_and_names_the_file(trellis_config, org_metadata):
    (org_metadata / "venture.yaml").write_text("entity: venture\nfields: {name: {type: strng}}\n")
    with pytest.raises(MetadataError) as caught:
        create_app(trellis_config)
    [problem] = caught.value.problems
    assert problem.path.endswith("metadata/venture.yaml") and problem.line == 2
    assert "unknown type 'strng'" in problem.message


def test_a_reload_with_broken_yaml_keeps_the_last_good_metadata_and_logs_the_errors(
        trellis_config, org_metadata, caplog):
    (org_metadata / "venture.yaml").write_text("entity: venture\nfields: {name: string}\n")
    app = create_app(trellis_config)
    good = runtime(app).metadata
    (org_metadata / "venture.yaml").write_text("entity: venture\nfields: {name: string, budget: {type: mony}}\n")
    with caplog.at_level(logging.ERROR):
        found = reload(app)
    assert runtime(app).metadata is good
    assert "budget" not in runtime(app).metadata.entity("venture").fields
    assert len(found) == 1 and "unknown type 'mony'" in found[0].message
    assert "unknown type 'mony'" in caplog.text and "keeping the previous metadata" in caplog.text


def test_a_reload_with_good_yaml_replaces_the_metadata(trellis_config, org_metadata):
    (org_metadata / "venture.yaml").write_text("entity: venture\nfields: {name: string}\n")
    app = create_app(trellis_config)
    (org_metadata / "venture.yaml").write_text("entity: venture\nfields: {name: string, budget: money}\n")
    assert reload(app) == []
    assert "budget" in runtime(app).metadata.entity("venture").fields
