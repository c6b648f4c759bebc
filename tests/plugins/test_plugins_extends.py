"""An organisation's own metadata/ extends a plugin's entity without code."""

import pytest
from sqlalchemy import inspect
from trellis.data.database import db
from trellis.runtime import runtime

EXTENSION = """\
extends: contact
fields:
  birthday: {type: date}
  favourite_scent: {type: selection, options: [vanilla, lavender, cedar]}
form:
  - section: Personal
    fields: [birthday, favourite_scent]
"""


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    entities = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    entities.mkdir(parents=True)
    (entities / "contact.yaml").write_text(EXTENSION)
    return trellis_config


def test_an_extended_contact_has_the_organisations_fields_in_its_table(app):
    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("contact")}
    assert {"birthday", "favourite_scent", "first_name", "last_name"} <= columns


def test_the_record_service_saves_the_organisations_fields_on_a_plugins_entity(records):
    contact = records.create("contact", {"last_name": "Curie", "favourite_scent": "cedar", "birthday": "1867-11-07"})
    stored = records.get("contact", contact.id)
    assert (stored["favourite_scent"], str(stored["birthday"])) == ("cedar", "1867-11-07")


def test_the_extension_is_recorded_on_the_plugins_entity(app):
    contact = runtime(app).metadata.entities["contact"]
    assert contact.layer == "contacts"
    # The organisation's file, after any installed plugin's extension (loyalty adds a birthday).
    assert contact.extended_by[-1].path.endswith("metadata/entities/contact.yaml")
