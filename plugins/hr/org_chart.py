"""The org chart page (``/hr/org-chart``): departments with their heads, and the reporting line below each root.

Read as the signed-in user through the record service, so it shows only the employees
and departments the viewer may read; a person whose manager the viewer cannot see is
shown as a root. The tree is built from one query per entity (no query per person).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from trellis import PermissionDenied, records_for

bp = Blueprint("hr", __name__, url_prefix="/hr")
MAX_PEOPLE = 5000
"""The most employees the page draws (a larger organisation is read in the employee list)."""


def _all(records, entity: str) -> list:
    rows, cursor = [], None
    while len(rows) < MAX_PEOPLE:
        page = records.query(entity).order_by("name").page(size=500, cursor=cursor, count=False)
        rows += page.rows
        cursor = page.next_cursor
        if cursor is None:
            break
    return rows[:MAX_PEOPLE]


def _id(value):
    return getattr(value, "id", value)


def chart(records) -> dict:
    """``{"roots": [node], "departments": [department]}``; a node is ``{"employee", "reports": [node]}``."""
    people = [p for p in _all(records, "employee") if p.get("status") != "left"]
    known = {p.id for p in people}
    below: dict = {}
    for person in people:
        boss = _id(person.get("manager"))
        below.setdefault(boss if boss in known else None, []).append(person)

    def node(person, seen):
        if person.id in seen:   # a cycle in the manager links: draw each person once
            return {"employee": person, "reports": []}
        seen = seen | {person.id}
        return {"employee": person, "reports": [node(p, seen) for p in below.get(person.id, [])]}

    return {"roots": [node(p, frozenset()) for p in below.get(None, [])],
            "departments": _all(records, "department")}


@bp.get("/org-chart")
@login_required
def org_chart_page():
    """The organisation as the viewer may see it."""
    records = records_for(current_user._get_current_object(), channel="ui")
    try:
        values = chart(records)
    except PermissionDenied:
        abort(404)
    return render_template("hr/org_chart.html", **values)
