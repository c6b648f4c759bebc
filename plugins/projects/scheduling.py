"""The scheduling rules on saved records: refuse cycles, move dependents when a task slips.

Called from the plugin's hooks. Tasks and dependencies of one project are read as the
system (a member who may not read a colleague's task must still not break its
schedule), and moved tasks are written through the record service as the system, inside
the transaction of the save that moved them: either the whole chain moves, or nothing.
"""

from __future__ import annotations

from contextvars import ContextVar

from flask import current_app
from trellis import ValidationError, business_calendar

from .schedule import Link, Span, WorkingDays, critical_tasks, cycle_with, reschedule

_moving: ContextVar[bool] = ContextVar("projects_moving", default=False)
MAX_TASKS = 20000
"""The most tasks of one project the scheduler reads (a bigger project is refused, not half moved)."""


def _id(value):
    return getattr(value, "id", value)


def calendar():
    """The business calendar tasks are scheduled on: ``PROJECTS_CALENDAR``, else the default one."""
    return business_calendar(current_app.config.get("PROJECTS_CALENDAR") or None)


def project_tasks(records, project_id) -> dict:
    """The project's tasks by id."""
    tasks = {}
    for task in records.query("task").filter(project=project_id).iterate(batch=500):
        tasks[task.id] = task
        if len(tasks) > MAX_TASKS:
            raise ValueError(f"more than {MAX_TASKS} tasks")
    return tasks


def project_links(records, project_id, leave_out=None) -> list[Link]:
    """The project's dependencies as :class:`Link` (without the one numbered ``leave_out``)."""
    return [Link(_id(d["predecessor"]), _id(d["successor"]), d.get("kind") or "FS", d.get("lag") or 0)
            for d in records.query("task_dependency").filter(project=project_id).iterate(batch=500)
            if d.id != leave_out]


def spans(tasks: dict, days: WorkingDays) -> dict[int, Span]:
    """Working-day spans of the tasks that have dates (a task with one date lasts one day)."""
    found = {}
    for task_id, task in tasks.items():
        start, due = task.get("start_date"), task.get("due_date")
        if start is None and due is None:
            continue
        first = days.index(start or due)
        found[task_id] = Span(first, max(first, days.index(due or start)))
    return found


def check_dependency(record, context) -> None:
    """Before a dependency is saved: same project for both tasks, and no cycle (named in the error)."""
    from flask_babel import gettext as _

    predecessor = context.system.get("task", _id(record["predecessor"]))
    successor = context.system.get("task", _id(record["successor"]))
    if _id(predecessor["project"]) != _id(successor["project"]):
        raise ValidationError({"predecessor": _("Both tasks must belong to the same project")})
    record["project"] = _id(successor["project"])
    context.system.lock("project", record["project"])  # two dependencies saved at once cannot close a cycle
    links = project_links(context.system, record["project"], leave_out=record.id)
    cycle = cycle_with(links, Link(predecessor.id, successor.id))
    if cycle is not None:
        names = {predecessor.id: predecessor["name"], successor.id: successor["name"]}
        for task_id in set(cycle) - set(names):
            names[task_id] = context.system.get("task", task_id)["name"]
        raise ValidationError({"predecessor": _("This dependency would make a cycle: %(cycle)s",
                                                cycle=" → ".join(names[t] for t in cycle))})


def check_parent(record, context) -> None:
    """Before a task is saved: its parent is in the same project and is not one of its own subtasks."""
    from flask_babel import gettext as _

    parent_id = _id(record.get("parent"))
    seen = {record.id}
    while parent_id is not None:
        if parent_id in seen:
            raise ValidationError({"parent": _("A task cannot be its own subtask")})
        seen.add(parent_id)
        parent = context.system.get("task", parent_id)
        if len(seen) == 2 and _id(parent["project"]) != _id(record["project"]):
            raise ValidationError({"parent": _("The parent task must belong to the same project")})
        parent_id = _id(parent.get("parent"))


def push_dependents(project_id, moved: set[int], context) -> int:
    """Move the tasks downstream of ``moved`` that now start too early; the number of tasks moved."""
    if _moving.get():
        return 0  # our own writes below: the first call already moves the whole chain
    context.system.lock("project", project_id)  # one project's schedule is moved by one save at a time
    links = project_links(context.system, project_id)
    if not links:
        return 0
    try:
        tasks = project_tasks(context.system, project_id)
        dated = [d for d in (t.get("start_date") or t.get("due_date") for t in tasks.values()) if d is not None]
        if not dated:
            return 0
        days = WorkingDays(calendar(), min(dated))
        changed = reschedule(spans(tasks, days), links, moved)
        moves = {task_id: (days.day(span.start), days.day(span.finish)) for task_id, span in changed.items()}
    except (ValueError, OverflowError):
        from flask_babel import gettext as _

        raise ValidationError({"start_date": _("The project's tasks cannot be rescheduled: more than %(tasks)s "
                                                "tasks, or more than 30 years", tasks=MAX_TASKS)}) from None
    token = _moving.set(True)
    try:
        for task_id, (start, due) in moves.items():
            context.system.update("task", task_id, {"start_date": start, "due_date": due})
    finally:
        _moving.reset(token)
    return len(changed)


def critical_path(tasks: dict, links: list[Link], days: WorkingDays) -> set[int]:
    """The ids of the tasks on the critical path (none when the dates span more than the calendar can count)."""
    try:
        return critical_tasks(spans(tasks, days), links)
    except (ValueError, OverflowError):
        return set()
