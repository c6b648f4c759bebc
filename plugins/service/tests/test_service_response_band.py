"""First-response time in business hours on the team's calendar, bucketed into bands the dashboard counts."""

from datetime import UTC, datetime


def _utc(text):
    return datetime.fromisoformat(text).astimezone(UTC)


def _reply(records, ticket):
    records.create("ticket_message", {"ticket": ticket.id, "kind": "outbound", "body": "On it"})
    return records.get("ticket", ticket.id)


def test_the_first_reply_lands_in_its_business_hours_band_and_the_dashboard_report_counts_it(
        records, clock, client_as):
    # The desk (conftest): Europe/Sofia, 09-13 and 14-18.
    clock.now = _utc("2026-03-02T09:00+02:00")  # Monday at opening
    monday = records.create("ticket", {"subject": "Cannot log in"})
    clock.now = _utc("2026-03-02T15:30+02:00")  # 4 h before lunch + 1.5 h after: 5.5 business hours
    assert _reply(records, monday)["first_response_band"] == "4_8h"
    clock.now = _utc("2026-03-06T17:00+02:00")  # Friday, an hour before closing
    friday = records.create("ticket", {"subject": "Invoice missing"})
    clock.now = _utc("2026-03-09T10:30+02:00")  # Monday: 65 hours later, 2.5 business hours
    assert _reply(records, friday)["first_response_band"] == "1_4h"
    clock.now = _utc("2026-03-09T11:00+02:00")
    assert _reply(records, friday)["first_response_band"] == "1_4h"  # only the first reply counts
    untouched = records.create("ticket", {"subject": "Still new"})
    assert untouched.get("first_response_band") is None

    manager = client_as("support_manager")
    csv = manager.get("/reports/first_response_time.csv").get_data(as_text=True)
    assert "1–4 hours" in csv and "4–8 hours" in csv and "Under 1 hour" not in csv
    assert "First response time" in manager.get("/dashboards/service").get_data(as_text=True)
