"""A campaign's results on its page: sent, opened, clicked, unsubscribed, bounced, leads, deals, won revenue, ROI."""

from marketing_helpers import campaign, contact, last_year, send

PERSON = {"User-Agent": "Mozilla/5.0 Thunderbird/115"}


def test_the_campaign_page_shows_its_funnel_and_roi(trellis_app, records, smtp, client_as):
    ann = contact(records, "ann", [last_year(5, 3)])
    contact(records, "eve", [last_year(5, 4)])
    smtp.refuse["eve@example.com"] = "550 5.1.1 User unknown"
    record = send(trellis_app, records, campaign(records, utm_campaign="mday", cost=100))
    html = smtp.to("ann@example.com")[0].get_body(("html",)).get_content()
    trellis_app.test_client().get(html.split('href="http://crm.example', 1)[1].split('"', 1)[0], headers=PERSON)
    deal = records.create("deal", {"name": "Wedding flowers", "contact": ann.id, "amount": 500})
    records.transition("deal", deal.id, "qualify")
    records.transition("deal", deal.id, "win")
    records.create("lead", {"last_name": "Ann", "campaign": "mday", "deal": deal.id})
    records.create("lead", {"last_name": "Someone", "campaign": "mday"})
    records.create("lead", {"last_name": "Other", "campaign": "another"})

    page = client_as("marketing_manager").get(f"/app/marketing_campaign/{record.id}")
    assert page.status_code == 200
    names = ("recipients", "sent", "delivered", "opened", "clicked", "bounced", "leads", "deals", "revenue", "roi")
    shown = {name: page.text.split(f'data-name="{name}">', 1)[1].split("<", 1)[0] for name in names}
    assert shown == {"recipients": "2", "sent": "2", "delivered": "1", "opened": "1", "clicked": "1", "bounced": "1",
                     "leads": "2", "deals": "1", "revenue": "500.00", "roi": "400%"}
