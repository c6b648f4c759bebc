"""Workflow approvals in the web interface: the record page's approvals panel and timeline entries,
the approve and reject buttons' routes, and ``/approvals/delegations`` (a user's own delegations while away).

Approving goes through the record service's transition (which counts the approval and
checks that the user is an approver); rejecting through
:meth:`trellis.automation.approvals.Approvals.reject`. Both answer 403 to a user who is
not an approver of the current level, and show a refusal (already counted, rejected)
on the record's page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from trellis.errors import ValidationError
from trellis.runtime import runtime
from trellis.web.labels import label
from trellis.web.pages import current_user_object, entity_or_404, register_errors, service

bp = Blueprint("approvals", __name__)


def _approvals():
    return runtime(current_app).approvals


def _approval_transition(entity: str, name: str):
    for workflow in runtime().metadata.workflows.values():
        move = workflow.transitions.get(name) if workflow.entity == entity else None
        if move is not None and move.approval is not None:
            return move
    abort(404, description=f"{entity} has no transition '{name}' that needs approval.")


@bp.post("/app/<entity>/<int:record_id>/approval/<name>/approve")
def approve(entity: str, record_id: int, name: str):
    """Approve the current level of transition ``name`` (403 when the user is not one of its approvers)."""
    entity_or_404(entity)
    move = _approval_transition(entity, name)
    try:
        record = service().transition(entity, record_id, name)
    except ValidationError as e:
        flash(_("Not done: %(why)s", why="; ".join(e.fields.values())), "error")
    else:
        done = any(w.entity == entity and record.get(w.field) == move.target
                   for w in runtime().metadata.workflows.values() if name in w.transitions)
        flash(_("%(transition)s: done.", transition=label(move.label, move.name)) if done
              else _("Your approval is recorded; the next approvers are asked."))
    return redirect(url_for("records.detail", entity=entity, record_id=record_id))


@bp.post("/app/<entity>/<int:record_id>/approval/<name>/reject")
def reject(entity: str, record_id: int, name: str):
    """Reject transition ``name``: it will not run (403 when the user is not one of the current approvers)."""
    entity_or_404(entity)
    move = _approval_transition(entity, name)
    try:
        _approvals().reject(service(), entity, record_id, name)
    except ValidationError as e:
        flash(_("Not done: %(why)s", why="; ".join(e.fields.values())), "error")
    else:
        flash(_("%(transition)s: rejected.", transition=label(move.label, move.name)))
    return redirect(url_for("records.detail", entity=entity, record_id=record_id))


@bp.get("/approvals/delegations")
def delegations(errors: dict[str, str] | None = None, status: int = 200):
    """The signed-in user's delegations (who approves for them while they are away), and a form for one."""
    user = current_user_object()
    rows = [{**row, "delegate_name": _user_name(row["delegate_id"])} for row in _approvals().delegations(user.id)]
    return render_template("approvals/delegations.html", title=_("Delegations"), delegations=rows,
                           errors=errors or {}, form=request.form), status


@bp.post("/approvals/delegations")
def add_delegation():
    """Delegate the signed-in user's approvals to another user (by email) between two dates."""
    from trellis.security.accounts import find_user_id

    errors: dict[str, str] = {}
    delegate = find_user_id(current_app._get_current_object(), request.form.get("delegate", "").strip()[:254])
    if delegate is None:
        errors["delegate"] = _("No user with this email")
    starts, ends = _date(request.form, "starts_on", errors), _date(request.form, "ends_on", errors)
    if not errors:
        try:
            _approvals().delegate(current_user_object().id, delegate, starts, ends)
        except ValidationError as e:
            errors = e.fields
    if errors:
        return delegations(errors, 422)
    flash(_("Delegation saved."))
    return redirect(url_for(".delegations"))


@bp.post("/approvals/delegations/<int:delegation_id>/delete")
def end_delegation(delegation_id: int):
    """End one of the signed-in user's own delegations (another user's is a 404, like a missing one)."""
    if not _approvals().end_delegation(current_user_object().id, delegation_id):
        abort(404)
    flash(_("Delegation ended."))
    return redirect(url_for(".delegations"))


