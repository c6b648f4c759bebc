"""Roles: a marketing user drafts; only a marketing manager schedules and keeps the suppression list;
recipients are written by the plugin alone."""

import pytest
from marketing_helpers import campaign, contact, last_year
from trellis import PermissionDenied


def test_a_marketing_user_drafts_but_cannot_schedule_or_suppress(records, records_as):
    contact(records, "ann", [last_year(5, 3)])
    user = records_as("marketing_user")
    draft = campaign(user)
    with pytest.raises(PermissionDenied):
        user.transition("marketing_campaign", draft.id, "schedule")
    with pytest.raises(PermissionDenied):
        user.create("marketing_suppression", {"email": "x@example.com", "reason": "manual"})
    with pytest.raises(PermissionDenied):
        user.create("marketing_send", {"campaign": draft.id, "contact": records.query("contact").first().id})
    assert records.get("marketing_campaign", draft.id)["status"] == "draft"
    assert records.query("marketing_send").first() is None


def test_a_marketing_manager_schedules_and_the_audience_is_materialised(records, records_as):
    ann = contact(records, "ann", [last_year(5, 3)])
    manager = records_as("marketing_manager")
    scheduled = manager.transition("marketing_campaign", campaign(manager).id, "schedule")
    assert scheduled["status"] == "scheduled"
    (send,) = records.query("marketing_send").filter(campaign=scheduled.id).iterate()
    assert send["contact"] == ann.id and send["status"] == "queued" and send["message_key"].startswith("<mkt-")
    manager.create("marketing_suppression", {"email": "x@example.com", "reason": "manual"})


def test_a_campaign_naming_an_unknown_segment_is_refused(records):
    from trellis import ValidationError

    with pytest.raises(ValidationError) as refused:
        campaign(records, segment="nobody")
    assert "No segment is called nobody" in refused.value.fields["segment"]
