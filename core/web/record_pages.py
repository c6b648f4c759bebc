"""``/app/<entity>/new`` and ``/app/<entity>/<id>``: a saved record opens in its read view (header,
stage bar, fields as text and links); ``?edit=1`` (or the Edit button, or the key ``e``) shows the
generated form; both with the record's detail (related lists, the plugins' panels, timeline).
Saving (with the duplicate warning), deleting, and the ``_eval`` endpoint.

Views only translate between HTTP and the record service: the service checks
permissions, validates and reports errors per field; a view shows them.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from trellis.data.schema import link_target
from trellis.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from trellis.runtime import runtime
from trellis.web import form_fields as forms
from trellis.web import lines, record_view
from trellis.web.conditions import field_states, typed_values
from trellis.web.duplicate_check import duplicates
from trellis.web.labels import display, entity_label, label, user_timezone
from trellis.web.pages import entity_or_404, register_errors, service
from trellis.web.related import panels_for, related_lists
from trellis.web.timeline import filters, parent_of, refers_to_a_record, timeline

USER_ENTITY = "user"   # core's own entity: users are invited from /admin/users, not made by the generic form

bp = Blueprint("records", __name__)
register_errors(bp)


def _load(entity: str, record_id: int):
    """The record as a list row (link fields carry names), or 404."""
    # Ordered by id (never NULL): in the list's order, a nullable first key costs a second
    # query for the NULL rows whenever the first finds fewer than a page (always, for one id).
    row = service().query(entity).filter(id=record_id).order_by("id").first()
    if row is None:
        abort(404, description=f"There is no {entity} #{record_id}, or you may not see it.")
    return row


def render_form(meta, record, values, errors=None, conflict=None, status=200, reading=False, found=None,
                grids=None):
    """The record page showing ``values`` as typed: the form, or (``reading``) the read view; the detail
    side when ``record`` exists; ``found``: records the values duplicate (a warning above the form);
    ``grids``: its lines grids as posted (default: the stored lines)."""
    metadata = runtime().metadata
    states = field_states(meta, typed_values(meta, _flat(values), metadata))
    context = dict(entity=meta, record=record, values=values, errors=errors or {}, conflict=conflict,
                   blocks=forms.layout(meta), widget=lambda f: forms.widget(f, metadata), states=states,
                   editable=forms.editable, display=display, title=_title(meta, record), reading=reading,
                   duplicates=found or [])
    context["locked"] = set()
    context["grids"] = grids if grids is not None else lines.grids_of(meta, record)
    if record is not None:
        workflows = record_view.workflows(meta)
        # A workflow's state field changes only through its transitions: shown, not edited.
        context["locked"] = {w.field for w in workflows}
        moves = [t for w in workflows for t in w.transitions.values() if t.allowed_from(record.get(w.field))]
        if reading:
            svc = service()
            context["may_edit"] = svc.access.can(svc.user, "write", meta.name, record)
            bars = record_view.stage_bars(meta, record)
            context.update(header=record_view.header(meta, record), stage_bars=bars)
            # Transitions the bar leads to are its steps; the others stay buttons.
            on_bar = {s.move.name for bar in bars for s in bar["stages"] if s.move is not None}
            context["bar_moves"] = on_bar
        context["dialogs"] = record_view.dialogs(meta, moves)
        shown = panels_for(meta)
        kinds = filters(shown)
        shown_kind = request.args.get("timeline") if request.args.get("timeline") in dict(kinds) else "all"
        # The lines a grid edits are not listed again in a related card.
        context.update(related=[r for r in related_lists(meta, record) if r.entity.name not in context["grids"]],
                       timeline_kind=shown_kind, timeline_kinds=kinds,
                       timeline=[] if refers_to_a_record(meta) else timeline(meta, record, shown, shown_kind),
                       about=parent_of(meta, record),
                       panels=[(panel, panel.values(meta, record) if panel.values else {}) for panel in shown
                               if panel.template],
                       transitions=[(t.name, label(t.label, t.name), t) for t in moves
                                    if t.name not in context.get("bar_moves", ())])
    return render_template("form.html", **context), status


def _flat(values: dict) -> dict:
    return {k: (v.get("id") if isinstance(v, dict) else v) for k, v in values.items()}


def _title(meta, record) -> str:
    if record is None:
        return _("New %(what)s", what=entity_label(meta))
    name = record.get(meta.title) if meta.title else None
    return display(meta.fields.get(meta.title), name) if name else f"{entity_label(meta)} #{record.id}"


@bp.get("/app/<entity>/new")
def new(entity: str):
    """An empty form (literal defaults filled in; ``?field=value`` pre-fills, e.g. from a related list).
    Users are invited from the users page instead (a user made by this form could never sign in)."""
    meta = entity_or_404(entity)
    if meta.name == USER_ENTITY:
        return redirect(url_for("admin.users"))
    metadata = runtime().metadata
    values = forms.initial_values(meta, None, metadata)
    for name in request.args:
        if name in values and forms.editable(meta.fields[name]):
            values[name] = forms.as_input(meta.fields[name], _prefilled(meta.fields[name], request.args[name]),
                                          metadata)
    return render_form(meta, None, values)


def _prefilled_moment(field, raw: str):
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw
    if field.storage == "date":
        return moment.date()
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=user_timezone())


def _prefilled(field, raw: str):
    """A ``?field=value`` pre-fill; a link's id as the linked record with its title, when the user may read it
    (the form then shows "Acme Ltd", not "#2"); an ISO day or local time as a date (a Persian user's form
    shows it in the Jalali calendar)."""
    if field.storage in ("date", "datetime") and len(raw) <= 32:
        return _prefilled_moment(field, raw)
    if field.type not in ("link", "user") or not raw.strip().isdigit() or len(raw) > 18:
        return raw
    try:
        row = service().query(link_target(field)).filter(id=int(raw)).order_by("id").first()
    except (NotFound, PermissionDenied):
        row = None
    if row is None:
        return raw
    target = runtime().metadata.entities[link_target(field)]
    name = display(target.fields.get(target.title), row.get(target.title)) if target.title else ""
    return {"id": row.id, "name": name or row.get("email") or f"#{row.id}"}


@bp.post("/app/<entity>/new")
def create(entity: str):
    """Create the record from the posted form; a refused form comes back with the input and messages (422)."""
    meta = entity_or_404(entity)
    if meta.name == USER_ENTITY:
        abort(404, description="Invite users from the users page.")
    metadata = runtime().metadata
    posted = forms.posted_values(meta, request.form, metadata)
    grids = lines.posted_grids(meta, request.form)
    try:
        changes = forms.changed_values(meta, posted, forms.initial_values(meta, None, metadata), metadata)
    except ValidationError as e:
        return render_form(meta, None, posted, errors=e.fields, status=422, grids=grids)
    found = [] if request.form.get("save_anyway") else duplicates(meta, changes)
    if found:
        return render_form(meta, None, posted, found=found, grids=grids)
    try:
        record = lines.save(meta, None, changes, None, grids) if grids else service().create(entity, changes)
    except ValidationError as e:
        return render_form(meta, None, posted, errors=e.fields, status=422, grids=grids)
    flash(_("%(what)s created.", what=entity_label(meta)))
    return redirect(url_for(".detail", entity=entity, record_id=record.id))


@bp.get("/app/<entity>/<int:record_id>")
def detail(entity: str, record_id: int):
    """The record's read view (``?edit=1``: its form), related lists and timeline."""
    meta = entity_or_404(entity)
    record = _load(entity, record_id)
    reading = not request.args.get("edit")
    return render_form(meta, record, forms.initial_values(meta, record, runtime().metadata), reading=reading)


