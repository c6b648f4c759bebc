"""Finding 4, read side (security round 2): a note or activity on a record is read only with that record.

A contacts-only user read a confidential note on a deal she may not see. Notes and
activities declare ``attached_to: {entity: ref_entity, record: ref_record}``; the read
rule that follows from it is part of the viewer's read filter, so every channel applies it.
Runs on SQLite and, with ``TRELLIS_TEST_POSTGRES``, on PostgreSQL.
"""

from types import SimpleNamespace

import pytest
from trellis.data.records import records_for
from trellis.security.accounts import create_user
from trellis.testing.api import bearer
from trellis.testing.web import login

SECRET_NOTE = "Confidential merger terms"
SECRET_TASK = "Secret call about the merger"
OPEN_NOTE = "Likes green tea"
PASSWORD = "a long enough password"


@pytest.fixture
def desk(trellis_app):
    """A deal owned by a salesperson, with a note and a task on it (both also linked to a contact anyone in
    contacts may read), a note on the contact itself, and a contacts-only user signed in on the web and the API."""
    app = trellis_app
    with app.app_context():
        system = records_for(app)
        seller = create_user(app, "seller@example.com", None, role="salesperson").id
        reader = create_user(app, "reader@example.com", PASSWORD, role="contacts_user").id
        contact = system.create("contact", {"first_name": "Ann", "last_name": "Open"})
        deal = system.create("deal", {"name": "Merger", "contact": contact.id, "owner": seller})
        secret = system.create("note", {"body": SECRET_NOTE, "contact": contact.id,
                                        "ref_entity": "deal", "ref_record": deal.id})
        task = system.create("activity", {"subject": SECRET_TASK, "kind": "task", "contact": contact.id,
                                          "due": "2030-01-15T10:00", "ref_entity": "deal", "ref_record": deal.id})
        visible = system.create("note", {"body": OPEN_NOTE, "contact": contact.id,
                                         "ref_entity": "contact", "ref_record": contact.id})
    client = app.test_client()
    assert login(client, "reader@example.com", PASSWORD).status_code == 302
    return SimpleNamespace(app=app, client=client, api=bearer(app, reader, scope="read"), deal=deal,
                           contact=contact, secret=secret, task=task, visible=visible, seller=seller)


def _text(answer) -> str:
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def test_the_note_list_hides_a_note_on_an_unreadable_deal(desk):
    page = _text(desk.client.get("/app/note"))
    assert OPEN_NOTE in page and SECRET_NOTE not in page


def test_the_note_and_activity_pages_answer_404(desk):
    assert desk.client.get(f"/app/note/{desk.secret.id}").status_code == 404
    assert desk.client.get(f"/app/activity/{desk.task.id}").status_code == 404
    assert desk.client.get(f"/app/note/{desk.visible.id}").status_code == 200


def test_search_does_not_find_it(desk):
    assert SECRET_NOTE not in _text(desk.client.get("/app/note", query_string={"q": "merger"}))
    assert SECRET_TASK not in _text(desk.client.get("/app/activity", query_string={"q": "merger"}))


def test_the_csv_export_leaves_it_out(desk):
    notes = _text(desk.client.get("/app/note/export.csv"))
    assert OPEN_NOTE in notes and SECRET_NOTE not in notes
    assert SECRET_TASK not in _text(desk.client.get("/app/activity/export.csv"))


def test_the_api_neither_lists_nor_gets_it(desk):
    listed = desk.client.get("/api/v1/note", headers=desk.api)
    bodies = [row["body"] for row in listed.get_json()["data"]]
    assert OPEN_NOTE in bodies and SECRET_NOTE not in bodies
    assert desk.client.get(f"/api/v1/note/{desk.secret.id}", headers=desk.api).status_code == 404
    assert desk.client.get(f"/api/v1/activity/{desk.task.id}", headers=desk.api).status_code == 404
    assert desk.client.get("/api/v1/activity", query_string={"q": "merger"}, headers=desk.api).get_json()["data"] == []


def test_the_activity_board_and_calendar_leave_it_out(desk):
    assert SECRET_TASK not in _text(desk.client.get("/app/activity/kanban"))
    calendar = desk.client.get("/app/activity/calendar", query_string={"date": "2030-01-15"})
    assert SECRET_TASK not in _text(calendar)


def test_the_contacts_page_does_not_show_it_among_its_notes(desk):
    page = _text(desk.client.get(f"/app/contact/{desk.contact.id}"))
    assert OPEN_NOTE in page and SECRET_NOTE not in page and SECRET_TASK not in page


def test_whoever_may_read_the_deal_reads_its_note_and_task(desk):
    app = desk.app
    with app.app_context():
        create_user(app, "boss@example.com", PASSWORD, role="sales_manager")
    client = app.test_client()
    assert login(client, "boss@example.com", PASSWORD).status_code == 302
    assert SECRET_NOTE in _text(client.get("/app/note"))
    assert SECRET_TASK in _text(client.get(f"/app/deal/{desk.deal.id}"))   # its timeline
    assert client.get(f"/app/note/{desk.secret.id}").status_code == 200

