"""Demo records for ``trellis demo``: 40 employees in 5 departments, with contracts, reviews, goals and time off.

Each department has a head who reports to the chief executive, and two team leads
under the head; everybody else reports to a lead. Everything is written through the
record service (the system user), so roll-ups and the time-off checks run as in use.
"""

from __future__ import annotations

from datetime import date, timedelta

DEPARTMENTS = ("Engineering", "Sales", "Operations", "Finance", "People")
FIRST = ("Anna", "Boris", "Chen", "Dara", "Elif", "Farid", "Goran", "Hana", "Ivan", "Jamal", "Kira", "Leila",
         "Marko", "Nina", "Omid", "Petra", "Quinn", "Rosa", "Sami", "Tara")
LAST = ("Petrova", "Ivanov", "Li", "Rahimi", "Kaya", "Novak", "Georgiev", "Sato", "Haddad", "Costa")
PEOPLE = 40


def create(context) -> None:
    """The organisation above; a 2027-style review cycle, goals and a few time-off requests per person."""
    records, rng = context.records, context.random
    year = date.today().year
    annual = records.create("time_off_type", {"name": "Annual leave", "needs_balance": True})
    records.create("time_off_type", {"name": "Unpaid leave", "needs_balance": False})
    for name, cost in (("Health insurance", 120), ("Pension plan", 200), ("Gym", 35)):
        context.remember("benefit_plan", records.create("benefit_plan", {"name": name, "monthly_cost": cost}))
    names = iter(f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}" for i in range(PEOPLE))
    chief = _employee(context, next(names), None, None, rng)
    made = 1
    for title in DEPARTMENTS:
        department = records.create("department", {"name": title})
        head = _employee(context, next(names), chief.id, department.id, rng)
        records.update("department", department.id, {"head": head.id})
        leads = [_employee(context, next(names), head.id, department.id, rng) for _ in range(2)]
        made += 3
        for n in range(PEOPLE // len(DEPARTMENTS) - 3 - (1 if title == DEPARTMENTS[0] else 0)):
            _employee(context, next(names), leads[n % 2].id, department.id, rng)
            made += 1
    for employee in context.created["employee"]:
        _year_of(context, employee, annual.id, year)


def _employee(context, name: str, manager, department, rng):
    records = context.records
    hired = date(2015, 1, 5) + timedelta(days=rng.randint(0, 3000))
    employee = records.create("employee", {
        "name": name, "manager": manager, "department": department, "hire_date": hired,
        "birth_date": date(1965, 1, 1) + timedelta(days=rng.randint(0, 12000)),
        "work_email": f"{name.lower().replace(' ', '.')}@example.com"})
    records.transition("employee", employee.id, "activate")
    records.create("employment_contract", {"reference": f"EC-{employee.id:04d}", "employee": employee.id,
                                           "start_date": hired, "salary": rng.randint(30, 120) * 1000})
    plan = rng.choice(context.created["benefit_plan"])
    records.create("benefit_enrolment", {"employee": employee.id, "plan": plan.id, "start_date": hired,
                                         "monthly_cost": plan["monthly_cost"]})
    return context.remember("employee", employee)


def _year_of(context, employee, annual, year: int) -> None:
    records, rng = context.records, context.random
    records.create("time_off_allocation", {"name": f"Annual leave {year}", "employee": employee.id, "type": annual,
                                           "year": year, "days": 25})
    start = date(year, rng.randint(2, 11), rng.randint(1, 20))
    request = records.create("time_off_request", {"name": "Holiday", "employee": employee.id, "type": annual,
                                                  "start_date": start, "end_date": start + timedelta(days=4)})
    records.transition("time_off_request", request.id, "submit")
    if rng.random() < 0.7:
        records.transition("time_off_request", request.id, "approve")
    review = records.create("performance_review", {"name": f"{year} review", "cycle": str(year),
                                                   "employee": employee.id, "reviewer": employee["manager"]})
    for criterion in ("Delivery", "Collaboration", "Growth"):
        records.create("review_score", {"review": review.id, "criterion": criterion, "score": rng.randint(2, 5)})
    goal = records.create("goal", {"name": "Ship the yearly plan", "employee": employee.id, "review": review.id,
                                   "due_date": date(year, 12, 31)})
    for n in range(2):
        records.create("key_result", {"name": f"Milestone {n + 1}", "goal": goal.id, "target": 10,
                                      "current": rng.randint(0, 10)})