@bp.post("/app/<entity>/<int:record_id>")
def save(entity: str, record_id: int):
    """Save the fields the user changed; a stale version is a conflict (409), never an overwrite."""
    meta = entity_or_404(entity)
    metadata = runtime().metadata
    record = _load(entity, record_id)
    posted = forms.posted_values(meta, request.form, metadata)
    for workflow in metadata.workflows.values():
        if workflow.entity == entity and workflow.field not in request.form:
            # Shown read-only, so not posted; one that is posted anyway goes to the record
            # service, which refuses a change (the state moves by transitions only).
            posted.pop(workflow.field, None)
    # Against the stored record: if it changed since the form was shown, the version check
    # below turns the save into a conflict before anything is written.
    version = request.form.get("version")
    if request.form.get("overwrite"):
        version = record.version  # the user saw the conflict and chose to overwrite
    grids = lines.posted_grids(meta, request.form)
    try:
        changes = forms.changed_values(meta, posted, forms.initial_values(meta, record, metadata), metadata)
    except ValidationError as e:
        return render_form(meta, record, posted, errors=e.fields, status=422, grids=grids)
    if not request.form.get("save_anyway"):
        found = duplicates(meta, {**record, **changes}, exclude=record_id, changed=set(changes))
        if found:
            return render_form(meta, record, posted, found=found, grids=grids)
    try:
        if grids:
            lines.save(meta, record, changes, version, grids)
        else:
            service().update(entity, record_id, changes, expected_version=version)
    except ValidationError as e:
        return render_form(meta, record, posted, errors=e.fields, status=422, grids=grids)
    except ConflictError as e:
        return render_form(meta, record, posted, conflict=_conflict_text(meta, e), status=409, grids=grids)
    flash(_("%(what)s saved.", what=entity_label(meta)))
    return redirect(url_for(".detail", entity=entity, record_id=record_id))


def _conflict_text(meta, error: ConflictError) -> str:
    current = error.current or {}
    who = _("someone else")
    user_id = current.get("updated_by")
    if user_id:
        user = service().query("user").filter(id=user_id).first() if "user" in runtime().metadata.entities else None
        who = (user.get("name") or user.get("email")) if user else f"user #{user_id}"
    when = current.get("updated_at")
    at = display(None, when) if when else _("a moment ago")
    return _("This record was changed by %(who)s at %(at)s.", who=who, at=at)


@bp.post("/app/<entity>/<int:record_id>/delete")
def delete(entity: str, record_id: int):
    """Delete the record (a refusal, e.g. records still linking to it, is shown on its page)."""
    meta = entity_or_404(entity)
    try:
        service().delete(entity, record_id)
    except ValidationError as e:
        flash("; ".join(e.fields.values()), "error")
        return redirect(url_for(".detail", entity=entity, record_id=record_id))
    flash(_("%(what)s deleted.", what=entity_label(meta)))
    return redirect(url_for("lists.index", entity=entity))


@bp.post("/app/<entity>/_eval")
def evaluate(entity: str):
    """Which fields are visible and required for the posted (unsaved) values: see :mod:`trellis.web.conditions`."""
    meta = entity_or_404(entity)
    svc = service()
    # Only for a form the user may fill in: the answer tells what the entity's conditions are.
    if not (svc.access.can(svc.user, "create", entity) or svc.access.can(svc.user, "write", entity)):
        raise PermissionDenied(f"you may not edit {entity} records")
    metadata = runtime().metadata
    posted = forms.posted_values(meta, request.form, metadata)
    return jsonify(field_states(meta, typed_values(meta, _flat(posted), metadata)))

