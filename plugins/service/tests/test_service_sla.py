"""SLA with a fixed clock across a weekend and a holiday: due dates by hand, breach once at the right minute."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

# The desk (conftest): Europe/Sofia (+02:00 in February and March), 09-13 and 14-18, Tuesday 3 March a holiday.
POLICY = """\
sla: urgent
priority: [urgent, high]
first_response_hours: 1
resolution_hours: 12
"""
BREACH_NOTE = """\
automation: breach_task
entity: ticket
trigger: {on: [update], fields: [sla_state]}
when: "sla_state == 'breached'"
actions:
  - create: {entity: activity, set: {kind: "'task'", subject: "'SLA breached: ' + subject"}}
"""


@pytest.fixture
def trellis_config(trellis_config):
    metadata = Path(trellis_config["ORG_DIR"]) / "metadata"
    (metadata / "urgent.yaml").write_text(POLICY, encoding="utf-8")
    (metadata / "breach_task.yaml").write_text(BREACH_NOTE, encoding="utf-8")
    return trellis_config


def _at(clock, app, text):
    from trellis.automation import tick

    clock.now = datetime.fromisoformat(text).astimezone(UTC)
    tick(app, clock.now)


def _utc(text):
    return datetime.fromisoformat(text).astimezone(UTC)


def test_breach_fires_once_at_the_right_minute_across_a_weekend_and_a_holiday(trellis_app, records, clock):
    clock.now = _utc("2026-02-27T17:30+02:00")  # Friday, half an hour before closing
    ticket = records.create("ticket", {"subject": "Server down", "priority": "high"})
    # first response: Fri 17:30-18:00, Mon 09:00-09:30. Resolution (12 h): Fri 0.5, Mon 8 (8.5),
    # Tuesday a holiday, Wednesday 09:00-12:30 (3.5)
    assert ticket["sla"] == "urgent" and ticket["sla_state"] == "on_track"
    assert ticket["first_response_due"] == _utc("2026-03-02T09:30+02:00")
    assert ticket["resolution_due"] == _utc("2026-03-04T12:30+02:00")
    clock.now = _utc("2026-03-02T09:10+02:00")
    records.create("ticket_message", {"ticket": ticket.id, "kind": "outbound", "body": "Looking into it"})
    # near breach at 80 % of 12 h = 9 h 36 min: Wednesday 10:06
    for minute, state in (("2026-03-04T10:05+02:00", "on_track"), ("2026-03-04T10:06+02:00", "near_breach"),
                          ("2026-03-04T12:29+02:00", "near_breach"), ("2026-03-04T12:30+02:00", "breached"),
                          ("2026-03-04T12:31+02:00", "breached"), ("2026-03-04T15:00+02:00", "breached")):
        _at(clock, trellis_app, minute)
        assert records.get("ticket", ticket.id)["sla_state"] == state, minute
    (task,) = records.query("activity").order_by("id").page(size=10).rows
    assert task["subject"] == "SLA breached: Server down"
    assert task.created_at == _utc("2026-03-04T12:30+02:00")
    assert records.get("ticket", ticket.id)["priority"] == "urgent"  # the plugin's own escalation


def test_waiting_on_the_customer_pauses_the_sla(trellis_app, records, clock):
    clock.now = _utc("2026-02-27T17:30+02:00")
    ticket = records.create("ticket", {"subject": "Refund", "priority": "high"})
    clock.now = _utc("2026-03-02T09:10+02:00")
    records.create("ticket_message", {"ticket": ticket.id, "kind": "outbound", "body": "Which order?"})
    clock.now = _utc("2026-03-02T11:00+02:00")
    records.transition("ticket", ticket.id, "wait")
    _at(clock, trellis_app, "2026-03-02T12:00+02:00")
    waiting = records.get("ticket", ticket.id)
    assert waiting["resolution_due"] is None and waiting["sla_state"] == "on_track"  # the clock stands still
    clock.now = _utc("2026-03-02T15:00+02:00")
    records.create("ticket_message", {"ticket": ticket.id, "kind": "inbound", "body": "Order 1234"})
    # paused 11-13 and 14-15 on Monday: 3 business hours after Wednesday 12:30 is 16:30
    assert records.get("ticket", ticket.id)["resolution_due"] == _utc("2026-03-04T16:30+02:00")
    # 9 h 36 min (80 %) worked by Wednesday 14:06: Fri 0.5, Mon 5 (8 less 3 paused), Wed 09-13 and 14:00-14:06
    for minute, state in (("2026-03-04T12:30+02:00", "on_track"), ("2026-03-04T14:05+02:00", "on_track"),
                          ("2026-03-04T14:06+02:00", "near_breach"), ("2026-03-04T16:29+02:00", "near_breach"),
                          ("2026-03-04T16:30+02:00", "breached")):
        _at(clock, trellis_app, minute)
        assert records.get("ticket", ticket.id)["sla_state"] == state, minute


def test_a_ticket_resolved_in_time_has_met_its_sla(records, clock):
    clock.now = _utc("2026-03-02T09:00+02:00")
    ticket = records.create("ticket", {"subject": "Question", "priority": "normal"})
    assert ticket["sla"] == "normal"
    clock.now = _utc("2026-03-02T10:00+02:00")
    records.transition("ticket", ticket.id, "resolve")
    assert records.get("ticket", ticket.id)["sla_state"] == "met"
