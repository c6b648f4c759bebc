"""The golden corpus (calendar_golden.yaml): calendars written as YAML, moments worked out by hand."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from trellis.metadata.problems import Report
from trellis.metadata.reading import Reader
from trellis.metadata.yaml_loader import plain, read_file
from trellis.working_time.document import build

CORPUS = read_file(Path(__file__).with_name("calendar_golden.yaml"), "calendar_golden.yaml")


def _calendars():
    report = Report()
    calendars = {calendar.name: calendar for calendar in (build(doc, Reader(report)) for doc in CORPUS["calendars"])}
    assert not report.problems, report.problems
    return calendars


CALENDARS = _calendars()


def _moment(text):
    return datetime.fromisoformat(text) if text is not None else None


def _pauses(case):
    return [(_moment(low), _moment(high)) for low, high in case.get("pauses", [])]


def _name(case):
    return f"{case['calendar']}:{case['start']}"


@pytest.mark.parametrize("case", plain(CORPUS["add_working_time"]), ids=_name)
def test_add_working_time_lands_on_the_hand_worked_moment(case):
    calendar = CALENDARS[case["calendar"]]
    start = _moment(case["start"])
    if start.utcoffset():  # written in the calendar's local time: asked in its zone, answered in it
        start = start.astimezone(calendar.zone)
    due = calendar.add_working_time(start, timedelta(hours=case["hours"]), _pauses(case))
    if case["expected"] is None:
        assert due is None
    else:
        assert due.isoformat(timespec="minutes") == case["expected"]


@pytest.mark.parametrize("case", plain(CORPUS["working_time_between"]), ids=_name)
def test_working_time_between_counts_the_hand_worked_hours(case):
    calendar = CALENDARS[case["calendar"]]
    spent = calendar.working_time_between(_moment(case["start"]), _moment(case["end"]), _pauses(case))
    assert spent == timedelta(hours=case["expected"])


@pytest.mark.parametrize("case", plain(CORPUS["working_days"]), ids=lambda case: f"{case['calendar']}:{case['first']}")
def test_working_days_skip_weekends_and_holidays_and_keep_worked_saturdays(case):
    calendar = CALENDARS[case["calendar"]]
    assert calendar.working_days(case["first"], case["last"]) == case["expected"]


def test_the_corpus_reaches_both_clock_changes_and_both_zones_without_them():
    zones = {CALENDARS[case["calendar"]].timezone for case in plain(CORPUS["add_working_time"])}
    assert zones == {"Europe/Sofia", "Europe/Moscow", "Asia/Tehran"}
    starts = {case["start"][:10] for case in plain(CORPUS["working_time_between"])}
    assert {"2026-03-29", "2026-10-25"} <= starts


def test_a_naive_moment_means_utc_and_comes_back_naive():
    office = CALENDARS["moscow_office"]
    due = office.add_working_time(datetime(2026, 3, 27, 14, 0), timedelta(hours=9))
    assert due == datetime(2026, 3, 30, 14, 0)  # Fri 17:00 Moscow + 9 h = Mon 17:00 Moscow = 14:00 UTC


def test_is_working_time_and_next_working_time_follow_lunch_and_holidays():
    office = CALENDARS["sofia_office"]
    lunch = datetime.fromisoformat("2026-03-04T13:30+02:00")
    assert not office.is_working_time(lunch)
    assert office.next_working_time(lunch) == datetime.fromisoformat("2026-03-04T14:00+02:00")
    assert office.is_working_time(datetime.fromisoformat("2026-03-04T14:00+02:00"))
    holiday = datetime.fromisoformat("2026-03-03T10:00+02:00")
    assert office.next_working_time(holiday) == datetime.fromisoformat("2026-03-04T09:00+02:00")
    assert not office.is_working_day(date(2026, 12, 25)) and office.is_working_day(date(2026, 12, 24))


def test_a_negative_duration_is_refused():
    with pytest.raises(ValueError):
        CALENDARS["sofia_office"].add_working_time(datetime(2026, 3, 4, 9, 0), timedelta(hours=-1))
