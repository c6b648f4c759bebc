"""``trellis import``: files in the formats people have, mapped to fields, through the record service."""

from __future__ import annotations

import csv


def contacts(svc):
    return [dict(r) for r in svc.query("contact").order_by("id").page(size=500).rows]


def test_a_utf8_csv_with_exact_headers_creates_contacts(svc, cli, write):
    path = write("people.csv", "first_name,last_name,email\nAnn,Lee,ann@example.com\nBob,Ray,bob@example.com\n")
    code, out, err = cli("import", "contact", path)
    assert code == 0, err
    assert "2 created, 0 updated, 0 skipped as duplicates, 0 failed" in out
    assert [(c["first_name"], c["last_name"], c["email"]) for c in contacts(svc)] == [
        ("Ann", "Lee", "ann@example.com"), ("Bob", "Ray", "bob@example.com")]


def test_an_explicit_map_feeds_a_field_from_an_oddly_named_column(svc, cli, write):
    path = write("people.csv", "Surname,Contact address\nLee,ann@example.com\n")
    code, _, err = cli("import", "contact", path, "--map", "Surname=last_name", "--map", "Contact address=email")
    assert code == 0, err
    assert contacts(svc)[0]["email"] == "ann@example.com"


def test_russian_headers_are_matched_by_the_fields_russian_labels(svc, cli, write):
    path = write("люди.csv", "Имя;Фамилия;Эл. почта;Должность\nИван;Петров;ivan@example.ru;Инженер\n")
    code, _, err = cli("import", "contact", path)
    assert code == 0, err
    row = contacts(svc)[0]
    assert (row["first_name"], row["last_name"], row["email"], row["job_title"]) == (
        "Иван", "Петров", "ivan@example.ru", "Инженер")


def test_a_windows_1251_file_is_read_as_cyrillic(svc, cli, write):
    path = write("cp1251.csv", "first_name;last_name;city\nИван;Петров;Москва\n", encoding="cp1251")
    code, _, err = cli("import", "contact", path)
    assert code == 0, err
    assert (contacts(svc)[0]["last_name"], contacts(svc)[0]["city"]) == ("Петров", "Москва")


def test_a_utf8_file_with_a_byte_order_mark_keeps_its_first_header(svc, cli, write):
    path = write("bom.csv", "last_name,city\nÖzil,Köln\n", encoding="utf-8-sig")
    code, _, err = cli("import", "contact", path)
    assert code == 0, err
    assert contacts(svc)[0]["last_name"] == "Özil"


def test_a_tab_delimited_file_is_sniffed(svc, cli, write):
    path = write("tabs.tsv", "last_name\tcity\nLee\tParis, TX\n")
    code, _, err = cli("import", "contact", path)
    assert code == 0, err
    assert contacts(svc)[0]["city"] == "Paris, TX"


