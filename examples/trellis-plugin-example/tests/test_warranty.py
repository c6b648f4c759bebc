"""The warranty plugin, tested with the fixtures Trellis's pytest plugin provides."""

import datetime

import pytest
from trellis import ValidationError
from trellis.runtime import runtime


@pytest.fixture
def contact(records):
    return records.create("contact", {"first_name": "Grace", "last_name": "Hopper"})


def test_the_plugin_is_loaded_after_contacts(trellis_app):
    names = runtime(trellis_app).plugins.names
    assert names.index("contacts") < names.index("warranty")


def test_a_serial_number_is_stored_in_upper_case_without_spaces(records, contact):
    warranty = records.create("warranty", {"product": "Kettle", "serial": "ab 12-cd", "contact": contact.id,
                                           "ends": "2030-01-01"})
    assert records.get("warranty", warranty.id)["serial"] == "AB12-CD"


def test_a_serial_number_with_other_characters_is_refused(records, contact):
    with pytest.raises(ValidationError) as error:
        records.create("warranty", {"product": "Kettle", "serial": "AB/12", "contact": contact.id,
                                    "ends": "2030-01-01"})
    assert list(error.value.fields) == ["serial"]


def test_a_warranty_cannot_end_before_it_starts(records, contact):
    with pytest.raises(ValidationError) as error:
        records.create("warranty", {"product": "Kettle", "serial": "K-0001", "contact": contact.id,
                                    "starts": "2030-01-01", "ends": "2029-12-31"})
    assert "ends" in error.value.fields


def test_a_warranty_starts_today_by_default(records, contact):
    warranty = records.create("warranty", {"product": "Kettle", "serial": "K-0002", "contact": contact.id,
                                           "ends": "2099-01-01"})
    starts = records.get("warranty", warranty.id)["starts"]
    assert abs(starts - datetime.date.today()) <= datetime.timedelta(days=1)


def test_contacts_get_a_preferred_contact_channel(records, contact):
    assert records.get("contact", contact.id)["preferred_contact_channel"] == "email"
    records.update("contact", contact.id, {"preferred_contact_channel": "post"})
    assert records.get("contact", contact.id)["preferred_contact_channel"] == "post"
