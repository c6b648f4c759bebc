"""The daily digest of due and overdue activities (the contacts plugin's scheduled job)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from automation_helpers import build_app, records_of, write_org
from trellis.automation import drain, tick


@pytest.fixture
def runner():
    """In-process only: the runners are tested elsewhere."""
    return "inprocess"


NOW = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)


@pytest.fixture
def office(org, base_config, smtp):
    write_org(org, {})
    app = build_app({**base_config, "PLUGINS": ["contacts"], "SMTP_URL": smtp.url})
    svc = records_of(app)
    ann = svc.create("user", {"email": "ann@example.com", "name": "Ann"})
    svc.create("user", {"email": "bob@example.com", "name": "Bob"})
    for subject, due, done in [("Late call", NOW - timedelta(days=2), False), ("Today's call", NOW + timedelta(hours=3),
                               False), ("Next week", NOW + timedelta(days=7), False),
                               ("Already done", NOW - timedelta(days=1), True)]:
        svc.create("activity", {"subject": subject, "kind": "call", "due": due, "done": done, "assigned": ann.id})
    return app


def test_each_user_with_due_activities_gets_one_digest_listing_them(office, smtp):
    tick(office, NOW)
    drain(office)
    [message] = smtp.messages
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert (message["To"], message["Subject"]) == ("ann@example.com", "Your activities for 2026-03-16")
    assert "Late call (call), due 2026-03-14 07:00 - OVERDUE" in text
    assert "Today's call (call), due 2026-03-16 10:00\n" in text
    assert "Next week" not in text and "Already done" not in text


def test_the_digest_goes_out_once_a_day(office, smtp):
    tick(office, NOW)
    tick(office, NOW + timedelta(seconds=30))
    tick(office, NOW + timedelta(hours=1))
    drain(office)
    assert len(smtp.messages) == 1
