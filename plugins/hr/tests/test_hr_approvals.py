"""Time off through the core approvals, over HTTP at a fixed clock: the manager, then HR past ten days;
a delegate standing in for an approver who is away; escalation after two working days.

The organisation is the conftest's (Europe/Sofia, 09:00-17:00 on weekdays); requests of the
``unpaid`` type need no balance, so they may be longer than the ten-day allocation.
"""

from datetime import UTC, datetime

import pytest
from trellis.automation import tick
from trellis.testing.web import csrf_token


@pytest.fixture
def clock(fixed_clock):
    fixed_clock.now = datetime(2027, 10, 1, 8, 0, tzinfo=UTC)   # a Friday, 11:00 in Sofia
    return fixed_clock


def _submitted(world, who, start, end):
    body = {"employee": world.people[who], "type": world.unpaid, "start_date": start, "end_date": end}
    client = world.app.test_client()
    made = client.post("/api/v1/time_off_request", json=body, headers=world.headers[who])
    assert made.status_code == 201, made.get_json()
    record_id = made.get_json()["id"]
    moved = client.post(f"/api/v1/time_off_request/{record_id}/transitions/submit", json={}, headers=world.headers[who])
    assert moved.status_code == 200, moved.get_json()
    return record_id


def _decide(world, who, record_id, verdict="approve"):
    """Press Approve (or Reject) on the record's page as ``who``."""
    client = world.clients[who]
    return client.post(f"/app/time_off_request/{record_id}/approval/approve/{verdict}",
                       data={"csrf_token": world.csrf[who]})


def _status(world, record_id):
    answer = world.app.test_client().get(f"/api/v1/time_off_request/{record_id}", headers=world.headers["hr"])
    return answer.get_json()["status"]


def _escalations(world, now):
    return [f for f in tick(world.app, now) if f.automation == "job:approval_escalation"]


def test_a_long_request_escalates_then_hr_approves_through_a_delegate(hr_world, clock):
    request = _submitted(hr_world, "eve", "2027-10-04", "2027-10-19")   # 12 working days: two levels
    assert _decide(hr_world, "hr", request).status_code == 403          # HR's turn is the second step
    assert _decide(hr_world, "boss", request).status_code == 403        # the manager's manager: not yet
    # mia, eve's manager, does not answer. Sixteen working hours after Friday 11:00 is Tuesday 11:00.
    _escalations(hr_world, datetime(2027, 10, 5, 7, 55, tzinfo=UTC))
    assert _decide(hr_world, "boss", request).status_code == 403
    clock.now = datetime(2027, 10, 5, 8, 0, tzinfo=UTC)
    assert _escalations(hr_world, clock.now)[0].outcome == "ok"
    clock.now = datetime(2027, 10, 5, 9, 0, tzinfo=UTC)
    assert _decide(hr_world, "boss", request).status_code == 302
    assert _status(hr_world, request) == "submitted"                    # HR is next: more than ten days
    # The HR manager is away this week and lets mia approve for them.
    client = hr_world.clients["hr"]
    delegated = client.post("/approvals/delegations", data={"csrf_token": hr_world.csrf["hr"],
                                                            "delegate": "mia@example.com",
                                                            "starts_on": "2027-10-04", "ends_on": "2027-10-08"})
    assert delegated.status_code == 302
    assert _decide(hr_world, "mia", request).status_code == 302
    assert _status(hr_world, request) == "approved"
    page = hr_world.clients["eve"].get(f"/app/time_off_request/{request}").get_data(as_text=True)
    assert 'data-status="approved"' in page
    assert page.count('class="decision escalated"') == 1 and page.count('class="decision approve"') == 2
    assert "Approve, step HR: approved (for hr)" in page                # the timeline names whom mia stood in for


def test_a_delegate_approves_for_the_manager_and_cannot_count_twice(hr_world, clock):
    request = _submitted(hr_world, "eve", "2027-11-01", "2027-11-02")
    client = hr_world.clients["mia"]
    csrf = csrf_token(client, "/approvals/delegations")
    assert client.post("/approvals/delegations", data={"csrf_token": csrf, "delegate": "boss@example.com",
                                                       "starts_on": "2027-10-01", "ends_on": "2027-10-01"}
                       ).status_code == 302
    assert _decide(hr_world, "boss", request).status_code == 302
    assert _status(hr_world, request) == "approved"                     # one level: two days
    page = hr_world.clients["mia"].get("/approvals/delegations").get_data(as_text=True)
    assert "boss" in page and "2027" in page


def test_rejecting_refuses_the_request_and_no_approval_follows(hr_world, clock):
    request = _submitted(hr_world, "eve", "2027-12-06", "2027-12-07")
    assert _decide(hr_world, "nick", request, "reject").status_code in (403, 404)   # not his report
    assert _decide(hr_world, "mia", request, "reject").status_code == 302
    assert _status(hr_world, request) == "refused"
    assert _decide(hr_world, "mia", request).status_code == 302           # shown as refused on the page
    assert _status(hr_world, request) == "refused"


def test_a_non_approver_is_refused_and_nothing_changes(hr_world, clock):
    request = _submitted(hr_world, "olga", "2027-12-13", "2027-12-14")
    assert _decide(hr_world, "mia", request).status_code in (403, 404)   # another line's manager
    assert _decide(hr_world, "olga", request).status_code == 403          # her own request
    assert _status(hr_world, request) == "submitted"
    forged = hr_world.clients["nick"].post(f"/app/time_off_request/{request}/approval/approve/approve")
    assert forged.status_code == 400 and _status(hr_world, request) == "submitted"   # no CSRF token
    assert _decide(hr_world, "nick", request).status_code == 302
    assert _status(hr_world, request) == "approved"
