"""``/app/<entity>/kanban`` and workflow moves: the board, dragging a card, transition buttons.

A card dropped on another column asks the server to move it: when a workflow owns
the field, through the transition from the card's state to that column (its guards,
roles and required fields checked by the record service); otherwise as a plain
update of the field. A refusal comes back with the service's reason, and the
script puts the card back where it was.
"""

from __future__ import annotations

from babel.numbers import format_decimal
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from trellis.data.board_totals import column_totals
from trellis.data.query import QueryError
from trellis.errors import ConflictError, PermissionDenied, ValidationError
from trellis.runtime import runtime
from trellis.web.labels import display, entity_label, field_label, label, option_label, user_locale
from trellis.web.list_filters import with_me
from trellis.web.lists import filters_from
from trellis.web.pages import entity_or_404, register_errors, service
from trellis.web.record_view import transition_values

bp = Blueprint("boards", __name__)
register_errors(bp)

CARDS_PER_COLUMN = 50


def columns_of(meta) -> list[tuple[str, str]]:
    """``(value, label)`` per column: the workflow's states, else the selection's options."""
    field = meta.fields[meta.kanban.group_by]
    workflow = runtime().metadata.workflow_for(meta.name, field.name)
    if workflow is not None:
        return [(name, label(state.label, name)) for name, state in workflow.states.items()]
    return [(option, option_label(field, option)) for option in field.options]


def transition_to(meta, field_name: str, current, target: str):
    """The workflow transition that moves a record of ``meta`` from ``current`` to ``target``;
    ``(None, None)`` when no workflow owns the field; ``(workflow, None)`` when none leads there."""
    workflow = runtime().metadata.workflow_for(meta.name, field_name)
    if workflow is None:
        return None, None
    for transition in workflow.transitions.values():
        if transition.target == target and transition.allowed_from(current):
            return workflow, transition
    return workflow, None


@bp.get("/app/<entity>/kanban")
def kanban(entity: str):
    """The board: one column per state with up to ``CARDS_PER_COLUMN`` cards each, its count and the
    total of ``kanban.sum``; empty columns and final states start folded. The list's filter parameters
    (``?project=7``) narrow the cards, counts and sums alike."""
    meta = entity_or_404(entity)
    filters = filters_from(request.args)
    if meta.kanban is None or meta.kanban.group_by not in meta.fields:
        abort(404, description=f"{entity_label(meta)} has no kanban view.")
    group = meta.kanban.group_by
    card_fields = [meta.fields[n] for n in meta.kanban.card if n in meta.fields]
    if not card_fields and meta.title in meta.fields:
        card_fields = [meta.fields[meta.title]]
    try:
        totals = board_totals(meta, filters)
    except QueryError as e:
        abort(400, description="; ".join(e.fields.values()))
    final = final_states(meta)
    board = []
    for value, title in columns_of(meta):
        try:
            page = (service().query(entity).filter(with_me(meta, filters), **{group: value})
                    .page(size=CARDS_PER_COLUMN, count=False))
        except QueryError:
            continue
        cards = [{"id": r.id, "version": r.version, "lines": [display(f, r.get(f.name)) for f in card_fields],
                  "values": [r.get(f.name) for f in card_fields]} for r in page.rows]
        board.append({"value": value, "title": title, "cards": cards, "dialog": _column_dialog(meta, value),
                      **totals.get(value, totals[None]), "folded": not cards or value in final})
    return render_template("kanban.html", entity=meta, board=board, title=entity_label(meta, plural=True),
                           has_workflow=runtime().metadata.workflow_for(meta.name, group) is not None,
                           card_fields=card_fields, dialogs=[c["dialog"] for c in board if c["dialog"]],
                           sum_field=sum_field_of(meta), filters=filters)


def sum_field_of(meta):
    """The field ``kanban.sum`` names, if the viewer may read it (else the columns show counts only)."""
    sum_field = meta.fields.get(meta.kanban.sum or "")
    try:
        return sum_field and service().query(meta.name).column(sum_field.name, "sum")[1]
    except QueryError:
        return None


def board_totals(meta, filters: dict | None = None) -> dict:
    """``{column value: {"count": "3", "sum": "1,500.00"}}`` as the viewer reads them (``None``: an empty column),
    over the records that pass the list ``filters``."""
    sum_field = sum_field_of(meta)
    query = service().query(meta.name).filter(with_me(meta, filters or {}))
    try:
        found = column_totals(query, meta.kanban.group_by, sum_field and sum_field.name)
    except QueryError:
        found = {}

    def shown(count: int, total) -> dict:
        return {"count": format_decimal(count, locale=user_locale()),
                "sum": display(sum_field, total if total is not None else 0) if sum_field else ""}

    return {None: shown(0, 0), **{value: shown(count, total) for value, (count, total) in found.items()}}