def test_an_xlsx_file_is_imported_with_numbers_as_typed(svc, cli, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Last name", "Phone", "E-mail"])
    sheet.append(["Lee", 5551234, "ann@example.com"])
    book.save(tmp_path / "people.xlsx")
    code, _, err = cli("import", "contact", tmp_path / "people.xlsx")
    assert code == 0, err
    row = contacts(svc)[0]
    assert (row["last_name"], row["phone"], row["email"]) == ("Lee", "5551234", "ann@example.com")


def test_a_company_column_links_to_the_existing_company_by_name(svc, cli, write):
    acme = svc.create("company", {"name": "Acme Ltd"})
    path = write("people.csv", "last_name,company\nLee,  acme ltd \n")
    code, _, err = cli("import", "contact", path)
    assert code == 0, err
    assert contacts(svc)[0]["company"] == {"id": acme.id, "name": "Acme Ltd"}


def test_a_missing_company_fails_the_row_without_create_links(svc, cli, write, tmp_path):
    path = write("people.csv", "last_name,company\nLee,Nowhere Inc\n")
    code, _, err = cli("import", "contact", path)
    assert code == 1
    assert "no company named 'Nowhere Inc'" in err
    assert svc.query("company").count()[0] == 0


def test_create_links_makes_a_missing_company_once_for_many_rows(svc, cli, write):
    path = write("people.csv", "last_name,company\nLee,Nowhere Inc\nRay,nowhere inc\n")
    code, _, err = cli("import", "contact", path, "--create-links")
    assert code == 0, err
    companies = svc.query("company").page().rows
    assert [c["name"] for c in companies] == ["Nowhere Inc"]
    assert {c["company"]["id"] for c in contacts(svc)} == {companies[0].id}


def test_a_company_created_for_a_failing_row_is_rolled_back_with_it(svc, cli, write):
    path = write("people.csv", "last_name,email,company\nLee,not-an-email,Ghost Co\n")
    code, _, _ = cli("import", "contact", path, "--create-links")
    assert code == 1
    assert svc.query("company").count()[0] == 0


def test_the_error_csv_has_the_original_columns_the_row_number_and_the_message(svc, cli, write, tmp_path):
    path = write("people.csv", "first_name,last_name,E-mail\nAnn,Lee,ann@example.com\nBob,,bob@example.com\n"
                               "Cy,Ray,broken\n")
    code, out, _ = cli("import", "contact", path, "--errors", tmp_path / "bad.csv")
    assert code == 1
    assert "1 created" in out and "2 failed (see" in out
    with (tmp_path / "bad.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["first_name"], r["_row"]) for r in rows] == [("Bob", "3"), ("Cy", "4")]
    assert rows[0]["_errors"].startswith("last_name: ") and "required" in rows[0]["_errors"]
    assert rows[1]["_errors"].startswith("E-mail: ")


def test_a_dry_run_reports_failures_and_writes_nothing(svc, cli, write):
    path = write("people.csv", "last_name,company\nLee,New Co\nRay,\n,\nKim,New Co\n")
    code, out, _ = cli("import", "contact", path, "--dry-run", "--create-links", "--batch-size", "2")
    assert code == 0
    assert "dry run, nothing written: would have 3 created" in out
    assert svc.query("contact").count()[0] == 0
    assert svc.query("company").count()[0] == 0


def test_all_or_nothing_writes_nothing_when_one_row_fails(svc, cli, write):
    path = write("people.csv", "last_name,email\nLee,a@example.com\nRay,broken\n")
    code, out, _ = cli("import", "contact", path, "--all-or-nothing", "--batch-size", "1")
    assert code == 1
    assert "nothing written" in out
    assert svc.query("contact").count()[0] == 0


def test_importing_the_same_file_twice_is_refused(svc, cli, write):
    path = write("people.csv", "last_name\nLee\n")
    assert cli("import", "contact", path)[0] == 0
    code, _, err = cli("import", "contact", path)
    assert code == 1 and "already imported" in err
    assert cli("import", "contact", path, "--again")[0] == 0
    assert svc.query("contact").count()[0] == 2


def test_a_file_with_no_matching_column_is_refused_with_the_columns_it_has(cli, write):
    path = write("odd.csv", "Foo,Bar\n1,2\n")
    code, _, err = cli("import", "contact", path)
    assert code == 1 and "Foo, Bar" in err


def test_update_existing_updates_the_record_named_by_the_id_column(svc, cli, write):
    ann = svc.create("contact", {"last_name": "Lee", "city": "Oslo"})
    path = write("people.csv", f"id,city\n{ann.id},Bergen\n")
    code, out, err = cli("import", "contact", path, "--update-existing")
    assert code == 0, err
    assert "0 created, 1 updated" in out
    assert svc.get("contact", ann.id)["city"] == "Bergen"


def test_a_preview_marks_the_cells_of_the_first_rows_and_writes_nothing(app, svc, write):
    from trellis.io.csv_import import preview
    from trellis.io.reading import read_sheet

    sheet = read_sheet(write("people.csv", "Last name,E-mail\nLee,ann@example.com\n,bob@example.com\nRay,x\n"))
    result = preview(app, "contact", sheet, limit=2)
    assert result.mapping.columns == {"Last name": "last_name", "E-mail": "email"}
    assert [(f.row, [column for column, _ in f.errors]) for f in result.failures] == [(3, ["Last name"])]
    assert svc.query("contact").count()[0] == 0


def test_migrate_creates_the_import_tables_io_declares(trellis_config):
    import sqlalchemy as sa
    from trellis.app import create_app
    from trellis.data.database import db
    from trellis.data.migrate import upgrade

    app = create_app(trellis_config)
    upgrade(app)
    with app.app_context():
        names = set(sa.inspect(db.engine).get_table_names())
    assert {"trellis_import", "trellis_duplicate", "trellis_merge"} <= names


def test_every_row_of_a_batch_is_written_with_its_history_around_a_failing_one(svc, cli, write):
    path = write("people.csv", "last_name,email,company\nLee,ann@example.com,Acme\nRay,broken,Ghost Co\n"
                               "Kim,kim@example.com,Ghost Co\n")
    code, out, _ = cli("import", "contact", path, "--create-links")
    assert code == 1 and "2 created" in out and "1 failed" in out
    lee, kim = svc.query("contact").order_by("id").page().rows
    assert (lee["last_name"], kim["last_name"]) == ("Lee", "Kim")
    assert sorted(c["name"] for c in svc.query("company").page().rows) == ["Acme", "Ghost Co"]
    for person in (lee, kim):
        changes = svc.history("contact", person.id)
        assert {c.field for c in changes} >= {"last_name", "email", "company"}
        assert {c.channel for c in changes} == {"import"}
