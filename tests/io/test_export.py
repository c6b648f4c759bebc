"""``trellis export``: what the user may read, as CSV or XLSX, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from trellis.data.access import SystemAccess
from trellis.io.export import export_rows
from trellis.runtime import runtime


def read_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_cells_that_look_like_formulas_are_neutralised_in_csv(svc, cli):
    svc.create("contact", {"first_name": "=HYPERLINK(\"http://evil\")", "last_name": "@SUM(A1)",
                           "phone": "+1 555 0100", "city": "-2+3"})
    code, out, err = cli("export", "contact")
    assert code == 0, err
    row = read_csv(out)[0]
    assert (row["first_name"], row["last_name"], row["phone"], row["city"]) == (
        "'=HYPERLINK(\"http://evil\")", "'@SUM(A1)", "'+1 555 0100", "'-2+3")


def test_xlsx_cells_are_text_not_formulas(svc, cli, tmp_path):
    from openpyxl import load_workbook

    svc.create("contact", {"first_name": "=1+2", "last_name": "Lee"})
    code, out, err = cli("export", "contact", "-o", tmp_path / "out.xlsx")
    assert code == 0, err
    sheet = load_workbook(tmp_path / "out.xlsx").active
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("first_name") + 1)
    assert (cell.value, cell.data_type) == ("'=1+2", "s")


def test_columns_and_filters_choose_what_is_exported(svc, cli):
    acme = svc.create("company", {"name": "Acme"})
    svc.create("contact", {"last_name": "Lee", "city": "Oslo", "company": acme.id})
    svc.create("contact", {"last_name": "Ray", "city": "Rome"})
    code, out, err = cli("export", "contact", "--columns", "last_name,company", "--filter", "city=Oslo")
    assert code == 0, err
    assert read_csv(out) == [{"last_name": "Lee", "company": "Acme"}]


def test_an_unknown_column_is_refused(cli):
    code, _, err = cli("export", "contact", "--columns", "last_name,salary")
    assert code == 1 and "unknown field 'salary'" in err


class NoEmails(SystemAccess):
    """Bob may read contacts but not their email."""

    def readable_fields(self, user, entity):
        if user == "bob" and entity == "contact":
            return {"first_name", "last_name", "city"}
        return None


def test_fields_the_user_may_not_read_are_left_out(app, svc):
    svc.create("contact", {"last_name": "Lee", "email": "ann@example.com", "city": "Oslo"})
    runtime(app).access = NoEmails()
    headers, rows = export_rows(app, "contact", user="bob")
    assert headers == ["id", "first_name", "last_name", "city"]
    assert [row[1:] for row in rows] == [[None, "Lee", "Oslo"]]


def test_an_export_imports_back_as_updates(svc, cli, tmp_path):
    ann = svc.create("contact", {"last_name": "Lee", "phone": "+47 1234", "city": "Oslo"})
    cli("export", "contact", "-o", tmp_path / "all.csv")
    text = (tmp_path / "all.csv").read_text(encoding="utf-8-sig").replace("Oslo", "Bergen")
    (tmp_path / "all.csv").write_text(text, encoding="utf-8")
    code, out, err = cli("import", "contact", tmp_path / "all.csv", "--update-existing")
    assert code == 0, err
    again = svc.get("contact", ann.id)
    assert (again["city"], again["phone"]) == ("Bergen", "+47 1234")
