"""Tickets through the record service: the workflow, the customer's replies, the clock, the call log."""

from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture
def ticket(records, clock):
    contact = records.create("contact", {"first_name": "Ivana", "last_name": "Petrova", "email": "ivana@example.bg"})
    return records.create("ticket", {"subject": "Invoice shows the wrong VAT", "contact": contact.id,
                                     "email": "ivana@example.bg", "channel": "email", "priority": "high"})


def _message(records, ticket, kind, body="..."):
    return records.create("ticket_message", {"ticket": ticket.id, "kind": kind, "body": body})


def test_a_customers_reply_reopens_a_resolved_ticket(records, ticket):
    records.transition("ticket", ticket.id, "resolve")
    assert records.get("ticket", ticket.id)["resolved_at"] is not None
    _message(records, ticket, "inbound", "It is still wrong")
    reopened = records.get("ticket", ticket.id)
    assert reopened["status"] == "open" and reopened["resolved_at"] is None


def test_a_customers_reply_does_not_reopen_a_closed_ticket(records, ticket):
    records.transition("ticket", ticket.id, "resolve")
    records.transition("ticket", ticket.id, "close")
    _message(records, ticket, "inbound", "Thanks!")
    assert records.get("ticket", ticket.id)["status"] == "closed"


def test_the_first_reply_stamps_the_first_response_and_starts_the_ticket_but_a_note_does_not(records, ticket, clock):
    clock.now = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    _message(records, ticket, "note", "Checking with accounting")
    assert records.get("ticket", ticket.id)["first_response_at"] is None
    clock.now = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    _message(records, ticket, "outbound", "We are on it")
    clock.now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    _message(records, ticket, "outbound", "Fixed")
    answered = records.get("ticket", ticket.id)
    assert answered["status"] == "open"
    assert answered["first_response_at"] == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def test_waiting_on_the_customer_is_a_pause_on_the_business_calendar(trellis_app, records, ticket, clock):
    from trellis import business_calendar
    from trellis_plugins.service.tickets import pauses_of

    # created Mon 2 March 09:00 Sofia (07:00 UTC); waits from 10:00 Monday until the customer
    # answers on Wednesday 4 March 11:00 (Tuesday 3 March is a holiday); looked at 12:00 Wednesday
    records.transition("ticket", ticket.id, "start")
    clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    records.transition("ticket", ticket.id, "wait")
    waiting = records.get("ticket", ticket.id)
    assert waiting["pauses"] == [["2026-03-02T08:00:00+00:00", None]]
    clock.now = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    _message(records, ticket, "inbound", "Here is the invoice number")
    answered = records.get("ticket", ticket.id)
    assert answered["status"] == "open"
    assert answered["pauses"] == [["2026-03-02T08:00:00+00:00", "2026-03-04T09:00:00+00:00"]]
    desk = business_calendar()
    spent = desk.working_time_between(answered["created_at"], datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
                                      pauses_of(answered))
    assert spent == timedelta(hours=2)  # 09:00-10:00 Monday and 11:00-12:00 Wednesday
    assert desk.add_working_time(waiting["created_at"], timedelta(hours=8), pauses_of(waiting)) is None


def test_a_call_shows_on_the_contacts_and_the_tickets_timeline(client_as, records, ticket, clock):
    call = records.create("call_log", {"summary": "Called about the VAT", "contact": ticket["contact"],
                                       "ticket": ticket.id, "direction": "outbound", "duration": 125,
                                       "outcome": "answered"})
    assert call["duration"] == 125
    client = client_as("support_agent")
    page = client.get(f"/app/contact/{ticket['contact']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Called about the VAT" in text and "2:05 min" in text
    thread = client.get(f"/app/ticket/{ticket.id}")
    assert "Called about the VAT" in thread.get_data(as_text=True)


def test_an_agent_works_tickets_but_may_not_delete_them_or_change_teams(records, records_as, ticket):
    from trellis import PermissionDenied

    agent = records_as("support_agent")
    agent.update("ticket", ticket.id, {"priority": "urgent"})
    agent.create("ticket_message", {"ticket": ticket.id, "kind": "note", "body": "Escalating"})
    with pytest.raises(PermissionDenied):
        agent.delete("ticket", ticket.id)
    with pytest.raises(PermissionDenied):
        agent.create("support_team", {"name": "Night shift"})
    records_as("support_manager").create("support_team", {"name": "Night shift", "calendar": "sofia_desk"})
    assert records.get("ticket", ticket.id)["priority"] == "urgent"
