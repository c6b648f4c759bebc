"""Finding 2 (security round 2): link fields do not reveal the titles of records the viewer cannot read.

A salesperson reads only her team's contacts. Her own deal pointing at an outsider's
contact must show the link's id alone -- in the list, the API, kanban and CSV export --
and she cannot point a link at a record she cannot read (the answer is the one for a
missing record).
"""

from shipped_helpers import RecordService, plant, stored, uproot
from trellis.data.access import SystemAccess


def _deal_linked_to_outsiders_contact(world):
    contact = plant(world, "contact", "out")
    deal = plant(world, "deal", "salesperson")
    with world.app.app_context():
        RecordService(world.app, None, "plugin", access=SystemAccess()).update("deal", deal.id,
                                                                             {"contact": contact.id})
    return deal, contact


def test_a_linked_records_title_the_viewer_cannot_read_shows_nowhere(shipped):
    deal, contact = _deal_linked_to_outsiders_contact(shipped)
    client, headers = shipped.clients["salesperson"], shipped.headers["salesperson"]
    try:
        pages = {path: client.get(path).get_data(as_text=True) for path in
                 ("/app/deal", f"/app/deal/{deal.id}", "/app/deal/kanban", "/app/deal/export.csv")}
        pages["api"] = client.get(f"/api/v1/deal/{deal.id}", headers=headers).get_data(as_text=True)
        pages["api list"] = client.get("/api/v1/deal", headers=headers).get_data(as_text=True)
        assert deal.word in pages["/app/deal"]  # her own deal is listed ...
        leaked = [path for path, text in pages.items() if contact.word in text]
        assert leaked == []  # ... but not the outsider's contact's name
    finally:
        uproot(shipped, deal)
        uproot(shipped, contact)


def test_pointing_a_link_at_a_record_the_writer_cannot_read_is_refused_like_a_missing_one(shipped):
    contact = plant(shipped, "contact", "out")
    deal = plant(shipped, "deal", "salesperson")
    try:
        client, headers = shipped.clients["salesperson"], shipped.headers["salesperson"]
        forbidden = client.patch(f"/api/v1/deal/{deal.id}", json={"contact": contact.id}, headers=headers)
        missing = client.patch(f"/api/v1/deal/{deal.id}", json={"contact": 999999}, headers=headers)
        assert forbidden.status_code == missing.status_code == 422
        assert forbidden.get_json()["error"]["fields"]["contact"].replace(str(contact.id), "N") == \
            missing.get_json()["error"]["fields"]["contact"].replace("999999", "N")
        assert stored(shipped, "deal", deal.id)["contact"] != contact.id
    finally:
        uproot(shipped, deal)
        uproot(shipped, contact)
