"""Calendar actions: weeks start where the user's locale starts them, a day's "+" opens a new record on
that day, dragging reschedules through the record service (CSRF, permissions, 409 on a stale version),
records are coloured by kind and pale when done, and phones get an agenda."""

from datetime import UTC, date, datetime

import pytest
from trellis.testing.web import post, signed_in_client


@pytest.fixture
def web(app):
    return signed_in_client(app)


def first_day_shown(page: str) -> date:
    return date.fromisoformat(page.split('<td data-date="')[1][:10])


@pytest.mark.parametrize("locale, weekday", [("fa", 5), ("en", 6), ("ru", 0)])
def test_the_week_starts_on_the_day_the_locale_starts_it(web, locale, weekday):
    post(web, "/preferences", {"locale": locale})
    page = web.get("/app/activity/calendar?date=2026-03-11").get_data(as_text=True)
    assert first_day_shown(page).weekday() == weekday   # Saturday in Persian, Sunday in English, Monday in Russian
    week = web.get("/app/activity/calendar?view=week&date=2026-03-11").get_data(as_text=True)
    start = first_day_shown(week)
    assert start.weekday() == weekday and 0 <= (date(2026, 3, 11) - start).days < 7


def test_a_days_plus_opens_a_new_record_on_that_day(web):
    page = web.get("/app/activity/calendar?date=2026-03-01").get_data(as_text=True)
    assert 'href="/app/activity/new?due=2026-03-10T09:00"' in page
    form = web.get("/app/activity/new?due=2026-03-10T09:00").get_data(as_text=True)
    assert 'value="2026-03-10T09:00"' in form


def test_dragging_to_another_day_reschedules_and_keeps_the_time_of_day(web, records):
    call = records.create("activity", {"subject": "Call", "due": datetime(2026, 3, 10, 9, 30, tzinfo=UTC)})
    r = post(web, f"/app/activity/{call.id}/reschedule", {"field": "due", "date": "2026-03-12",
                                                          "version": str(call.version)},
             headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.get_json()["version"] == call.version + 1
    assert records.get("activity", call.id)["due"] == datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


def test_a_stale_version_is_a_conflict_and_changes_nothing(web, records):
    call = records.create("activity", {"subject": "Call", "due": datetime(2026, 3, 10, 9, 30, tzinfo=UTC)})
    records.update("activity", call.id, {"subject": "Call Ivan"})
    r = post(web, f"/app/activity/{call.id}/reschedule", {"field": "due", "date": "2026-03-12",
                                                          "version": str(call.version)})
    assert r.status_code == 409 and r.get_json()["error"]["field"] == "version"
    assert records.get("activity", call.id)["due"] == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def test_a_user_who_may_not_write_the_record_is_refused(app, records):
    call = records.create("activity", {"subject": "Not yours", "due": datetime(2026, 3, 10, 9, 30, tzinfo=UTC)})
    clerk = signed_in_client(app, "clerk@example.com", role="contacts_user")
    r = post(clerk, f"/app/activity/{call.id}/reschedule", {"field": "due", "date": "2026-03-12"})
    assert r.status_code == 403
    assert records.get("activity", call.id)["due"] == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def test_without_the_csrf_token_nothing_moves(web, records):
    call = records.create("activity", {"subject": "Call", "due": datetime(2026, 3, 10, 9, 30, tzinfo=UTC)})
    r = web.post(f"/app/activity/{call.id}/reschedule", data={"field": "due", "date": "2026-03-12"})
    assert r.status_code == 400
    assert records.get("activity", call.id)["due"] == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("data, field", [({"field": "due", "date": "12/03/2026"}, "date"),
                                         ({"field": "subject", "date": "2026-03-12"}, "field")])
def test_a_bad_day_or_field_is_refused_naming_it(web, records, data, field):
    call = records.create("activity", {"subject": "Call", "due": datetime(2026, 3, 10, 9, 30, tzinfo=UTC)})
    r = post(web, f"/app/activity/{call.id}/reschedule", data)
    assert r.status_code == 422 and r.get_json()["error"]["field"] == field


def test_records_are_coloured_by_kind_done_ones_marked_and_listed_in_the_agenda(web, records):
    records.create("activity", {"subject": "Open call", "kind": "call", "due": datetime(2026, 3, 10, 9, 0, tzinfo=UTC)})
    records.create("activity", {"subject": "Old task", "kind": "task", "done": True,
                                "due": datetime(2026, 3, 11, 9, 0, tzinfo=UTC)})
    page = web.get("/app/activity/calendar?date=2026-03-01").get_data(as_text=True)
    grid, agenda = page.split('<section class="agenda calendar-events"')
    assert '<li class="event tone-0" draggable="true"' in grid     # call: the first option
    assert '<li class="event tone-2 done" draggable="true"' in grid   # task, done
    assert "Open call" in agenda and "Old task" in agenda
