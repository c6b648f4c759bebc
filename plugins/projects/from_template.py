"""Projects from templates: a won deal starts one, its tasks' dates shifted to the project's start.

A template task starts ``start_offset`` working days after the start and lasts
``duration`` working days; its ``after`` becomes a finish-to-start dependency. Everything
is written as the system in the transaction of the deal's move to won.
"""

from __future__ import annotations

from datetime import date

from trellis import ValidationError, metadata_model

from .schedule import WorkingDays
from .scheduling import _id, calendar

MAX_TEMPLATE_TASKS = 1000
"""The most tasks a template may give a project."""


def _won(entity: str, state: str | None) -> bool:
    workflow = metadata_model().workflow_for(entity)
    if workflow is None or state not in workflow.states:
        return False
    return workflow.states[state].won


def template_for(deal, records):
    """The template a deal names, else the one marked for won deals (the oldest), else None."""
    chosen = _id(deal.get("project_template"))
    if chosen is not None:
        return records.get("project_template", chosen)
    return records.query("project_template").filter(for_won_deals=True).order_by("id").first()


def start_project(template, start: date, values: dict, records):
    """Create a project from ``template`` starting on ``start`` (moved to a working day); the project."""
    days = WorkingDays(calendar(), start)
    first = days.index(start)
    steps = list(records.query("project_template_task").filter(template=template.id).order_by("position", "id")
                 .iterate())[:MAX_TEMPLATE_TASKS]
    finish = max((first + (s.get("start_offset") or 0) + (s.get("duration") or 1) - 1 for s in steps), default=first)
    project = records.create("project", {**values, "template": template.id, "start_date": days.day(first),
                                         "end_date": days.day(finish)})
    made = {}
    for step in steps:
        begin = first + (step.get("start_offset") or 0)
        made[step.id] = records.create("task", {
            "name": step["name"], "project": project.id, "estimate": step.get("estimate"),
            "start_date": days.day(begin), "due_date": days.day(begin + (step.get("duration") or 1) - 1)}).id
    for step in steps:
        after = _id(step.get("after"))
        if after in made:
            records.create("task_dependency", {"predecessor": made[after], "successor": made[step.id], "kind": "FS"})
    return project


def on_deal_moved(record, transition, context) -> None:
    """A deal moved into a won state starts a project from its template (when there is one)."""
    if not _won(record.entity, transition.target):
        return
    system = context.system
    template = template_for(record, system)
    if template is None or system.query("project").filter(deal=record.id).first() is not None:
        return
    start = record.get("project_start") or context.now.date()
    try:
        start_project(template, start, {
            "name": record["name"], "deal": record.id, "contact": _id(record.get("contact")),
            "company": _id(record.get("company")), "manager": _id(record.get("owner")),
            "budget": record.get("amount")}, system)
    except (ValueError, OverflowError):
        from flask_babel import gettext as _

        raise ValidationError({"project_start": _("The project cannot be planned from this start date")}) from None
