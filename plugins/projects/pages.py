"""The plugin's pages: a project's timeline (server-rendered SVG), its risk matrix, and "my tasks".

Everything is read as the signed-in user through the record service, so a page shows
only what the viewer may read; a project the viewer may not read is a 404.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user, login_required
from trellis import NotFound, PermissionDenied, metadata_model, records_for

from .schedule import WorkingDays
from .scheduling import _id, calendar, critical_path, project_links, project_tasks
from .timeline import layout

bp = Blueprint("projects", __name__, url_prefix="/projects")
MAX_MY_TASKS = 500
"""The most open tasks "my tasks" lists."""
LEVELS = ((4, "low"), (9, "medium"), (16, "high"), (25, "critical"))
"""Risk score bands of the matrix: up to 4 low, 9 medium, 16 high, else critical."""


def _records():
    return records_for(current_user._get_current_object(), channel="ui")


def _project(records, project_id: int):
    try:
        return records.get("project", project_id)
    except (NotFound, PermissionDenied):
        abort(404)


def _rtl() -> bool:
    from trellis.web.labels import text_direction

    return text_direction() == "rtl"


def timeline_for(records, project, today: date, rtl: bool = False):
    """The :class:`~.timeline.Timeline` of ``project`` as ``records`` may read it."""
    tasks = project_tasks(records, project.id)
    links = project_links(records, project.id)
    milestones = list(records.query("milestone").filter(project=project.id).iterate(batch=500))
    dated = [t.get("start_date") or t.get("due_date") for t in tasks.values()]
    dated = [d for d in dated if d is not None]
    critical = critical_path(tasks, links, WorkingDays(calendar(), min(dated))) if dated else set()
    return layout(list(tasks.values()), links, milestones, critical, today, rtl)


def render_timeline_svg(timeline) -> str:
    """The SVG text of a timeline (the template alone: what the benchmark times)."""
    return render_template("projects/timeline_svg.html", timeline=timeline)


@bp.get("/<int:project_id>/timeline")
@login_required
def timeline_page(project_id: int):
    """The project's timeline: bars, milestones, dependency arrows, today, the critical path in colour."""
    records = _records()
    project = _project(records, project_id)
    timeline = timeline_for(records, project, date.today(), _rtl())
    return render_template("projects/timeline.html", project=project, timeline=timeline,
                           svg=render_timeline_svg(timeline))


@bp.get("/<int:project_id>/timeline.svg")
@login_required
def timeline_svg(project_id: int):
    """The timeline alone, as an SVG image (to download or embed)."""
    records = _records()
    timeline = timeline_for(records, _project(records, project_id), date.today(), _rtl())
    return Response(render_timeline_svg(timeline), mimetype="image/svg+xml")


def risk_matrix(risks) -> list[list[dict]]:
    """Rows from impact 5 down to 1, each with cells for probability 1 to 5: ``{score, level, risks}``."""
    cells = {(p, i): [] for p in range(1, 6) for i in range(1, 6)}
    for risk in risks:
        key = (risk.get("probability"), risk.get("impact"))
        if key in cells:
            cells[key].append(risk)
    return [[{"probability": p, "impact": i, "score": p * i, "risks": cells[(p, i)],
              "level": next(name for top, name in LEVELS if p * i <= top)} for p in range(1, 6)]
            for i in range(5, 0, -1)]


@bp.get("/<int:project_id>/risks")
@login_required
def risk_matrix_page(project_id: int):
    """The project's open risks on a 5×5 matrix of probability and impact."""
    records = _records()
    project = _project(records, project_id)
    risks = [r for r in records.query("risk").filter(project=project.id).iterate(batch=500)
             if r.get("status") != "closed"]
    return render_template("projects/risk_matrix.html", project=project, rows=risk_matrix(risks), count=len(risks))


@bp.get("/my-tasks")
@login_required
def my_tasks_page():
    """The viewer's open tasks, the most urgent first (overdue highlighted)."""
    records = _records()
    try:
        page = (records.query("task").filter(assignee=_id(current_user.id)).order_by("due_date", "id")
                .page(size=MAX_MY_TASKS, count=False))
    except PermissionDenied:
        abort(404)
    tasks = [t for t in page.rows if t.get("stage") != "done"]
    stage = metadata_model().entity("task").fields["stage"]
    return render_template("projects/my_tasks.html", tasks=tasks, today=date.today(), stage=stage)
