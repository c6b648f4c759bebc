"""Demo records for ``trellis demo``: a newsletter, the Mother's Day segment's buyers, two sent campaigns.

With the sales plugin, a few demo contacts get orders in the first half of May last
year, so the shipped ``mothers_day`` segment holds them. The two campaigns are
materialised like real ones and their recipients marked as sent, opened and clicked
(the demo sends no email), with leads and a won deal, so their results and the
marketing dashboard have numbers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from trellis import metadata_model

BODY = ('<h1>Hello {{ first_name }}!</h1>\n<p>Mother\'s Day is coming: 20% off every bouquet this week.</p>\n'
        '<p><a href="https://shop.example/mothers-day">Choose flowers</a></p>\n')


def create(context) -> None:
    """Lists, subscriptions, a template, the segment's orders, two sent campaigns with results and leads."""
    from trellis import system_records
    from trellis_plugins.marketing.sending import materialise

    records, rng = system_records("marketing", context.app), context.random   # recipients' fields are read-only
    contacts = [c for c in context.created.get("contact", []) if c.get("email")]
    news = records.create("mailing_list", {"name": "Newsletter", "description": "Monthly news and offers"})
    subscribers = contacts[:context.sized(1200, len(contacts))]
    context.create_all("mailing_subscription", [{"mailing_list": news.id, "contact": person.id,
                                                 "consent_source": "web form", "consent_address": "192.0.2.10"}
                                                for person in subscribers], records)
    records.create("mailing_list", {"name": "Garden club", "double_opt_in": True})
    template = records.create("email_template", {"name": "Mother's Day", "body": BODY,
                                                 "subject": "{{ first_name }}, 20% off for Mother's Day"})
    has_sales = "order" in metadata_model().entities
    if has_sales:
        last_may = date(date.today().year - 1, 5, 1)
        for person in contacts[:6]:
            records.create("order", {"name": "Flowers for Mum", "contact": person.id, "amount": rng.randint(30, 120),
                                     "order_date": last_may + timedelta(days=rng.randint(0, 13)),
                                     "status": "delivered"})
    audiences = [("Spring newsletter", {"mailing_list": news.id}, 150)]
    if has_sales:
        audiences.append(("Mother's Day", {"segment": "mothers_day"}, 300))
    for name, audience, cost in audiences:
        campaign = records.create("marketing_campaign", {"name": name, "template": template.id, "cost": cost,
                                                         "budget": cost * 2, "utm_campaign": name.lower()
                                                         .replace(" ", "_").replace("'", ""), **audience})
        materialise(records, campaign, date.today())
        _results(records, campaign, rng)
        # One transaction: the sending job "schedule" queues reaches the runner only after it commits, when
        # the campaign is already sent (a job running between the steps would move it under the demo's feet).
        with records.transaction() as steps:
            for step in ("schedule", "start", "finish"):
                steps.transition("marketing_campaign", campaign.id, step)
        if has_sales:
            _leads(records, campaign, contacts, rng)


def _results(records, campaign, rng) -> None:
    sent = datetime.now(UTC) - timedelta(days=3)
    changes = {}
    for send in records.query("marketing_send").filter(campaign=campaign.id, status="queued").iterate():
        values = {"status": "sent", "sent_at": sent}
        if rng.random() < 0.55:
            values["opened_at"] = sent + timedelta(hours=rng.randint(1, 40))
            if rng.random() < 0.4:
                values["clicked_at"] = values["opened_at"] + timedelta(minutes=2)
        changes[send.id] = values
    records.update_many("marketing_send", changes)



def _leads(records, campaign, contacts, rng) -> None:
    for n, person in enumerate(contacts[:3]):
        deal = None
        if n == 0:
            deal = records.create("deal", {"name": f"{campaign['name']}: corporate order", "contact": person.id,
                                           "amount": rng.randint(800, 2000)})
            records.transition("deal", deal.id, "qualify")
            records.transition("deal", deal.id, "win")
        records.create("lead", {"last_name": person["last_name"], "first_name": person.get("first_name"),
                                "email": person["email"], "campaign": campaign["utm_campaign"], "source": "email",
                                **({"deal": deal.id} if deal else {})})
