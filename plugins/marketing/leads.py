"""Leads from campaigns: a web-to-lead form carrying a campaign's UTM name makes that campaign the lead's source.

A site's form posts the ``utm_campaign`` of the page's address as the lead's
``campaign`` (list ``campaign`` in the form's ``fields``). When it names a marketing
campaign, by its UTM name or its name in any letter case, the new lead gets the
campaign's UTM name exactly (so the campaign's results count it) and, unless it came
with a source other than the web form, the campaign's channel as its source.
"""

from __future__ import annotations

SOURCES = {"email": "email", "sms": "sms", "call_list": "phone"}


def before_save(record, context) -> None:
    """On a new lead with a ``campaign``: the marketing campaign it names, as its campaign and source."""
    from sqlalchemy import func, or_, select

    named = " ".join(str(record["campaign"] or "").split()).lower()
    if record.id is not None or not named:
        return
    campaigns = context.system.query("marketing_campaign")
    utm, name = campaigns.column("utm_campaign")[0], campaigns.column("name")[0]
    table = campaigns.table
    found = campaigns.aggregate(lambda dialect: select(table.c.id, utm, name, campaigns.column("channel")[0])
                                .where(or_(func.lower(utm) == named, func.lower(name) == named))
                                .order_by(table.c.id.desc()).limit(1))
    if not found:
        return
    _id, utm_name, campaign_name, channel = found[0]
    record["campaign"] = utm_name or campaign_name
    if record["source"] in (None, "", "web_form"):
        record["source"] = SOURCES.get(channel, record["source"])
