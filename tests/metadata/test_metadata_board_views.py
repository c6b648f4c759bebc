"""``kanban.sum`` (a stored number field each column totals) and ``calendar: {color, done}`` (a selection
and a yes/no field); anything else is an error with file:line."""

import textwrap

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer

FIELDS = ("entity: deal\nfields:\n  name: string\n  amount: money\n  stage: {type: selection, options: [a]}\n"
          "  won: boolean\n")


def load_deal(tmp_path, kanban: str):
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "deal.yaml").write_text(FIELDS + textwrap.dedent(kanban), encoding="utf-8")
    return load([core_layer(), Layer("metadata", str(tmp_path / "metadata"), "organisation")])


def problems(tmp_path, kanban: str) -> list[str]:
    with pytest.raises(MetadataError) as caught:
        load_deal(tmp_path, kanban)
    return [str(p).split("metadata/", 1)[1] for p in caught.value.problems]


def test_a_money_field_is_the_columns_sum(tmp_path):
    metadata = load_deal(tmp_path, "kanban: {group_by: stage, sum: amount}\n")
    assert metadata.entity("deal").kanban.sum == "amount"


def test_without_sum_the_columns_show_counts_only(tmp_path):
    assert load_deal(tmp_path, "kanban: {group_by: stage}\n").entity("deal").kanban.sum is None


def test_an_unknown_sum_field_names_file_and_line(tmp_path):
    assert problems(tmp_path, "kanban: {group_by: stage, sum: amout}\n") == [
        "deal.yaml:7:32: error: 'kanban.sum' of entity 'deal' names unknown field 'amout' (did you mean 'amount'?)"]


def test_a_text_field_cannot_be_summed(tmp_path):
    assert problems(tmp_path, "kanban: {group_by: stage, sum: name}\n") == [
        "deal.yaml:7:32: error: 'kanban' of entity 'deal': sum needs a stored number field, not 'name' (type string)"]


def test_the_calendar_colours_by_a_selection_and_marks_done_by_a_boolean(tmp_path):
    calendar = load_deal(tmp_path, "calendar: {color: stage, done: won}\n").entity("deal").calendar
    assert (calendar.color, calendar.done) == ("stage", "won")


@pytest.mark.parametrize("yaml, message", [
    ("calendar: {color: name}\n",
     "deal.yaml:7:19: error: 'calendar' of entity 'deal': color needs a selection field, not 'name' (type string)"),
    ("calendar: {done: stage}\n",
     "deal.yaml:7:18: error: 'calendar' of entity 'deal': done needs a yes/no (boolean) field, not 'stage' "
     "(type selection)"),
    ("calendar: {colour: stage}\n",
     "deal.yaml:7:12: error: unknown key 'colour' in 'calendar' of entity 'deal' (did you mean 'color'?)"),
])
def test_a_calendar_naming_the_wrong_kind_of_field_names_file_and_line(tmp_path, yaml, message):
    assert problems(tmp_path, yaml) == [message]
