"""Call lists and SMS campaigns: one activity per contact, assigned round-robin to the campaign's team.

A ``call_list`` campaign makes a ``call`` activity per contact who has a phone; an
``sms`` campaign a ``task`` (the message is sent by hand or by an SMS integration).
Each activity points back to the campaign (``ref_entity``/``ref_record``) and carries
an ``outcome`` the caller sets. Contacts marked ``do_not_contact`` get none.

The campaign follows its activities (:func:`progress`): ``sending`` once the first is
made (done, or given an outcome), ``sent`` once every one is, or at once when it has none.
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



def progress(records, campaign_id: int) -> None:
    """Move a call-list or SMS campaign on from its activities: ``start`` once one of them is made (done or
    with an outcome), then ``finish`` once all are (both at once for a campaign with none).

    Under the campaign's lock, so callers finishing the last two calls at once move it once.
    """
    from sqlalchemy import case, func, or_, select

    with records.transaction():
        campaign = records.lock("marketing_campaign", campaign_id)
        if campaign["channel"] == "email" or campaign["status"] not in ("scheduled", "sending"):
            return
        query = records.query("activity").filter(ref_entity="marketing_campaign", ref_record=campaign_id)
        done, outcome = query.column("done")[0], query.column("outcome")[0]
        made = or_(done.is_(True), outcome.is_not(None))
        total, finished = query.aggregate(lambda dialect: select(
            func.count(), func.coalesce(func.sum(case((made, 1), else_=0)), 0)).select_from(query.table))[0]
        if campaign["status"] == "scheduled" and (finished or not total):
            records.transition("marketing_campaign", campaign_id, "start")
        if finished == total:
            records.transition("marketing_campaign", campaign_id, "finish")

