"""Demo records for ``trellis demo``: companies and people from several countries and scripts.

Thirty hand-written people and ten companies come first (other plugins' demos and
tests name them); the full-size demo then grows them to about 200 companies and 2,000
people in English, Russian, Bulgarian and Persian (:mod:`.demo_people`), each with a
company of their own country, an address, a phone number in that country's format and
an owner among the demo's sales users. Activities are assigned to every demo user.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from trellis_plugins.contacts import demo_people as people

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

INTERNAL = ["Prepare the monthly team meeting", "Update the staff rota", "Check the stock of gift wrap"]

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
    owners = context.users_with("sales_manager", "salesperson") or context.users_with("admin")
    rows = []
    for name, industry, website, country in COMPANIES:
        slug = website.split("//")[1]
        rows.append({"name": name, "industry": industry, "website": website, "email": f"info@{slug}",
                     "country": country, "phone": _landline(rng, country), "owner": _owner(owners, len(rows))})
    made = _generated_companies(rng, context.sized(200, len(COMPANIES)) - len(COMPANIES), owners)
    companies = [context.remember("company", c)
                 for c in context.create_all("company", rows + [c for c, _ in made])]
    countries = {company.id: country for company, (_, country) in zip(companies[len(COMPANIES):], made,
                                                                       strict=True)}
    rows = []
    for index, (first, last, job, company_index, city, language, tags) in enumerate(PEOPLE):
        company = companies[company_index] if company_index is not None else None
        country = company["country"] if company else HOME_COUNTRY.get(language)
        rows.append({"first_name": first, "last_name": last, "job_title": job, "city": city, "language": language,
                     "tags": tags, "email": f"contact{index + 1}@{_domain(company)}",
                     "mobile": _mobile(rng, country), "phone": _landline(rng, country) if company else None,
                     "country": country, "do_not_contact": index % 11 == 5, "owner": _owner(owners, index),
                     "company": company.id if company is not None else None})
    rows += _generated_people(rng, context.sized(2000, len(PEOPLE)) - len(PEOPLE), companies[len(COMPANIES):],
                              countries, owners)
    contacts = [context.remember("contact", c) for c in context.create_all("contact", rows)]
    _activities(context, contacts)
    notes = [{"body": NOTES[index % len(NOTES)], "contact": contact.id, "ref_entity": "contact",
              "ref_record": contact.id} for index, contact in enumerate(contacts[1::7])]
    for note in context.create_all("note", notes):
        context.remember("note", note)



def _activities(context, contacts) -> None:
    """Activities on every third contact; each demo user gets some due today, late and coming, about
    customers they may read (their own customers when their role reads only those)."""
    rng = context.random
    today = datetime.combine(datetime.now(UTC).date(), time(10, 0), tzinfo=UTC)
    assignees = context.users_who_read("activity")   # each demo user finds something due on their home page
    every_third = contacts[::3][:context.sized(600, len(contacts))]
    owned: dict[int, list] = {}
    for contact in contacts:
        if contact.get("owner") is not None:
            owned.setdefault(int(contact["owner"]), []).append(contact)
    rows = []
    for index in range(max(len(every_third), len(assignees) * context.sized(3, 1))):
        kind, subject = ACTIVITIES[index % len(ACTIVITIES)]
        due = today + timedelta(days=rng.randint(-10, 20), hours=rng.randint(0, 6))
        if index < len(assignees) * context.sized(3, 1):
            due = today + timedelta(hours=index % 8)
        assigned = assignees[index % len(assignees)] if assignees else None
        row = {"kind": kind, "subject": subject, "due": due, "done": due < today - timedelta(days=2),
               "assigned": assigned}
        level = "all" if assigned is None else context.read_level(assigned, "contact")
        readable = every_third if level == "all" else owned.get(assigned, []) if level != "none" else []
        if readable:
            contact = readable[index % len(readable)]
            row.update({"contact": contact.id, "company": contact.get("company"), "ref_entity": "contact",
                        "ref_record": contact.id})
        else:   # someone who may not see customers gets an in-house task
            row.update({"kind": "task", "subject": INTERNAL[index % len(INTERNAL)]})
        rows.append(row)
    for activity in context.create_all("activity", rows):
        context.remember("activity", activity)


def _generated_companies(rng, count: int, owners) -> list[tuple[dict, people.Country]]:
    """``count`` companies spread over the demo's countries, named in each country's language."""
    made, seen = [], set()
    countries = [country for country, weight in people.COUNTRIES for _ in range(weight)]
    while len(made) < count:
        country = countries[len(made) % len(countries)]
        industry = rng.choice(list(people.KINDS))
        word, latin = rng.choice(country.company_words)
        name = country.company_form.format(word=word, kind=people.KINDS[industry][country.language])
        if name in seen:
            continue
        seen.add(name)
        slug = f"{latin}-{industry}" if sum(n.startswith(word) for n in seen) > 1 else latin
        city, area = rng.choice(country.cities)
        made.append(({"name": name, "industry": industry, "website": f"https://{slug}.example",
                      "email": f"info@{slug}.example", "country": country.name, "owner": _owner(owners, len(made)),
                      "phone": people.landline(country, area, _digits(rng))}, country))
    return made


def _generated_people(rng, count: int, companies, countries, owners) -> list[dict]:
    """``count`` people: four in five work for one of ``companies`` (in its country), the rest on their own."""
    rows = []
    spread = [country for country, weight in people.COUNTRIES for _ in range(weight)]
    for n in range(count):
        company = companies[n % len(companies)] if companies and rng.random() < 0.8 else None
        country = countries[company.id] if company is not None else rng.choice(spread)
        woman = rng.random() < 0.5
        first, first_latin = rng.choice(country.women if woman else country.men)
        last, last_latin = rng.choice(country.surnames)
        last = people.feminine(country, last) if woman else last
        last_latin += "a" if woman and last_latin.endswith(("ov", "ev", "in")) else ""
        city, area = rng.choice(country.cities)
        domain = _domain(company) if company is not None else f"mail.{country.tld}.example"
        rows.append({
            "first_name": first, "last_name": last, "email": f"{first_latin}.{last_latin}{n}@{domain}",
            "job_title": rng.choice(country.titles) if company is not None else None,
            "company": company.id if company is not None else None, "city": city, "country": country.name,
            "address": f"{rng.choice(country.streets)} {rng.randint(1, 180)}", "language": country.language,
            "phone": people.landline(country, area, _digits(rng)),
            "mobile": people.mobile(country, rng.choice(country.mobile_prefixes), _digits(rng)),
            "tags": rng.sample(["customer", "customer", "prospect", "vip"], rng.randint(0, 2)),
            "do_not_contact": rng.random() < 0.04, "owner": _owner(owners, n),
        })
    return rows


# Where the hand-written people without a company live, by their language.
HOME_COUNTRY = {"fa": people.IRAN.name, "ru": people.RUSSIA.name, "bg": people.BULGARIA.name, "en": people.UK.name}
BY_NAME = {country.name: country for country, _ in people.COUNTRIES}


def _owner(owners, index: int):
    return owners[index % len(owners)] if owners else None


def _digits(rng) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(8))


def _domain(company) -> str:
    if company is None:
        return "mail.example"
    return company["website"].split("//")[1]


def _landline(rng, country: str | None) -> str | None:
    """A landline number in ``country``'s format (None for a country the demo has no plan for)."""
    if country in BY_NAME:
        known = BY_NAME[country]
        return people.landline(known, rng.choice(known.cities)[1], _digits(rng))
    if country in people.OTHER_PHONES:
        code, area = people.OTHER_PHONES[country]
        digits = _digits(rng)
        return f"{code} {area} {digits[:3]} {digits[3:7]}"
    return None


def _mobile(rng, country: str | None) -> str | None:
    """A mobile number in ``country``'s format (a landline's for the countries without a mobile plan)."""
    if country in BY_NAME:
        known = BY_NAME[country]
        return people.mobile(known, rng.choice(known.mobile_prefixes), _digits(rng))
    return _landline(rng, country)