def _date(form, name: str, errors: dict[str, str]) -> date | None:
    text = form.get(name, "").strip()[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Enter a date like 2027-05-31")
        return None


# --- the record page -------------------------------------------------------------------------

def panel_values(entity: str, record) -> dict[str, Any]:
    """What the approvals panel shows: per transition waiting for approval, its levels and who decided."""
    approvals = _approvals()
    user = current_user_object()
    shown = []
    for state in approvals.states(record):
        approval = state.transition.approval
        levels = []
        for index, level in enumerate(approval.levels):
            decisions = [_decision(d) for d in state.decisions if d.level == index]
            if index in state.skipped:
                where = "skipped"
            elif index < state.level or (index == state.level and state.status == "approved"):
                where = "approved"
            elif index == state.level and state.status in ("rejected", "pending"):
                where = "rejected" if state.status == "rejected" else "waiting"
            elif state.status == "pending" and approvals.applies(level, record, state.level_started_at):
                where = "later"
            else:
                where = "skipped"
            pending = index == state.level and state.status == "pending"
            levels.append({"label": label(level.label, level.name), "state": where, "state_text": _state_text(where),
                           "decisions": decisions,
                           "required": level.required,
                           "approvers": _who(approvals, level.approvers, record),
                           "escalated_to": _who(approvals, level.escalate_to, record)
                           if pending and state.escalated else [],
                           "deadline": approvals.deadline(level, state.level_started_at)
                           if pending and level.escalate_after and not state.escalated else None})
        shown.append({"name": state.transition.name, "label": label(state.transition.label, state.transition.name),
                      "status": state.status, "levels": levels,
                      "may_decide": approvals.may_decide(state, record, user.id)})
    return {"approvals": shown}


def _state_text(state: str) -> str:
    return {"skipped": _("not needed"), "approved": _("approved"), "rejected": _("rejected"),
            "waiting": _("waiting"), "later": _("later")}[state]


def _decision(decision) -> dict[str, Any]:
    on_behalf = decision.approver_id if decision.approver_id != decision.user_id else None
    return {"decision": decision.decision, "at": decision.at, "who": _user_name(decision.user_id),
            "for": _user_name(on_behalf) if on_behalf else ""}


def _who(approvals, approvers, record) -> list[str]:
    roles = runtime().metadata.roles
    names = []
    for approver in approvers:
        if approver.kind == "role":
            role = roles.get(approver.role)
            names.append(_("anyone with the role %(role)s",
                           role=label(role.label if role else {}, approver.role)))
        else:
            user = approvals.user_of(approver, record)
            names.append(_user_name(user) if user is not None else _("nobody (not filled in)"))
    return names


def _user_name(user_id: Any) -> str:
    if user_id is None:
        return ""
    from trellis.data.records import records_for

    found = records_for(current_app._get_current_object()).query("user").filter(id=user_id).first()
    return (found.get("name") or found.get("email")) if found is not None else f"#{user_id}"


def timeline(entity: str, record, records) -> list:
    """The record's approval decisions and escalations as timeline entries."""
    from trellis.plugins.types import TimelineEntry

    words = {"approve": _("approved"), "reject": _("rejected"), "escalated": _("escalated")}
    entries = []
    for state in _approvals().states(record):
        approval = state.transition.approval
        step = label(state.transition.label, state.transition.name)
        for d in state.decisions:
            level = approval.levels[d.level] if d.level < len(approval.levels) else None
            where = label(level.label, level.name) if level else str(d.level + 1)
            text = _("%(transition)s, step %(level)s: %(decision)s", transition=step, level=where,
                     decision=words.get(d.decision, d.decision))
            if d.approver_id is not None and d.approver_id != d.user_id:
                text += " " + _("(for %(name)s)", name=_user_name(d.approver_id))
            entries.append(TimelineEntry("approval", d.at, d.user_id, text, label=_("Approval")))
    return entries


def entity_has_approvals(entity: str) -> bool:
    """True when one of ``entity``'s workflows has a transition that needs approval."""
    return any(t.approval is not None for w in runtime(current_app).metadata.workflows.values()
               if w.entity == entity for t in w.transitions.values())


register_errors(bp)
