"""A form block's ``lines: <child entity>`` grid: how it resolves, and every mistake with file and line."""

import textwrap

import pytest
from trellis.errors import MetadataError
from trellis.metadata import core_layer, load
from trellis.metadata.model import Layer

LINE = """\
entity: line
fields:
  invoice: {type: link, to: invoice, required: true}
  item:    string
  qty:     decimal
  seq:     integer
  total:   {type: decimal, compute: "qty * 2"}
form:
  - section: Line
    fields: [invoice, item, [qty, total]]
"""


@pytest.fixture
def org(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "line.yaml").write_text(LINE, encoding="utf-8")
    return tmp_path


def invoice(org, block: str, children: str = "lines: {type: children, to: line, via: invoice}") -> None:
    """metadata/invoice.yaml; ``block`` (the lines block's keys, one per line) starts on line 7."""
    text = f"entity: invoice\nfields:\n  name: string\n  {children}\nform:\n  - section: Lines\n"
    text += textwrap.indent(textwrap.dedent(block), "    ")
    (org / "metadata" / "invoice.yaml").write_text(text, encoding="utf-8")


def load_org(org):
    return load([core_layer(), Layer("metadata", str(org / "metadata"), "organisation")])


def problems(org) -> list[str]:
    with pytest.raises(MetadataError) as caught:
        load_org(org)
    return [str(p) for p in caught.value.problems]


def test_a_lines_block_takes_the_childs_form_fields_but_its_link_as_columns(org):
    invoice(org, "lines: line\norder: seq\n")
    [block] = load_org(org).entities["invoice"].form
    assert (block.lines, block.lines_via, block.line_columns, block.line_order, block.rows) == \
        ("line", "invoice", ["item", "qty", "total"], "seq", [])


def test_columns_choose_the_grids_cells(org):
    invoice(org, "lines: line\ncolumns: [qty, item]\n")
    assert load_org(org).entities["invoice"].form[0].line_columns == ["qty", "item"]


@pytest.mark.parametrize("block, children, message", [
    ("lines: lin\n", None,
     "metadata/invoice.yaml:7:12: error: 'lines' of a form block of entity 'invoice': unknown entity 'lin' "
     "(did you mean 'line'?)"),
    ("lines: line\n", "other: string",
     "metadata/invoice.yaml:7:12: error: 'lines' of a form block of entity 'invoice': entity 'invoice' needs a "
     "children field of 'line' (e.g. lines: {type: children, to: line, via: invoice})"),
    ("lines: line\ncolumns: [qty, itme]\n", None,
     "metadata/invoice.yaml:8:20: error: 'columns' of the lines grid of 'invoice': the child of entity 'line' "
     "names unknown field 'itme' (did you mean 'item'?)"),
    ("lines: line\ncolumns: [invoice]\n", None,
     "metadata/invoice.yaml:8:15: error: 'lines' of a form block of entity 'invoice': 'invoice' links the lines "
     "to the invoice; it is not a column"),
    ("lines: line\norder: item\n", None,
     "metadata/invoice.yaml:8:12: error: 'lines' of a form block of entity 'invoice': 'order: item' needs an "
     "integer field of 'line' that is not computed"),
    ("fields: [name]\norder: seq\n", None,
     "metadata/invoice.yaml:6:5: error: a form block of entity 'invoice': 'columns' and 'order' belong with "
     "'lines: <child entity>'"),
])
def test_mistakes_in_a_lines_block_are_errors_with_their_line(org, block, children, message):
    invoice(org, block, *([children] if children else []))
    assert problems(org) == [message]


def test_the_json_schema_knows_the_lines_keys():
    from trellis.metadata.json_schema import metadata_schema

    text = str(metadata_schema())
    assert "'lines'" in text and "a child entity edited as a grid of lines in this block" in text
