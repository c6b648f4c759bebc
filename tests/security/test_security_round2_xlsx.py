"""Finding 6 (security round 2): an XLSX file declaring a huge sheet costs what its real cells cost.

A 1.5 KB file may declare ``A1:XFD1048576`` or put one cell at row 1,048,576 or column
XFD; reading it must stay small and quick: declared dimensions are ignored, columns and
rows are capped, and a sheet past the caps is refused with a message.
"""

import re
import time
import tracemalloc
import zipfile

import pytest
from trellis.io.reading import ReadError, read_sheet

MB = 1024 * 1024


def _xlsx(path, patch) -> None:
    """A one-column workbook ("name" / "Ann"), its sheet XML rewritten by ``patch``."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["name"])
    book.active.append(["Ann"])
    plain = path.with_name("plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = patch(data.decode()).encode()
            target.writestr(item, data)


def _measured(path):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = read_sheet(path)
    except ReadError as e:
        result = e
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak


def _declare(dimension: str, last_row: int):
    """Declare ``dimension`` and add an empty row element at ``last_row``: a few bytes."""
    def patch(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"', xml)
        return xml.replace("</sheetData>", f'<row r="{last_row}"/></sheetData>')
    return patch


@pytest.mark.parametrize("dimension,last_row", [("A1:XFD2000", 2000), ("A1:XFD1048576", 1048576),
                                                ("A1:A1048576", 1048576), ("A1:XFD3", 3)])
def test_a_declared_huge_dimension_costs_what_the_real_cells_cost(tmp_path, dimension, last_row):
    path = tmp_path / "bomb.xlsx"
    _xlsx(path, _declare(dimension, last_row))
    assert path.stat().st_size < 10_000
    sheet, seconds, peak = _measured(path)
    assert seconds < 15 and peak < 30 * MB  # under tracemalloc, on a loaded machine; unbounded: minutes
    if last_row > 200_000:  # past the row cap: refused, as cheaply
        assert isinstance(sheet, ReadError) and "rows" in str(sheet)
    else:
        assert sheet.headers == ["name"] and sheet.rows == [["Ann"]]


def test_a_cell_far_to_the_right_is_refused_or_cut_off_cheaply(tmp_path):
    rows = "".join(f'<row r="{n}"><c r="XFD{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(3, 2003))
    path = tmp_path / "wide.xlsx"
    _xlsx(path, lambda xml: xml.replace("</sheetData>", rows + "</sheetData>").replace("A1:A2", "A1:XFD2002"))
    result, seconds, peak = _measured(path)
    assert seconds < 5 and peak < 40 * MB
    assert isinstance(result, ReadError) or len(result.headers) <= 1000


def test_a_row_far_down_is_refused_cheaply_with_a_message(tmp_path):
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    path = tmp_path / "tall.xlsx"
    _xlsx(path, lambda xml: xml.replace("</sheetData>", far + "</sheetData>").replace("A1:A2", "A1:A1048576"))
    result, seconds, peak = _measured(path)
    assert seconds < 5 and peak < 40 * MB
    assert isinstance(result, ReadError) and "rows" in str(result)
