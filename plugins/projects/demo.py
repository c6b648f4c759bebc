"""Demo records for ``trellis demo``: three client projects with milestones, chained tasks, risks and time logs.

Written through the record service (the system user), so dependencies, rescheduling and
the roll-ups run as in use. One template ("Website build") is marked for won deals, so
winning a demo deal starts a fourth project.
"""

from __future__ import annotations

from datetime import date, timedelta

from trellis import business_calendar

PROJECTS = (
    ("Website relaunch", 24000, ("Discovery", "Design", "Build", "Content", "Testing", "Launch")),
    ("CRM roll-out", 18000, ("Workshops", "Data import", "Configuration", "Training", "Go-live")),
    ("Support desk set-up", 9000, ("Requirements", "Tooling", "Knowledge base", "Pilot")),
)
RISKS = (("Key developer unavailable", 3, 4), ("Client approvals slow", 4, 3), ("Scope creep", 3, 3),
         ("Third-party API changes", 2, 5), ("Data quality worse than expected", 4, 4), ("Budget cut", 1, 5))


def _working_days_from(calendar, start: date, count: int) -> date:
    """The working day ``count`` working days after ``start`` (0: ``start`` itself, moved to a working day)."""
    day = start
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    for _ in range(count):
        day += timedelta(days=1)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
    return day


def _template(records) -> None:
    template = records.create("project_template", {"name": "Website build", "for_won_deals": True})
    before = None
    for n, (name, offset, duration, hours) in enumerate((("Kick-off", 0, 1, 4), ("Design", 1, 5, 30),
                                                          ("Build", 6, 10, 80), ("Handover", 16, 2, 8))):
        before = records.create("project_template_task", {
            "template": template.id, "name": name, "start_offset": offset, "duration": duration, "estimate": hours,
            "after": before.id if before else None, "position": n})


def create(context) -> None:
    """The three projects above, started a few weeks apart around today."""
    records, rng = context.records, context.random
    calendar = business_calendar()
    contacts = context.created.get("contact") or []
    _template(records)
    today = date.today()
    for n, (name, budget, phases) in enumerate(PROJECTS):
        contact = contacts[n] if n < len(contacts) else None
        start = _working_days_from(calendar, today - timedelta(days=28 - 14 * n), 0)
        project = records.create("project", {
            "name": name, "budget": budget, "start_date": start,
            "contact": contact.id if contact is not None else None})
        records.transition("project", project.id, "start")
        milestone = records.create("milestone", {"name": f"{name}: first release", "project": project.id})
        previous, day = None, 0
        for position, phase in enumerate(phases):
            length = rng.randint(2, 6)
            task = records.create("task", {
                "name": phase, "project": project.id, "estimate": length * 6,
                "milestone": milestone.id if position < len(phases) // 2 + 1 else None,
                "start_date": _working_days_from(calendar, start, day),
                "due_date": _working_days_from(calendar, start, day + length - 1),
                "priority": rng.choice(("low", "normal", "normal", "high")),
                "stage": "done" if day + length < 10 + 5 * (2 - n) else ("in_progress" if day < 20 else "todo")})
            if previous is not None:
                records.create("task_dependency", {"predecessor": previous.id, "successor": task.id})
            if task["stage"] != "todo":
                for log in range(rng.randint(1, 3)):
                    records.create("time_log", {"task": task.id, "hours": rng.choice((1.5, 2, 3, 4, 6)), "rate": 60,
                                                "date": _working_days_from(calendar, start, day + log)})
            previous, day = task, day + length
        records.update("milestone", milestone.id, {"date": records.get("task", previous.id)["due_date"]})
        for description, probability, impact in rng.sample(RISKS, 3):
            records.create("risk", {"description": description, "project": project.id,
                                    "probability": probability, "impact": impact})
        context.remember("project", project)
