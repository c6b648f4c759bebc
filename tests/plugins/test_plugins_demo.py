"""``trellis demo`` fills an empty database from each plugin's ``demo_data`` hook, once."""

import pytest
from trellis.demo import prepare


@pytest.fixture
def trellis_config(trellis_config):
    """Only the contacts plugin, whose demo data these tests count."""
    return {**trellis_config, "PLUGINS": ["contacts"]}


def test_demo_preparation_loads_the_plugins_demo_data(app, records):
    lines = list(prepare(app))
    assert any(line.startswith("Demo data loaded:") and "30 contact" in line for line in lines)
    assert records.query("contact").count()[0] == 30


def test_demo_preparation_does_not_load_twice(app, records):
    list(prepare(app))
    lines = list(prepare(app))
    assert "Demo data already loaded (use --reset to start afresh)" in lines
    assert records.query("contact").count()[0] == 30


def test_demo_preparation_leaves_a_database_with_records_alone(app, records):
    records.create("company", {"name": "Ours"})
    list(prepare(app))
    assert records.query("company").count()[0] == 1
