"""Marketing pages: segments with their live count and preview (``/marketing/segments``), and an email
template rendered for a sample contact (``/marketing/templates/<id>/preview``).

Pages read as the signed-in user: whoever may read ``marketing_segment`` may see a
segment's count and its first contacts (those the user may read); whoever may read a
template sees it rendered in the sandbox with a contact they may read.
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


@bp.get("/templates/<int:template_id>/preview")
@login_required
def template_preview(template_id):
    """A template's subject, HTML and plain text for a sample contact (``?contact=ID``, else the first one the
    user may read), rendered in the sandbox; the HTML shown in a sandboxed frame."""
    from jinja2 import TemplateError
    from trellis import NotFound, PermissionDenied
    from trellis_plugins.marketing.messages import contact_values, plain_text, sandboxed

    records = records_for(current_user)
    try:
        template = records.get("email_template", template_id)
        contact = _sample_contact(records, request.args.get("contact", ""))
    except (NotFound, PermissionDenied):
        abort(404)
    values = contact_values(contact or {})
    try:
        subject = " ".join(sandboxed(template["subject"] or "", autoescape=False).render(**values).split())
        body = sandboxed(template["body"] or "", autoescape=True).render(**values)
        error = None
    except (TemplateError, ValueError) as problem:
        subject, body, error = "", "", str(problem)
    return render_template("marketing/template_preview.html", template=template, contact=contact, subject=subject,
                           body=body, text=plain_text(body) if body else "", error=error)


def _sample_contact(records, wanted: str):
    """The contact ``wanted`` (an id typed by the user), else the first contact the user may read, or None."""
    if wanted.strip():
        number = int(wanted) if wanted.strip().isdigit() and len(wanted.strip()) <= 10 else 0
        if not 0 < number < 2**31:
            abort(404)
        return records.get("contact", number)
    return records.query("contact").order_by("id").first()