def final_states(meta) -> set[str]:
    """The workflow states that end the flow (won, lost, closed): their columns start folded."""
    workflow = runtime().metadata.workflow_for(meta.name, meta.kanban.group_by)
    return {name for name, state in workflow.states.items() if state.final} if workflow is not None else set()


def _column_dialog(meta, value: str):
    """The dialog asking for the fields the transitions into the column ``value`` require, if any."""
    from trellis.web.record_view import dialogs

    workflow = runtime().metadata.workflow_for(meta.name, meta.kanban.group_by)
    if workflow is None:
        return None
    found = dialogs(meta, [t for t in workflow.transitions.values() if t.target == value])
    return found[0] if found else None


@bp.post("/app/<entity>/<int:record_id>/move")
def move(entity: str, record_id: int):
    """Move a card to the column ``to``: JSON for the script, a redirect for the plain form."""
    meta = entity_or_404(entity)
    if meta.kanban is None:
        abort(404)
    target = request.form.get("to", "")
    filters = filters_from(request.args)  # the board's own, so that its refreshed totals stay narrowed
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        moved, done = _move(meta, record_id, target, request.form.get("version") or None)
    except (ValidationError, ConflictError, PermissionDenied) as e:
        reason = _reason(e, meta)
        if wants_json:
            fields = e.fields if isinstance(e, ValidationError) else {}
            return jsonify({"error": {"code": "refused", "message": reason, "fields": fields}}), 403 if isinstance(
                e, PermissionDenied) else (409 if isinstance(e, ConflictError) else 422)
        flash(_("Not moved: %(why)s", why=reason), "error")
        return redirect(url_for(".kanban", entity=entity, **filters))
    if wants_json:
        totals = board_totals(meta, filters)
        return jsonify({"ok": True, "version": moved.version,
                        "columns": {str(value): totals.get(value, totals[None]) for value, _ in columns_of(meta)}})
    flash(_("%(transition)s: done.", transition=label(done.label, done.name)) if done is not None else
          _("%(what)s saved.", what=entity_label(meta)))
    return redirect(url_for(".kanban", entity=entity, **filters))


def _move(meta, record_id: int, target: str, version):
    """The moved record (unchanged when it already was in ``target``) and the transition that moved it."""
    group = meta.kanban.group_by
    svc = service()
    current = svc.get(meta.name, record_id)
    if current.get(group) == target:
        return current, None
    workflow, transition = transition_to(meta, group, current.get(group), target)
    if workflow is None:
        return svc.update(meta.name, record_id, {group: target}, expected_version=version), None
    if transition is None:
        raise ValidationError({group: f"no transition leads from '{current.get(group)}' to '{target}'"})
    values = transition_values(meta, transition, request.form)
    return svc.transition(meta.name, record_id, transition.name, values, expected_version=version), transition


def _reason(error: Exception, meta) -> str:
    """The refusal as a user reads it: each field by its label ("Lost reason: is required ...")."""
    if isinstance(error, ValidationError):
        return "; ".join(v if k == "__all__" else f"{field_label(meta.fields[k]) if k in meta.fields else k}: {v}"
                         for k, v in error.fields.items())
    return str(error)


@bp.post("/app/<entity>/<int:record_id>/transition/<name>")
def transition(entity: str, record_id: int, name: str):
    """Run the workflow transition ``name`` from the record's page (its stage bar, a button or the dialog
    asking for the fields it requires: those posted values are saved with the move)."""
    meta = entity_or_404(entity)
    move = next((w.transitions[name] for w in runtime().metadata.workflows.values()
                 if w.entity == entity and name in w.transitions), None)
    if move is None:
        abort(404, description=f"{entity_label(meta)} has no transition '{name}'.")
    try:
        service().transition(entity, record_id, name, transition_values(meta, move, request.form),
                             expected_version=request.form.get("version") or None)
    except (ValidationError, ConflictError) as e:
        flash(_("Not done: %(why)s", why=_reason(e, meta)), "error")
    else:
        flash(_("%(transition)s: done.", transition=label(move.label, move.name)))
    return redirect(url_for("records.detail", entity=entity, record_id=record_id))
