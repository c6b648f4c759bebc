"""Demo records for ``trellis demo``: companies and people from several countries and scripts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

TAGS = [("customer", "green"), ("prospect", "blue"), ("partner", "purple"), ("vip", "red"), ("supplier", "orange")]

# name, industry, website, country
COMPANIES = [
    ("Northwind Traders", "retail", "https://northwind.example", "United Kingdom"),
    ("Acme Robotics", "manufacturing", "https://acme-robotics.example", "United States"),
    ("Blue Fjord Analytics", "technology", "https://bluefjord.example", "Norway"),
    ("ООО «Северный ветер»", "services", "https://severny-veter.example", "Россия"),
    ("Балкан Софт ЕООД", "technology", "https://balkansoft.example", "България"),
    ("شرکت پارس نوین", "finance", "https://parsnovin.example", "ایران"),
    ("Maison Lumière", "retail", "https://maison-lumiere.example", "France"),
    ("Grünwald Medizintechnik GmbH", "healthcare", "https://gruenwald.example", "Deutschland"),
    ("Soluciones Andinas S.A.", "services", "https://andinas.example", "Perú"),
    ("Riverside Community College", "education", "https://riverside.example", "Canada"),
]

# first, last, job title, company index, city, language, tags
PEOPLE = [
    ("Alice", "Johnson", "Purchasing manager", 0, "London", "en", ["customer"]),
    ("Ben", "O'Neill", "Store director", 0, "Manchester", "en", ["customer", "vip"]),
    ("Chloé", "Martin", "Head of buying", 6, "Lyon", "fr", ["prospect"]),
    ("Diego", "Fernández", "CTO", 8, "Lima", "es", ["prospect"]),
    ("Emma", "Schulz", "Clinical engineer", 7, "München", "de", ["customer"]),
    ("Farhad", "Rahimi", None, None, "Isfahan", "fa", []),
    ("Grace", "Okafor", "Operations lead", 1, "Chicago", "en", ["customer"]),
    ("Hiro", "Tanaka", "Data scientist", 2, "Oslo", "en", ["partner"]),
    ("Ingrid", "Solberg", "CEO", 2, "Bergen", "en", ["partner", "vip"]),
    ("José", "García", "Account manager", 8, "Cusco", "es", []),
    ("Анна", "Иванова", "Генеральный директор", 3, "Москва", "ru", ["customer", "vip"]),
    ("Дмитрий", "Смирнов", "Главный инженер", 3, "Санкт-Петербург", "ru", ["customer"]),
    ("Екатерина", "Кузнецова", "Бухгалтер", 3, "Казань", "ru", []),
    ("Сергей", "Попов", None, None, "Новосибирск", "ru", ["prospect"]),
    ("Георги", "Петров", "Управител", 4, "София", "bg", ["partner"]),
    ("Мария", "Димитрова", "Програмист", 4, "Пловдив", "bg", []),
    ("Иван", "Стоянов", "Търговски представител", 4, "Варна", "bg", ["supplier"]),
    ("Елена", "Николова", None, None, "Бургас", "bg", ["prospect"]),
    ("مریم", "احمدی", "مدیر مالی", 5, "تهران", "fa", ["customer"]),
    ("علی", "رضایی", "مدیر عامل", 5, "تهران", "fa", ["customer", "vip"]),
    ("زهرا", "حسینی", "کارشناس فروش", 5, "شیراز", "fa", []),
    ("رضا", "کریمی", None, None, "مشهد", "fa", ["prospect"]),
    ("Kofi", "Mensah", "Procurement officer", 1, "Detroit", "en", ["supplier"]),
    ("Laura", "Rossi", "Buyer", 6, "Paris", "fr", []),
    ("Mateo", "López", "Logistics", 8, "Arequipa", "es", ["supplier"]),
    ("Nadia", "Benali", "Dean of studies", 9, "Toronto", "fr", ["prospect"]),
    ("Oliver", "Smith", "IT manager", 9, "Vancouver", "en", ["customer"]),
    ("Priya", "Natarajan", "Product owner", 2, "Oslo", "en", ["partner"]),
    ("Quentin", "Dubois", None, 6, "Bordeaux", "fr", []),
    ("Rosa", "Weber", "Head of procurement", 7, "Hamburg", "de", ["customer"]),
]

ACTIVITIES = [
    ("call", "Introductory call"),
    ("meeting", "Product demo"),
    ("task", "Send the price list"),
    ("email", "Follow up on the proposal"),
    ("call", "Renewal check-in"),
    ("meeting", "Quarterly review"),
]

NOTES = [
    "Prefers email over phone calls.",
    "Met at the trade fair; interested in the premium plan.",
    "Budget decisions are made in Q4.",
    "Asked for references from the same industry.",
]


def create(context) -> None:
    """Create the demo records through ``context.records`` and remember them in ``context``."""
    records, rng = context.records, context.random
    for name, colour in TAGS:
        context.remember("tag", records.create("tag", {"name": name, "colour": colour}))
    companies = []
    for name, industry, website, country in COMPANIES:
        slug = website.split("//")[1]
        company = records.create("company", {"name": name, "industry": industry, "website": website,
                                             "email": f"info@{slug}", "country": country,
                                             "phone": _phone(rng)})
        companies.append(context.remember("company", company))
    contacts = []
    for index, (first, last, job, company_index, city, language, tags) in enumerate(PEOPLE):
        company = companies[company_index] if company_index is not None else None
        values = {"first_name": first, "last_name": last, "job_title": job, "city": city, "language": language,
                  "tags": tags, "email": f"contact{index + 1}@{_domain(company)}",
                  "mobile": _phone(rng),
                  "country": company["country"] if company else None, "do_not_contact": index % 11 == 5}
        if company is not None:
            values["company"] = company.id
        contacts.append(context.remember("contact", records.create("contact", values)))
    today = datetime.combine(datetime.now(UTC).date(), time(10, 0), tzinfo=UTC)
    assignees = context.users_who_read("activity")   # each demo user finds something due on their home page
    every_third = contacts[::3]
    for index in range(max(len(every_third), len(assignees))):
        contact = every_third[index % len(every_third)]
        kind, subject = ACTIVITIES[index % len(ACTIVITIES)]
        due = today + timedelta(days=rng.randint(-10, 20), hours=rng.randint(0, 6))
        if index < len(assignees):
            due = today + timedelta(hours=index % 8)
        activity = records.create("activity", {
            "kind": kind, "subject": subject, "due": due, "done": due < today,
            "assigned": assignees[index % len(assignees)] if assignees else None,
            "contact": contact.id, "company": contact.get("company"),
            "ref_entity": "contact", "ref_record": contact.id,
        })
        context.remember("activity", activity)
    for index, contact in enumerate(contacts[1::7]):
        note = records.create("note", {"body": NOTES[index % len(NOTES)], "contact": contact.id,
                                       "ref_entity": "contact", "ref_record": contact.id})
        context.remember("note", note)


def _domain(company) -> str:
    if company is None:
        return "mail.example"
    return company["website"].split("//")[1]


def _phone(rng) -> str:
    return f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}"
