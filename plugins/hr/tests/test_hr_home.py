"""The home page's ``hr_approvals`` tile: the time-off requests waiting for the viewer's decision."""

from datetime import UTC, datetime

import pytest
from trellis.testing.kpi import kpi_tiles

TILE = "Approvals waiting for me"


@pytest.fixture
def clock(fixed_clock):
    fixed_clock.now = datetime(2027, 10, 1, 8, 0, tzinfo=UTC)   # a Friday, 11:00 in Sofia
    return fixed_clock


def _tile(world, who):
    return kpi_tiles(world.clients[who].get("/").get_data(as_text=True)).get(TILE)


def test_a_submitted_request_waits_for_the_managers_decision_only(hr_world, clock):
    client = hr_world.app.test_client()
    body = {"employee": hr_world.people["eve"], "type": hr_world.unpaid, "start_date": "2027-10-04",
            "end_date": "2027-10-05"}
    made = client.post("/api/v1/time_off_request", json=body, headers=hr_world.headers["eve"])
    request = made.get_json()["id"]
    assert _tile(hr_world, "mia") == "0"
    client.post(f"/api/v1/time_off_request/{request}/transitions/submit", json={}, headers=hr_world.headers["eve"])
    assert _tile(hr_world, "mia") == "1"                       # eve's manager
    assert _tile(hr_world, "hr") == "0" and _tile(hr_world, "boss") == "0"   # not their turn (two days: one level)
    answer = hr_world.clients["mia"].post(f"/app/time_off_request/{request}/approval/approve/approve",
                                          data={"csrf_token": hr_world.csrf["mia"]})
    assert answer.status_code == 302
    assert _tile(hr_world, "mia") == "0"
