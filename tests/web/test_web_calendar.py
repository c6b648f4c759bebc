"""The calendar view of entities with a `calendar: true` date field (activities)."""

from datetime import UTC, datetime

from trellis.testing.web import signed_in_client


def test_the_month_shows_each_activity_on_its_day_and_not_other_months(app, records):
    web = signed_in_client(app)
    records.create("activity", {"subject": "Kick-off", "due": datetime(2026, 3, 10, 9, 30, tzinfo=UTC)})
    records.create("activity", {"subject": "Much later", "due": datetime(2026, 5, 1, 9, 0, tzinfo=UTC)})
    page = web.get("/app/activity/calendar?date=2026-03-01").get_data(as_text=True)
    cell = page.split('data-date="2026-03-10"')[1].split("</td>")[0]
    assert "Kick-off" in cell and "09:30" in cell
    assert "Much later" not in page


def test_the_week_view_shows_seven_days(app, records):
    web = signed_in_client(app)
    records.create("activity", {"subject": "Wednesday call", "due": datetime(2026, 3, 11, 12, 0, tzinfo=UTC)})
    page = web.get("/app/activity/calendar?view=week&date=2026-03-10").get_data(as_text=True)
    assert page.count('<span class="day-number">') == 7
    assert "Wednesday call" in page


def test_an_entity_without_a_calendar_field_has_no_calendar(app):
    assert signed_in_client(app).get("/app/company/calendar").status_code == 404
