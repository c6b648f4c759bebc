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
    stages = STAGES * (context.sized(150, len(STAGES)) // len(STAGES)) + STAGES[:context.sized(150, 0) % len(STAGES)]
    for number, stage in enumerate(stages):
        contact = contacts[number % len(contacts)] if contacts else records.create("contact", {"last_name": "Demo"})
        close = today + timedelta(days=rnd.randint(-700, -1) if stage in ("won", "lost") else rnd.randint(5, 150))
        deal = records.create("deal", {
            "name": f"{DEAL_NAMES[number % len(DEAL_NAMES)]} – {contact['last_name']}",
            "contact": contact.id, "company": contact.get("company"), "amount": rnd.randrange(2000, 60000, 500),
            "close_date": close, "owner": rnd.choice(owners) if owners else None,
            "currency": "EUR", "tags": rnd.sample(["upsell", "new-business", "renewal", "strategic"], 1)})
        for name in DEAL_PATHS[stage]:
            extra = {"lost_reason": rnd.choice(reasons).id} if name == "lose" else None
            deal = records.transition("deal", deal.id, name, extra)
        deals.append(context.remember("deal", deal))
    for deal in [d for d in deals if d["stage"] in ("proposal", "negotiation", "won")][:context.sized(40, 8)]:
        _quote(context, deal, products, today)
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = date(quarter.year + (quarter.month + 3) // 13, (quarter.month + 2) % 12 + 1, 1) - timedelta(days=1)
    for user_id in owners:
        context.remember("sales_target", records.create("sales_target", {
            "name": f"Q{(quarter.month + 2) // 3} {quarter.year}", "user": user_id, "period_start": quarter,
            "period_end": end, "amount": 100000}))


def _leads(context, owners) -> None:
    """The hand-written leads, then (full demo) prospects made of the demo people's names, up to 300."""
    records = context.records
    rows = [(first, last, company, source, campaign, status, amount,
             f"{last.lower()}@example.com" if last.isascii() else None)
            for first, last, company, source, campaign, status, amount in LEADS]
    rows += _prospects(context, context.sized(300, len(LEADS)) - len(LEADS))
    for number, (first, last, company, source, campaign, status, amount, email) in enumerate(rows):
        lead = records.create("lead", {
            "first_name": first, "last_name": last, "company_name": company, "source": source,
            "campaign": campaign, "expected_amount": amount, "email": email,
            "owner": owners[number % len(owners)] if owners else None})
        for name in LEAD_PATHS[status]:
            lead = records.transition("lead", lead.id, name)
        context.remember("lead", lead)


def _prospects(context, count: int) -> list[tuple]:
    """``count`` new people, each a first name and a surname of two demo contacts of one language."""
    rnd = context.random
    people = [c for c in context.created.get("contact", []) if c.get("first_name") and c.get("language")]
    if count <= 0 or not people:
        return []
    companies = [c["name"] for c in context.created.get("company", [])]
    sources = ["web_form", "referral", "exhibition", "phone", "email", "sms", "cold_call"]
    statuses = ["new"] * 4 + ["contacted"] * 3 + ["qualified"] * 2 + ["disqualified", "converted"]
    made = []
    for n in range(count):
        one = rnd.choice(people)
        other = rnd.choice([p for p in people[n % 50::50] if p["language"] == one["language"]] or [one])
        email = one.get("email") or ""
        local, _, domain = email.partition("@")
        made.append((one["first_name"], other["last_name"], rnd.choice(companies) if companies else None,
                     rnd.choice(sources), rnd.choice([None, None, "Spring webinar", "Newsletter"]),
                     rnd.choice(statuses), rnd.randrange(2000, 40000, 500),
                     f"lead{n}.{local.split('.')[0]}@{domain}" if domain else None))
    return made


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
