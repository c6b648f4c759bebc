"""List actions: CSV export of the filtered list, bulk delete / set field / export of ticked rows,
and logging an activity from a record's page."""

import csv
import io

import pytest
from trellis.testing.web import post, signed_in_client
from web_timeline_helpers import timeline_text


@pytest.fixture
def web(app):
    return signed_in_client(app)


def rows_of(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_export_csv_has_the_filtered_and_searched_rows(web, records):
    records.create("company", {"name": "Shop", "industry": "retail"})
    records.create("company", {"name": "Bank", "industry": "finance"})
    r = web.get("/app/company/export.csv?industry=retail")
    assert r.mimetype == "text/csv"
    assert [row["name"] for row in rows_of(r)] == ["Shop"]
    assert [row["name"] for row in rows_of(web.get("/app/company/export.csv?q=bank"))] == ["Bank"]


def test_export_neutralises_a_formula(web, records):
    records.create("company", {"name": "=HYPERLINK(1)"})
    assert rows_of(web.get("/app/company/export.csv"))[0]["name"] == "'=HYPERLINK(1)"


def test_bulk_delete_removes_the_ticked_records_only(web, records):
    keep = records.create("tag", {"name": "keep"})
    gone = [records.create("tag", {"name": f"gone{i}"}).id for i in range(2)]
    r = post(web, "/app/tag/bulk", {"action": "delete", "ids": [str(i) for i in gone]})
    assert r.status_code == 302
    assert [t.id for t in records.query("tag").page().rows] == [keep.id]


def test_bulk_set_field_reports_the_records_it_could_not_change(web, records):
    a = records.create("company", {"name": "A"})
    b = records.create("company", {"name": "B"})
    post(web, "/app/company/bulk", {"action": "set", "field": "industry", "value": "retail",
                                    "ids": [str(a.id), str(b.id)]})
    assert {records.get("company", i)["industry"] for i in (a.id, b.id)} == {"retail"}
    post(web, "/app/company/bulk", {"action": "set", "field": "industry", "value": "no-such-option",
                                    "ids": [str(a.id)]})
    page = web.get("/app/company").get_data(as_text=True)
    assert f"Not changed: #{a.id}" in page
    assert records.get("company", a.id)["industry"] == "retail"


def test_bulk_export_has_the_ticked_rows(web, records):
    a = records.create("tag", {"name": "a"})
    records.create("tag", {"name": "b"})
    r = post(web, "/app/tag/bulk", {"action": "export", "ids": [str(a.id)]})
    assert [row["name"] for row in rows_of(r)] == ["a"]


def test_an_activity_logged_on_a_contact_shows_in_its_timeline(web, records):
    contact = records.create("contact", {"last_name": "Petrov"})
    r = post(web, f"/app/contact/{contact.id}/activities", {"subject": "Follow-up call", "kind": "call",
                                                             "due": "2026-03-10T10:00"})
    assert r.status_code == 302
    activity = records.query("activity").first()
    assert (activity["ref_entity"], activity["ref_record"], activity["contact"]["id"]) == \
        ("contact", contact.id, contact.id)
    assert "Follow-up call" in web.get(f"/app/contact/{contact.id}").get_data(as_text=True)


def test_a_link_change_in_the_timeline_names_the_linked_records(web, records):
    acme = records.create("company", {"name": "Acme"})
    globex = records.create("company", {"name": "Globex"})
    ann = records.create("contact", {"last_name": "Smith", "company": acme.id})
    records.update("contact", ann.id, {"company": globex.id})
    page = timeline_text(web.get(f"/app/contact/{ann.id}").get_data(as_text=True))
    assert "Company: Acme → Globex" in page and "created this record" in page and "Company Acme" in page
