"""A campaign's results: what was sent and what came back, from ONE aggregate query over its recipients.

Leads, deals and won revenue come from the sales plugin's entities, when it is loaded:
a lead whose ``campaign`` is the campaign's UTM name (a web-to-lead form carrying
``utm_campaign``) or its name, the deals those leads became, and the won ones' amounts.
ROI is (won revenue - cost) / cost.
"""

from __future__ import annotations

from decimal import Decimal

FUNNEL = ("sent", "opened", "clicked", "leads", "deals", "won")


def results(records, campaign) -> dict:
    """The campaign's numbers: recipients, sent, delivered, opened, clicked, unsubscribed, bounced, ... ROI."""
    from sqlalchemy import case, func, select

    sends = records.query("marketing_send").filter(campaign=campaign.id)
    status = sends.column("status")[0]

    def counted(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = sends.aggregate(lambda dialect: select(
        func.count(), counted(status.in_(["sent", "bounced", "deferred"])), counted(status == "sent"),
        counted(sends.column("opened_at")[0].is_not(None)), counted(sends.column("clicked_at")[0].is_not(None)),
        counted(sends.column("unsubscribed_at")[0].is_not(None)), counted(status == "bounced"),
        counted(status == "deferred"), counted(status == "suppressed"), counted(status.in_(["queued", "sending"])),
    ).select_from(sends.table))[0]
    names = ("recipients", "sent", "delivered", "opened", "clicked", "unsubscribed", "bounced", "deferred",
             "suppressed", "waiting")
    numbers = {name: int(value or 0) for name, value in zip(names, row, strict=True)}
    numbers.update(_sales(records, campaign))
    cost = Decimal(str(campaign["cost"] or 0))
    numbers["cost"] = cost
    numbers["roi"] = ((numbers["revenue"] - cost) / cost).quantize(Decimal("0.01")) if cost else None
    return numbers


def _sales(records, campaign) -> dict:
    from sqlalchemy import func, or_, select
    from trellis import metadata_model

    entities = metadata_model().entities
    if "lead" not in entities or "deal" not in entities:
        return {"leads": 0, "deals": 0, "won": 0, "revenue": Decimal(0)}
    names = [name for name in (campaign["utm_campaign"], campaign["name"]) if name]
    leads = records.query("lead")
    tagged = leads.column("campaign")[0]
    lead_rows = leads.aggregate(lambda dialect: select(leads.column("deal")[0])
                                .where(or_(*(tagged == name for name in names))))
    deal_ids = [row[0] for row in lead_rows if row[0] is not None]
    won, revenue = 0, Decimal(0)
    if deal_ids:
        deals = records.query("deal").filter(id__in=deal_ids, stage="won")
        total = deals.aggregate(lambda dialect: select(func.count(), func.sum(deals.column("amount")[0]))
                                .select_from(deals.table))[0]
        won, revenue = int(total[0] or 0), Decimal(str(total[1] or 0))
    return {"leads": len(lead_rows), "deals": len(deal_ids), "won": won, "revenue": revenue}


def panel_values(entity, record) -> dict:
    """The results panel of a campaign's page."""
    from trellis import system_records

    numbers = results(system_records("marketing"), record)
    top = max(numbers["sent"], 1)
    funnel = [(name, numbers[name], round(100 * numbers[name] / top)) for name in FUNNEL]
    return {"numbers": numbers, "funnel": funnel}
