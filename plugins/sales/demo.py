"""Demo records for ``trellis demo``: products, leads, a pipeline of deals, quotes, orders and targets.

Built on the contacts plugin's demo people and companies, and moved through the
workflows by transitions (not by writing the state field), so history and
probabilities look as they would after real use.
"""

from __future__ import annotations

from datetime import date, timedelta

PRODUCTS = [
    ("CRM-STD", "Trellis Standard licence (per user, year)", 240, 20),
    ("CRM-PRO", "Trellis Professional licence (per user, year)", 480, 20),
    ("ONB-1D", "Onboarding workshop (1 day)", 1200, 20),
    ("IMP-DAY", "Implementation consulting (per day)", 950, 20),
    ("SUP-PREM", "Premium support (year)", 3000, 20),
    ("TRN-ONL", "Online training seat", 150, 9),
    ("INT-API", "API integration package", 4500, 20),
    ("HW-TAB", "Sales tablet, configured", 690, 20),
]

LOST_REASONS = ["Price too high", "Chose a competitor", "No budget", "No decision", "Timing"]

# first, last, company, source, campaign, status, expected amount
LEADS = [
    ("Oskar", "Lindqvist", "Lindqvist Bygg AB", "web_form", "Spring webinar", "new", 8000),
    ("Fatima", "Zahra", "Atlas Logistics", "referral", None, "new", 15000),
    ("Павел", "Морозов", "ООО «Вектор»", "exhibition", "CeBIT", "contacted", 12000),
    ("Светла", "Георгиева", "Родопа Фудс ООД", "phone", None, "contacted", 6000),
    ("Nina", "Kowalski", "Acme Robotics", "email", "Newsletter", "qualified", 22000),
    ("سارا", "موسوی", "شرکت آریا تجارت", "sms", None, "qualified", 9000),
    ("Tom", "Becker", "Becker & Söhne", "cold_call", None, "disqualified", None),
    ("Lucía", "Romero", "Soluciones Andinas S.A.", "web_form", "Spring webinar", "new", 5000),
    ("James", "Wright", "Wright Consulting", "exhibition", "CeBIT", "qualified", 18000),
    ("Мила", "Иванова", "Балкан Софт ЕООД", "referral", None, "contacted", 7000),
    ("Kenji", "Sato", None, "web_form", None, "new", None),
    ("Amara", "Nwosu", "Lagos Fintech Ltd", "email", "Newsletter", "qualified", 30000),
    ("Paolo", "Bianchi", "Northwind Traders", "referral", None, "converted", 25000),
]

# the transitions that take a lead from "new" to each status; "converted" is done through convert
LEAD_PATHS = {"new": [], "contacted": ["mark_contacted"], "qualified": ["mark_contacted", "qualify"],
              "disqualified": ["disqualify"], "converted": ["qualify", "convert"]}

# the transitions that take a deal from "new" to each stage
DEAL_PATHS = {"new": [], "qualified": ["qualify"], "proposal": ["qualify", "propose"],
              "negotiation": ["qualify", "propose", "negotiate"], "won": ["qualify", "propose", "win"],
              "lost": ["qualify", "lose"]}

DEAL_NAMES = ["CRM rollout", "Support renewal", "Sales team licences", "API integration", "Onboarding",
              "Tablet fleet", "Training programme", "Pilot project", "Upgrade to Professional", "Second site"]

STAGES = ["new", "new", "new", "qualified", "qualified", "qualified", "qualified", "proposal", "proposal",
          "proposal", "negotiation", "negotiation", "negotiation", "won", "won", "won", "won", "lost", "lost",
          "lost", "qualified", "proposal"]


def create(context) -> None:
    """Create the sales demo records (see the module docstring)."""
    records, rnd, today = context.records, context.random, date.today()
    products = [context.remember("product", records.create("product", {
        "code": code, "name": name, "price": price, "tax": tax})) for code, name, price, tax in PRODUCTS]
    reasons = [context.remember("lost_reason", records.create("lost_reason", {"name": n})) for n in LOST_REASONS]
    owners = (context.users_with("salesperson", "sales_manager")
              or [user.id for user in records.query("user").iterate()])
    _leads(context, owners)
    contacts = context.created.get("contact", [])
    deals = []
    for number, stage in enumerate(STAGES):
        contact = contacts[number % len(contacts)] if contacts else records.create("contact", {"last_name": "Demo"})
        close = today + timedelta(days=rnd.randint(-60, 150) if stage in ("won", "lost") else rnd.randint(5, 150))
        deal = records.create("deal", {
            "name": f"{DEAL_NAMES[number % len(DEAL_NAMES)]} – {contact['last_name']}",
            "contact": contact.id, "company": contact.get("company"), "amount": rnd.randrange(2000, 60000, 500),
            "close_date": close, "owner": rnd.choice(owners) if owners else None,
            "currency": "EUR", "tags": rnd.sample(["upsell", "new-business", "renewal", "strategic"], 1)})
        for name in DEAL_PATHS[stage]:
            extra = {"lost_reason": rnd.choice(reasons).id} if name == "lose" else None
            deal = records.transition("deal", deal.id, name, extra)
        deals.append(context.remember("deal", deal))
    for deal in [d for d in deals if d["stage"] in ("proposal", "negotiation", "won")][:8]:
        _quote(context, deal, products, today)
    for user_id in owners:
        start = today.replace(day=1)
        context.remember("sales_target", records.create("sales_target", {
            "name": f"Quarter from {start:%Y-%m}", "user": user_id, "period_start": start - timedelta(days=60),
            "period_end": start + timedelta(days=31), "amount": 100000}))


def _leads(context, owners) -> None:
    records = context.records
    for first, last, company, source, campaign, status, amount in LEADS:
        lead = records.create("lead", {
            "first_name": first, "last_name": last, "company_name": company, "source": source,
            "campaign": campaign, "expected_amount": amount, "owner": owners[0] if owners else None,
            "email": f"{last.lower()}@example.com" if last.isascii() else None})
        for name in LEAD_PATHS[status]:
            lead = records.transition("lead", lead.id, name)
        context.remember("lead", lead)


def _quote(context, deal, products, today) -> None:
    records, rnd = context.records, context.random
    quote = records.create("quote", {"name": f"Q-{deal.id:04d} {deal['name']}", "deal": deal.id,
                                     "contact": deal["contact"], "valid_until": today + timedelta(days=30)})
    for product in rnd.sample(products, rnd.randint(1, 3)):
        records.create("quote_line", {"quote": quote.id, "product": product.id, "qty": rnd.randint(1, 10),
                                      "discount": rnd.choice([0, 0, 5, 10])})
    quote = records.transition("quote", quote.id, "send")
    if deal["stage"] == "won":
        quote = records.transition("quote", quote.id, "accept")
    context.remember("quote", quote)
