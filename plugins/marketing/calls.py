"""Call lists and SMS campaigns: one activity per contact, assigned round-robin to the campaign's team.

A ``call_list`` campaign makes a ``call`` activity per contact who has a phone; an
``sms`` campaign a ``task`` (the message is sent by hand or by an SMS integration).
Each activity points back to the campaign (``ref_entity``/``ref_record``) and carries
an ``outcome`` the caller sets. Contacts marked ``do_not_contact`` get none.
"""

from __future__ import annotations

from flask_babel import gettext
from trellis import ValidationError


def create_tasks(records, campaign, today) -> int:
    """Create the campaign's activities; returns how many. ValidationError when its team has no active member."""
    from trellis_plugins.marketing.sending import _recipients

    callers = [user.id for user in records.query("user").filter(team=campaign["team"], active=True)
               .order_by("id").iterate()] if campaign["team"] else []
    if not callers:
        raise ValidationError({"team": gettext("Choose a team with active members to share the calls")})
    kind = "call" if campaign["channel"] == "call_list" else "task"
    rows = []
    for contact_id, _email, dnc in _recipients(records, campaign, today):
        if dnc:
            continue
        rows.append({"kind": kind, "subject": campaign["name"], "contact": contact_id,
                     "assigned": callers[len(rows) % len(callers)], "ref_entity": "marketing_campaign",
                     "ref_record": campaign.id})
    for result in records.create_many("activity", rows):
        if isinstance(result, Exception):
            raise result
    return len(rows)

