"""The notes and activities of any record: their forms on its page and their timeline entries
(``record_panels`` hook) and the two routes the forms post to.

Notes and activities point at any record through ``ref_entity`` / ``ref_record``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from trellis import RecordPanel, TimelineEntry
from trellis.data.query import QueryError
from trellis.errors import PermissionDenied, ValidationError
from trellis.web.form_fields import to_service
from trellis.web.labels import display
from trellis.web.pages import entity_or_404, service

TIMELINE_ROWS = 50
REFERENCES = {"ref_entity", "ref_record"}

bp = Blueprint("contacts", __name__, template_folder=None)


def _entity(records, name: str):
    """The entity ``name`` when it is there and can point at any record, else None."""
    entity = records.metadata.entities.get(name)
    return entity if entity is not None and REFERENCES <= set(entity.fields) else None


def _rows(records, name: str, meta, record) -> list:
    try:
        return (records.query(name).filter(ref_entity=meta.name, ref_record=record.id).order_by("-created_at")
                .page(size=TIMELINE_ROWS, count=False).rows)
    except (PermissionDenied, QueryError):
        return []  # a user who may not read notes sees none


def note_entries(meta, record, records) -> list[TimelineEntry]:
    """The record's notes, newest first."""
    if _entity(records, "note") is None:
        return []
    return [TimelineEntry("note", row.created_at, row.created_by, str(row.get("body") or ""),
                          url=f"/app/note/{row.id}", label=_("note"))
            for row in _rows(records, "note", meta, record)]


def activity_entries(meta, record, records) -> list[TimelineEntry]:
    """The record's activities, newest first, with their kind."""
    activity = _entity(records, "activity")
    if activity is None:
        return []
    return [TimelineEntry("activity", row.created_at, row.created_by, str(row.get("subject") or ""),
                          display(activity.fields.get("kind"), row.get("kind")), f"/app/activity/{row.id}",
                          label=_("activity"))
            for row in _rows(records, "activity", meta, record)]


def activity_form(meta, record) -> dict:
    """What the activity form shows: the ``activity`` entity (its subject, kind and due fields)."""
    return {"activity": service().metadata.entities.get("activity")}


def panels(entity: str) -> list[RecordPanel]:
    """The note form and the activity form on every record's page, and their timeline entries."""
    if entity in ("note", "activity"):
        return []
    return [RecordPanel("notes", template="contacts/note_form.html", timeline=note_entries, order=10,
                        label=lazy_gettext("Notes")),
            RecordPanel("activities", template="contacts/activity_form.html", values=activity_form,
                        timeline=activity_entries, order=20, label=lazy_gettext("Activities"))]


def _record_or_404(entity: str, record_id: int):
    entity_or_404(entity)
    if service().query(entity).filter(id=record_id).order_by("id").first() is None:
        abort(404, description=f"There is no {entity} #{record_id}, or you may not see it.")


def _shortcut(about, entity: str, record_id: int, values: dict) -> None:
    """Fill the link of ``about`` (note, activity) named after ``entity`` when it points there (``contact``,
    ``company``): the record's Notes or Activities card then lists what was added from its timeline."""
    if entity in about.fields and about.fields[entity].to == entity:
        values[entity] = record_id


@bp.post("/app/<entity>/<int:record_id>/notes")
def add_note(entity: str, record_id: int):
    """Add a note about this record (the timeline shows it)."""
    if _entity(service(), "note") is None:
        abort(404)
    _record_or_404(entity, record_id)
    records = service()
    values = {"body": request.form.get("body", ""), "ref_entity": entity, "ref_record": record_id}
    _shortcut(records.metadata.entities["note"], entity, record_id, values)
    try:
        records.create("note", values)
    except ValidationError as e:
        flash(_("Note not added: %(why)s", why="; ".join(e.fields.values())), "error")
    else:
        flash(_("Note added."))
    return redirect(url_for("records.detail", entity=entity, record_id=record_id) + "#timeline")


@bp.post("/app/<entity>/<int:record_id>/activities")
def log_activity(entity: str, record_id: int):
    """Log an activity (call, meeting, task...) about this record (the timeline shows it)."""
    records = service()
    activity = _entity(records, "activity")
    if activity is None:
        abort(404)
    _record_or_404(entity, record_id)
    values = {"subject": request.form.get("subject", ""), "ref_entity": entity, "ref_record": record_id}
    for name in ("kind", "due"):
        if request.form.get(name) and name in activity.fields:
            values[name] = to_service(activity.fields[name], request.form[name], records.metadata)
    _shortcut(activity, entity, record_id, values)
    try:
        records.create("activity", values)
    except ValidationError as e:
        flash(_("Activity not logged: %(why)s", why="; ".join(e.fields.values())), "error")
    else:
        flash(_("Activity logged."))
    return redirect(url_for("records.detail", entity=entity, record_id=record_id) + "#timeline")
