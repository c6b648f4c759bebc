"""Accrual on working days and carry-over: golden numbers around a clock change, a holiday, half days.

The calendar is the conftest's (Europe/Sofia, Monday to Friday, 2027-05-06 a holiday): 2027
has 260 working days. Sofia moves its clocks forward on 2027-03-28 (UTC+2 -> UTC+3).
"""

from datetime import UTC, date, datetime

import pytest
from trellis import BusinessCalendar
from trellis.automation import tick
from trellis.data.records import records_for
from trellis_plugins.hr.accrual import accrued, carry_over

SOFIA = BusinessCalendar.weekly("office", "Europe/Sofia", ["09:00-17:00"], holidays=frozenset({date(2027, 5, 6)}))


@pytest.mark.parametrize(("as_of", "earned"), [
    (date(2026, 12, 31), 0.0),                                  # before the year
    (date(2027, 1, 31), 10.5),                                  # 21 working days x 0.5
    (date(2027, 3, 26), 30.5),                                  # Friday: 61 working days
    (datetime(2027, 3, 26, 22, 30, tzinfo=UTC), 30.5),          # already Saturday 00:30 in Sofia: nothing more
    (date(2027, 3, 28), 30.5),                                  # Sunday of the clock change
    (datetime(2027, 3, 28, 20, 30, tzinfo=UTC), 30.5),          # Sunday 23:30 in Sofia (UTC+3 now)
    (datetime(2027, 3, 28, 21, 30, tzinfo=UTC), 31.0),          # Monday 00:30 in Sofia: Monday is earned
    (date(2027, 5, 5), 44.5),                                   # 89 working days
    (date(2027, 5, 6), 44.5),                                   # the holiday earns nothing
    (date(2027, 5, 7), 45.0),
    (date(2027, 12, 31), 130.0),                                # the whole allocation
])
def test_130_days_accrue_half_a_day_per_working_day(as_of, earned):
    assert accrued(130, 2027, as_of, SOFIA) == earned


@pytest.mark.parametrize(("as_of", "earned"), [
    (date(2027, 3, 31), 6.0),    # 64 working days x 0.1 = 6.4: rounded down to a half day
    (date(2027, 4, 1), 6.5),     # 65 x 0.1
    (date(2027, 4, 9), 7.0),     # 71 x 0.1 = 7.1
])
def test_earned_days_round_down_to_half_days(as_of, earned):
    assert accrued(26, 2027, as_of, SOFIA) == earned


def _request(world, who, kind, start, end):
    body = {"employee": world.people[who], "type": kind, "start_date": start, "end_date": end}
    client = world.app.test_client()
    made = client.post("/api/v1/time_off_request", json=body, headers=world.headers[who])
    assert made.status_code == 201, made.get_json()
    return client.post(f"/api/v1/time_off_request/{made.get_json()['id']}/transitions/submit", json={},
                       headers=world.headers[who])


def test_a_request_may_use_only_what_is_earned_by_its_last_day(hr_world):
    with hr_world.app.app_context():
        system = records_for(hr_world.app)
        kind = system.create("time_off_type", {"name": "Accruing leave", "accrues": True}).id
        system.create("time_off_allocation", {"employee": hr_world.people["eve"], "type": kind, "year": 2027,
                                              "days": 26})
    early = _request(hr_world, "eve", kind, "2027-03-23", "2027-03-31")       # 7 working days, 6 earned
    assert early.status_code == 422
    assert early.get_json()["error"]["fields"]["end_date"] == \
        "Only 6 days left of this allocation, the request needs 7"
    assert _request(hr_world, "eve", kind, "2027-04-01", "2027-04-09").status_code == 200   # 7 earned by then


def test_unused_days_carry_over_once_into_next_years_allocation(hr_world):
    with hr_world.app.app_context():
        system = records_for(hr_world.app)
        kind = system.create("time_off_type", {"name": "Carried leave", "max_carry_over": 5}).id
        system.create("time_off_allocation", {"employee": hr_world.people["olga"], "type": kind, "year": 2026,
                                              "days": 12})
        system.create("time_off_allocation", {"employee": hr_world.people["nick"], "type": kind, "year": 2026,
                                              "days": 3})
    fired = [f for f in tick(hr_world.app, datetime(2027, 1, 1, 0, 30, tzinfo=UTC)) if f.automation ==
             "job:hr_carry_over"]
    assert [f.outcome for f in fired] == ["ok"]
    with hr_world.app.app_context():
        system = records_for(hr_world.app)
        assert carry_over(system.as_system("hr"), 2026) == 2   # run again (by hand): it sets, never adds
        carried = {a["employee"].id: (float(a["days"]), float(a["carried_over"]), float(a["balance"]))
                   for a in system.query("time_off_allocation").filter(type=kind, year=2027).page(size=10).rows}
    assert carried == {hr_world.people["olga"]: (12, 5, 17), hr_world.people["nick"]: (3, 3, 6)}
