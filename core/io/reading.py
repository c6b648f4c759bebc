"""Spreadsheet files -> a header and rows of text: CSV (encoding and delimiter detected) and XLSX.

Encoding: a byte-order mark wins (UTF-8, UTF-16); otherwise the file is tried as
strict UTF-8, and a file that is not UTF-8 is read as Windows-1251. That covers
what our users' spreadsheets are saved as (Excel's "CSV UTF-8", LibreOffice's
default, Excel's "CSV" on a Russian or Bulgarian Windows) without a statistical
guesser: a guesser has to choose among dozens of single-byte code pages from a
few hundred bytes and picks wrong on short files, while strict UTF-8 almost never
accepts a file that is not UTF-8. ``--encoding`` overrides the rule.

Every value comes back as text (XLSX numbers and dates are written the way a
person would type them), so the record service coerces CSV and XLSX alike.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

DELIMITERS = ",;\t|"
FALLBACK_ENCODING = "cp1251"


class ReadError(ValueError):
    """A file that cannot be read as a table (message for the user)."""


@dataclass
class Sheet:
    """A table read from a file: ``headers``, ``rows`` (lists of text, as long as ``headers``) and how it was read."""

    headers: list[str]
    rows: list[list[str]]
    encoding: str | None = None
    delimiter: str | None = None
    sha256: str = ""
    notes: list[str] = field(default_factory=list)


def read_sheet(path: str | Path, encoding: str | None = None, delimiter: str | None = None) -> Sheet:
    """Read a ``.csv``/``.txt``/``.tsv`` or ``.xlsx`` file into a :class:`Sheet`; ReadError when it cannot."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReadError(f"cannot read {path}: {e.strerror or e}") from None
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        sheet = _read_xlsx(data)
    else:
        sheet = read_csv_bytes(data, encoding, delimiter)
    sheet.sha256 = digest
    return sheet


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """``(text, encoding used)`` by the rule in the module docstring."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (LookupError, UnicodeDecodeError) as e:
            raise ReadError(f"cannot decode the file as {encoding}: {e}") from None
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode(FALLBACK_ENCODING, errors="replace"), FALLBACK_ENCODING


def sniff_delimiter(text: str) -> str:
    """The delimiter among ``, ; TAB |`` that splits the first lines into the same number of columns most often.

    Counting outside quotes on the header line alone is fooled by a comma inside a
    quoted header; parsing the first lines with each candidate is not.
    """
    sample = "\n".join(text.splitlines()[:20])
    best, best_score = ",", (-1, -1)
    for candidate in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=candidate) if r]
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows if len(r) == width)
        score = (consistent if width > 1 else 0, width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def read_csv_bytes(data: bytes, encoding: str | None = None, delimiter: str | None = None) -> Sheet:
    """A CSV file's bytes as a :class:`Sheet` (header = first non-empty row)."""
    text, used = decode(data, encoding)
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [row for row in reader]
    return _sheet(rows, encoding=used, delimiter=delimiter)


def _read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ReadError(f"not a readable XLSX file: {e}") from None
    try:
        sheet = book.worksheets[0]
        rows = _bounded_rows(sheet)
    finally:
        book.close()
    return _sheet(rows)


XLSX_MAX_ROWS = 200_000
"""Rows an XLSX sheet may reach (counting blank ones); past it the file is refused, not read on."""
XLSX_MAX_COLUMNS = 500
"""Columns read from an XLSX sheet; cells further right are ignored."""


def _bounded_rows(sheet) -> list[list[str]]:
    """The sheet's rows as text, costing what its real cells cost.

    A sheet declares its own size (``A1:XFD1048576``) in a few bytes, and openpyxl pads
    every row to it and invents the rows it skips: the declared size is dropped, rows
    are cut at :data:`XLSX_MAX_COLUMNS`, trailing empty cells are trimmed, and a
    sheet reaching past :data:`XLSX_MAX_ROWS` is refused as it is streamed.
    """
    sheet.reset_dimensions()
    rows: list[list[str]] = []
    blank: list[str] = []  # one list for every empty row (nothing changes rows in place)
    for number, row in enumerate(sheet.iter_rows(max_col=XLSX_MAX_COLUMNS, values_only=True), start=1):
        if number > XLSX_MAX_ROWS:
            raise ReadError(f"the sheet has more than {XLSX_MAX_ROWS:,} rows; split it into smaller files")
        if row.count(None) == len(row):  # counted in C: most rows of a bomb are empty
            rows.append(blank)
            continue
        end = len(row)
        while row[end - 1] is None:
            end -= 1
        rows.append([cell_text(v) for v in row[:end]])
    return rows


def cell_text(value) -> str:
    """An XLSX cell's value as a person would type it: ``12`` not ``12.0``, ``2026-01-31`` for a date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _sheet(rows: list[list[str]], encoding: str | None = None, delimiter: str | None = None) -> Sheet:
    rows = _drop_blank_edges(rows)
    if not rows:
        raise ReadError("the file has no header row")
    headers = [h.strip() for h in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise ReadError("the file has no header row")
    width = len(headers)
    body = [(row + [""] * width)[:width] for row in rows[1:]]
    return Sheet(headers, body, encoding, delimiter)


def _drop_blank_edges(rows: list[list[str]]) -> list[list[str]]:
    def blank(row):
        return not any(str(v).strip() for v in row)

    start = 0
    while start < len(rows) and blank(rows[start]):
        start += 1
    end = len(rows)
    while end > start and blank(rows[end - 1]):
        end -= 1
    return rows[start:end]


def iter_records(sheet: Sheet) -> Iterator[tuple[int, dict[str, str]]]:
    """``(spreadsheet row number, {header: text})`` for every data row; the header is row 1."""
    for index, row in enumerate(sheet.rows):
        yield index + 2, dict(zip(sheet.headers, row, strict=False))
