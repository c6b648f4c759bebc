"""The possible-duplicates list and the merge screen."""

from __future__ import annotations

import pytest
from trellis.errors import NotFound
from trellis.io.csv_import import ImportOptions, import_sheet
from trellis.io.merge import merged_into
from trellis.io.reading import Sheet
from trellis.testing.web import post, signed_in_client


@pytest.fixture
def web(app):
    return signed_in_client(app)


@pytest.fixture
def flagged(app, svc):
    """Ann, and Anne imported from a file and flagged as her possible duplicate."""
    ann = svc.create("contact", {"first_name": "Ann", "last_name": "Lee", "city": "Oslo"})
    sheet = Sheet(["first_name", "last_name", "city"], [["Anne", "Lee", "Bergen"]], sha256="x")
    import_sheet(app, "contact", sheet, ImportOptions(dedupe="flag"))
    dup = next(c for c in svc.query("contact").page().rows if c.id != ann.id)
    return ann, dup


def test_the_duplicates_page_lists_a_flagged_pair_with_a_link_to_merge_them(web, flagged):
    ann, dup = flagged
    page = web.get("/app/contact/duplicates").get_data(as_text=True)
    assert "Ann Lee" in page and "Anne Lee" in page
    assert f"/app/contact/merge?ids={ann.id},{dup.id}" in page.replace("%2C", ",")
    assert "/app/contact/duplicates" in web.get("/app/contact").get_data(as_text=True)


def test_the_merge_screen_offers_each_differing_value(web, flagged):
    ann, dup = flagged
    page = web.get(f"/app/contact/merge?ids={ann.id},{dup.id}").get_data(as_text=True)
    assert 'name="take-city"' in page and "Oslo" in page and "Bergen" in page
    assert 'name="take-last_name"' not in page   # the same in both


def test_merging_moves_the_note_to_the_survivor_and_marks_the_loser(app, web, svc, flagged):
    ann, dup = flagged
    note = svc.create("note", {"body": "Met at the fair", "contact": dup.id})
    r = post(web, "/app/contact/merge", {"ids": f"{ann.id},{dup.id}", "survivor": str(ann.id),
                                         "take-first_name": str(ann.id), "take-city": str(dup.id)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/app/contact/{ann.id}")
    assert svc.get("note", note.id)["contact"] == ann.id
    assert svc.get("contact", ann.id)["city"] == "Bergen"
    assert merged_into(app, "contact", dup.id) == ann.id
    with pytest.raises(NotFound):
        svc.get("contact", dup.id)
    assert "No possible duplicates" in web.get("/app/contact/duplicates").get_data(as_text=True)


def test_a_user_who_may_not_delete_the_loser_merges_nothing(app, svc, flagged):
    ann, dup = flagged
    clerk = signed_in_client(app, "clerk@example.com", role="contacts_user")
    r = post(clerk, "/app/contact/merge", {"ids": f"{ann.id},{dup.id}", "survivor": str(ann.id)})
    assert r.status_code in (403, 404)
    assert svc.get("contact", dup.id)["city"] == "Bergen"


def test_a_merge_of_one_record_is_a_bad_request(web, flagged):
    ann, _ = flagged
    assert web.get(f"/app/contact/merge?ids={ann.id}").status_code == 400
