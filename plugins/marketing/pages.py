"""Marketing pages: segments with their live count and preview (``/marketing/segments``).

Pages read as the signed-in user: whoever may read ``marketing_segment`` may see a
segment's count and its first contacts (those the user may read).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from trellis import ValidationError, metadata_model, records_for
from trellis_plugins.marketing import segments
from trellis_plugins.marketing.sending import now_utc

bp = Blueprint("marketing", __name__, url_prefix="/marketing")
MAX_CONDITIONS = 20_000


@bp.record_once
def _register_jobs(state) -> None:
    """The sending and A/B jobs, registered with each app the blueprint joins (and its workers)."""
    from trellis.automation import register_job
    from trellis_plugins.marketing import ab, sending

    register_job(state.app, sending.JOB, sending.send_campaign, max_attempts=20)
    register_job(state.app, ab.JOB, ab.decide)


def _records():
    records = records_for(current_user)
    if not records.access.can(records.user, "read", "marketing_segment"):
        abort(404)
    return records


@bp.get("/segments")
@login_required
def segment_list():
    """Every segment: those written in YAML and those defined on a page, and a box to try conditions."""
    records = _records()
    written = [s for s in metadata_model().configs.get("segment", []) if s is not None]
    defined = list(records.query("marketing_segment").order_by("name").iterate())
    return render_template("marketing/segments.html", written=written, defined=defined, conditions="",
                           result=None, errors={})


@bp.post("/segments")
@login_required
def segment_try():
    """The live count and preview of conditions typed on the page (nothing is saved)."""
    records = _records()
    text = request.form.get("conditions", "")[:MAX_CONDITIONS]
    written = [s for s in metadata_model().configs.get("segment", []) if s is not None]
    defined = list(records.query("marketing_segment").order_by("name").iterate())
    try:
        segment = segments.from_text("preview", text)
        result = _evaluate(records, segment)
        errors = {}
    except ValidationError as error:
        result, errors = None, error.fields
    return render_template("marketing/segments.html", written=written, defined=defined, conditions=text,
                           result=result, errors=errors), (422 if errors else 200)


@bp.get("/segments/<name>")
@login_required
def segment_page(name):
    """One segment: how many contacts it holds now, and the first of them."""
    records = _records()
    try:
        segment = segments.find(records, name[:63])
        result, errors = _evaluate(records, segment), {}
    except ValidationError as error:
        if "segment" in error.fields:
            abort(404)
        segment, result, errors = None, None, error.fields
    return render_template("marketing/segment.html", name=name, segment=segment, result=result, errors=errors)


def _evaluate(records, segment) -> dict:
    today = now_utc().date()
    return {"count": segments.count(records, segment, today), "preview": segments.preview(records, segment, today)}
