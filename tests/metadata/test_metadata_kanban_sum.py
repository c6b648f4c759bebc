"""``kanban.sum``: a stored number field each column totals; anything else is an error with file:line."""

import textwrap

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer

FIELDS = "entity: deal\nfields:\n  name: string\n  amount: money\n  stage: {type: selection, options: [a]}\n"


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
        "deal.yaml:6:32: error: 'kanban.sum' of entity 'deal' names unknown field 'amout' (did you mean 'amount'?)"]


def test_a_text_field_cannot_be_summed(tmp_path):
    assert problems(tmp_path, "kanban: {group_by: stage, sum: name}\n") == [
        "deal.yaml:6:32: error: 'kanban' of entity 'deal': sum needs a stored number field, not 'name' (type string)"]
