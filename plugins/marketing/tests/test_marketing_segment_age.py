"""Age in segments: whole years on the day the segment is counted, from the birthday the loyalty plugin adds."""

from datetime import date

import pytest
import trellis_plugins.loyalty
from trellis import ValidationError
from trellis_plugins.marketing import segments

TODAY = date(2026, 3, 1)


@pytest.fixture
def trellis_config(trellis_config):
    return {**trellis_config, "EXTRA_PLUGINS": [*trellis_config["EXTRA_PLUGINS"], trellis_plugins.loyalty]}


def members(records, text, today=TODAY):
    segment = segments.from_text("t", text)
    return {row[0] for row in records.query("contact").aggregate(
        lambda dialect: segments.statement(records, segment, today))}


def test_age_counts_whole_years_on_the_day(records):
    born = {name: records.create("contact", {"last_name": name, "birthday": day}).id for name, day in (
        ("eighteen_today", date(2008, 3, 1)), ("seventeen", date(2008, 3, 2)), ("thirty_four", date(1991, 3, 2)),
        ("thirty_five_today", date(1991, 3, 1)), ("thirty_six", date(1990, 3, 1)), ("leap", date(2008, 2, 29)))}
    records.create("contact", {"last_name": "unknown"})
    assert members(records, "age: {min: 18, max: 35}") == {
        born["eighteen_today"], born["thirty_four"], born["thirty_five_today"], born["leap"]}
    assert members(records, "age: {max: 17}") == {born["seventeen"]}
    assert members(records, "age: {min: 36}") == {born["thirty_six"]}
    assert members(records, "age: {max: 17}", today=date(2026, 3, 2)) == set()   # a day later, 18


@pytest.mark.parametrize("text, message", [
    ("age: {min: -1}", "'min' must be a whole number of years from 0 to 150"),
    ("age: {min: 40, max: 30}", "'max' must not be below 'min'"),
    ("age: {oldest: 3}", "'age' must be a mapping with min and/or max"),
])
def test_a_wrong_age_is_refused_naming_it(text, message):
    with pytest.raises(ValidationError) as refused:
        segments.from_text("t", text)
    assert message in refused.value.fields["conditions"]
