"""Time off through HTTP: working days, request -> manager approves -> balance, refusals with clear errors.

The allocation is 10 days of annual leave for 2027; 2027-05-06 is a holiday (conftest).
"""

from datetime import date

import pytest
from trellis import BusinessCalendar
from trellis_plugins.hr.working_days import working_days


def _request(world, who, start, end, **extra):
    body = {"employee": world.people[who], "type": world.annual, "start_date": start, "end_date": end, **extra}
    return world.app.test_client().post("/api/v1/time_off_request", json=body, headers=world.headers[who])


def _submitted(world, who, start, end):
    """Create a request and submit it: the submit's answer (the create's when it failed)."""
    made = _request(world, who, start, end)
    return _move(world, who, made.get_json()["id"], "submit") if made.status_code == 201 else made


def _move(world, who, record_id, name):
    return world.app.test_client().post(f"/api/v1/time_off_request/{record_id}/transitions/{name}", json={},
                                        headers=world.headers[who])


def _balance(world, who, reader="hr"):
    found = world.app.test_client().get(f"/api/v1/time_off_allocation/{world.allocations[who]}",
                                        headers=world.headers[reader]).get_json()
    return float(found["balance"])


def test_a_request_approved_by_the_manager_lowers_the_balance(hr_world):
    made = _request(hr_world, "eve", "2027-05-03", "2027-05-07", end_half=True)   # Mon-Fri, Thursday a holiday
    assert made.status_code == 201, made.get_json()
    request = made.get_json()
    assert float(request["days"]) == 3.5 and request["allocation"]["id"] == hr_world.allocations["eve"]
    assert _move(hr_world, "eve", request["id"], "submit").status_code == 200
    assert _balance(hr_world, "eve") == 10
    assert _move(hr_world, "olga", request["id"], "approve").status_code in (403, 404)   # not her request to see
    assert _move(hr_world, "eve", request["id"], "approve").status_code == 403         # an employee approves nothing
    approved = _move(hr_world, "mia", request["id"], "approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert _balance(hr_world, "eve") == 6.5 == _balance(hr_world, "eve", reader="eve")


def test_a_manager_cannot_approve_their_own_time_off(hr_world):
    request = _request(hr_world, "mia", "2027-09-06", "2027-09-06").get_json()
    _move(hr_world, "mia", request["id"], "submit")
    assert _move(hr_world, "mia", request["id"], "approve").status_code == 403   # not an approver of her own
    refused = _move(hr_world, "mia", request["id"], "refuse")
    assert refused.status_code == 422 and "your own time off" in refused.get_data(as_text=True)
    assert _move(hr_world, "boss", request["id"], "approve").status_code == 200


def test_an_overlapping_request_is_refused_naming_the_other(hr_world):
    first = _submitted(hr_world, "olga", "2027-06-07", "2027-06-09")
    assert first.status_code == 200, first.get_json()
    clash = _request(hr_world, "olga", "2027-06-09", "2027-06-10")       # a draft holds nothing yet...
    assert clash.status_code == 201
    refused = _move(hr_world, "olga", clash.get_json()["id"], "submit")   # ...until submitted
    assert refused.status_code == 422
    assert "Overlaps another request (2027-06-07 to 2027-06-09)" in refused.get_json()["error"]["fields"]["start_date"]


def test_a_request_over_the_balance_is_refused_with_what_is_left(hr_world):
    over = _submitted(hr_world, "nick", "2027-07-05", "2027-07-19")   # 11 working days
    assert over.status_code == 422
    assert over.get_json()["error"]["fields"]["end_date"] == \
        "Only 10 days left of this allocation, the request needs 11"
    assert _submitted(hr_world, "nick", "2027-07-05", "2027-07-16").status_code == 200


def test_weekend_only_dates_and_a_missing_allocation_are_refused(hr_world):
    weekend = _request(hr_world, "boss", "2027-05-08", "2027-05-09")
    assert weekend.status_code == 422 and "no working days" in weekend.get_json()["error"]["fields"]["start_date"]
    next_year = _request(hr_world, "boss", "2028-01-10", "2028-01-10")
    assert next_year.status_code == 422 and "No Annual leave allocation for 2028" in \
        next_year.get_json()["error"]["fields"]["type"]


@pytest.mark.parametrize("start, end, start_half, end_half, expected", [
    ("2027-05-03", "2027-05-07", False, False, 4),     # the holiday on Thursday is not counted
    ("2027-05-06", "2027-05-06", True, False, 0),      # a half day on a holiday takes nothing (frappe/hrms#238)
    ("2027-05-07", "2027-05-10", True, True, 1),       # Friday afternoon + Monday morning, the weekend free
    ("2027-03-26", "2027-03-29", False, False, 2),     # across the European DST change: Friday and Monday
    ("2027-10-29", "2027-11-01", False, False, 2),     # and back
    ("2027-05-08", "2027-05-09", False, False, 0),     # a Saturday and a Sunday
])
def test_working_days_golden(start, end, start_half, end_half, expected):
    office = BusinessCalendar.weekly("office", "Europe/Sofia", ["09:00-17:00"], holidays=frozenset({date(2027, 5, 6)}))
    assert working_days(date.fromisoformat(start), date.fromisoformat(end), office, start_half, end_half) == expected


def test_a_review_cycle_end_to_end(hr_world):
    client, review = hr_world.app.test_client(), hr_world.reviews["eve"]

    def move(who, name, **values):
        return client.post(f"/api/v1/performance_review/{review}/transitions/{name}", json=values,
                           headers=hr_world.headers[who])

    assert move("mia", "open").status_code == 403                 # HR opens the cycle
    assert move("hr", "open").get_json()["status"] == "self_assessment"
    assert move("eve", "submit_self").status_code == 422          # a self-assessment is required
    assert move("eve", "submit_self", self_assessment="Shipped the payroll export").get_json()["status"] == \
        "manager_review"
    score = client.post("/api/v1/review_score", json={"review": review, "criterion": "Delivery", "score": 4},
                        headers=hr_world.headers["mia"])
    assert score.status_code == 201 and score.get_json()["employee"]["id"] == hr_world.people["eve"]
    assert move("eve", "submit_review", manager_comments="mine").status_code == 403
    assert move("nick", "submit_review", manager_comments="not my report").status_code in (403, 404)
    assert move("mia", "submit_review", manager_comments="Strong year").get_json()["status"] == "calibration"
    done = move("hr", "close").get_json()
    assert done["status"] == "done" and float(done["score"]) == 4


def test_the_refusal_is_in_the_users_language(hr_world):
    from trellis.data.records import records_for

    with hr_world.app.app_context():
        records_for(hr_world.app).update("user", hr_world.users["boss"], {"locale": "ru"})
    page = hr_world.clients["boss"].post("/app/time_off_request/new", data={
        "csrf_token": hr_world.csrf["boss"], "employee": hr_world.people["boss"], "type": hr_world.annual,
        "start_date": "2027-05-15", "end_date": "2027-05-16"})
    assert page.status_code in (200, 422) and "В эти даты нет рабочих дней" in page.get_data(as_text=True)


def test_the_org_chart_shows_the_reporting_line_as_the_viewer_may_read_it(hr_world):
    page = hr_world.clients["mia"].get("/hr/org-chart")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    boss, mia, eve = (text.index(f"{name} {hr_world.word[name]}") for name in ("boss", "mia", "eve"))
    assert boss < mia < eve                                   # nested in reporting order
    assert text.count("<ul") >= 3 and "<bdi>" in text
    assert hr_world.app.test_client().get("/hr/org-chart").status_code in (302, 401)   # signed in only


def test_the_org_chart_speaks_the_users_language(hr_world):
    from trellis.data.records import records_for

    with hr_world.app.app_context():
        records_for(hr_world.app).update("user", hr_world.users["nick"], {"locale": "fa"})
    text = hr_world.clients["nick"].get("/hr/org-chart").get_data(as_text=True)
    assert "نمودار سازمانی" in text and "زنجیره گزارش‌دهی" in text and 'dir="rtl"' in text
