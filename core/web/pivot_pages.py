"""``/app/<entity>/report``: the pivot page. Choose up to two group-bys (dates with a bucket), a measure
and a chart; see the result; save it as mine or shared with roles, optionally onto a dashboard.

The choices become a ``report:`` mapping checked exactly as ``trellis check`` checks YAML
(:func:`trellis.metadata.reports.report_from_mapping`), so the page accepts nothing a report
file could not say; the result runs as the signed-in user like every report.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from trellis.data.query import QueryError
from trellis.errors import PermissionDenied, ValidationError
from trellis.metadata.model import BUCKETS, CHARTS, MEASURE_FUNCTIONS
from trellis.metadata.reports import GROUPABLE, NUMERIC, report_from_mapping
from trellis.runtime import runtime
from trellis.web.labels import entity_label, field_label
from trellis.web.pages import current_user_object, entity_or_404, service
from trellis.web.report_pages import today_for_user
from trellis.web.report_views import view_of
from trellis.web.saved_reports import save

bp = Blueprint("pivot", __name__)
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def choices_from(args, entity: str) -> dict:
    """The pivot's choices from a request, as a ``report:`` mapping (unchecked)."""
    groups = []
    for index in ("1", "2"):
        name = (args.get(f"group{index}") or "").strip()
        if name:
            bucket = (args.get(f"bucket{index}") or "").strip()
            groups.append({"field": name, "bucket": bucket} if bucket else name)
    function = args.get("measure") or "count"
    target = (args.get("field") or "").strip()
    measure = "count" if function == "count" else {function: target}
    return {"report": "pivot", "entity": entity, "group_by": groups, "measures": {"value": measure},
            "chart": args.get("chart") or "table"}


def _options(meta) -> dict:
    readable = service().access.readable_fields(service().user, meta.name)
    fields = [f for f in meta.fields.values() if f.column and (readable is None or f.name in readable)]
    return {"groups": [(f.name, field_label(f)) for f in fields if f.storage in GROUPABLE
                       and f.type not in ("multiselect", "tags")],
            "numbers": [(f.name, field_label(f)) for f in fields if f.storage in NUMERIC],
            "dates": {f.name for f in fields if f.storage in ("date", "datetime")},
            "buckets": BUCKETS, "charts": CHARTS, "functions": MEASURE_FUNCTIONS}


@bp.get("/app/<entity>/report")
def pivot(entity: str):
    """The pivot form and, once something is chosen, its chart and table."""
    meta = entity_or_404(entity)
    if not service().access.can(service().user, "read", entity):
        abort(404)
    chosen = choices_from(request.args, entity)
    view, errors = None, []
    if request.args:
        report, errors = report_from_mapping(chosen, runtime().metadata)
        if report is not None:
            try:
                from trellis.data.reports import run_report
                from trellis.web.jalali import report_calendar
                from trellis.web.labels import user_locale, user_timezone

                result = run_report(service(), report, zone=user_timezone().key,
                                    calendar=report_calendar(user_locale()))
                view = view_of(result, runtime().metadata)
                view.downloads = {}
            except (PermissionDenied, QueryError) as error:
                errors = [str(error)]
    return render_template("reports/pivot.html", entity=meta, title=entity_label(meta, plural=True),
                           args=request.args, options=_options(meta), view=view, errors=errors,
                           roles=sorted(runtime().metadata.roles), today=today_for_user(),
                           dashboards=sorted(runtime().metadata.dashboards))


@bp.post("/app/<entity>/report")
def save_pivot(entity: str):
    """Save the pivot's choices as a report: mine, or shared with the chosen roles."""
    entity_or_404(entity)
    if not service().access.can(service().user, "read", entity):
        abort(404)
    chosen = choices_from(request.form, entity)
    name = (request.form.get("name") or "").strip()
    report, errors = report_from_mapping(chosen, runtime().metadata)
    back = url_for("pivot.pivot", entity=entity, **{k: v for k, v in request.form.items()
                                                    if k not in ("csrf_token", "name", "label", "share", "dashboard")})
    if not NAME.match(name):
        errors.append(_("The name may hold lower-case letters, digits and '_', starting with a letter."))
    known_roles = set(runtime().metadata.roles)
    shared = [r for r in request.form.getlist("share") if r in known_roles]
    dashboard = request.form.get("dashboard") or None
    if dashboard is not None and dashboard not in runtime().metadata.dashboards:
        dashboard = None
    if report is None or errors:
        for message in errors:
            flash(message, "error")
        return redirect(back)
    definition = {k: v for k, v in chosen.items() if k != "report"}
    try:
        save(current_user_object(), name, (request.form.get("label") or "").strip()[:200], definition, shared,
             dashboard)
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(back)
    flash(_("Report saved."), "success")
    return redirect(back)
