"""A/B tests: two subjects on a sample; after ``ab_hours`` the better open (or click) rate goes to the rest.

Scheduling a campaign with ``subject_b`` and an ``ab_sample`` sends the sample (half
each) and queues the ``marketing_ab`` job for ``ab_hours`` later. The job measures the
variants' rates (opens or clicks over messages sent, scanner hits excluded), records
the winner on the campaign, and releases the held recipients with the winning subject.
"""

from __future__ import annotations

from trellis import system_records

JOB = "marketing_ab"


def rates(records, campaign_id: int, metric: str) -> dict[str, float]:
    """The ``opened`` or ``clicked`` rate of variants A and B (0 when a variant sent nothing)."""
    measured = {}
    for variant in "AB":
        sent = records.query("marketing_send").filter(campaign=campaign_id, variant=variant, status="sent")
        total = sent.count(cap=10_000_000)[0]
        hits = sent.filter(**{f"{metric}_at__isnull": False}).count(cap=10_000_000)[0]
        measured[variant] = hits / total if total else 0.0
    return measured


def decide(app, payload: dict) -> str | None:
    """The ``marketing_ab`` job: choose the winner (A on a tie) and queue the held recipients with it."""
    from trellis.automation import enqueue
    from trellis_plugins.marketing.sending import JOB as SEND

    records = system_records("marketing", app)
    campaign = records.get("marketing_campaign", int(payload["campaign"]))
    if campaign["status"] != "sending" or campaign["ab_winner"]:
        return campaign["ab_winner"]
    measured = rates(records, campaign.id, campaign["ab_metric"] or "opened")
    winner = "B" if measured["B"] > measured["A"] else "A"
    with records.transaction():
        records.update("marketing_campaign", campaign.id, {"ab_winner": winner})
        for held in records.query("marketing_send").filter(campaign=campaign.id, status="held").iterate(batch=500):
            records.update("marketing_send", held.id, {"status": "queued", "variant": winner})
    enqueue(app, SEND, {"campaign": campaign.id})
    return winner
