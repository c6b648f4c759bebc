"""The admin pages under ``/admin``: automation runs, webhook subscriptions and users.

Who may open them is asked of the one place that decides permissions, the
``Access`` service: ``can(user, "administer", "*")``, true for administrators
only. Anyone else gets a 404, so the pages do not announce themselves. Changes
made here go through the same functions as ``trellis webhook`` and friends.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from trellis.data.access import access_for
from trellis.runtime import runtime
from trellis.security.roles import ADMINISTER
from trellis.web.labels import entity_label, label
from trellis.web.pages import current_user_object, register_errors, service

bp = Blueprint("admin", __name__, url_prefix="/admin")
OUTCOMES = ("ok", "failed", "skipped")


@bp.app_template_global()
def may_administer(user) -> bool:
    """True when ``user`` may open the admin pages (the ``Access`` service's answer)."""
    return access_for(current_app._get_current_object()).can(user, ADMINISTER, "*")


@bp.before_request
def only_administrators():
    """Every admin page: a 404 for anyone who may not administer."""
    if not may_administer(current_user_object()):
        abort(404)


@bp.get("/")
def index():
    """The admin home: links to each admin page."""
    return render_template("admin/index.html", title=_("Administration"), api=True)


@bp.get("/automation-runs")
def automation_runs():
    """The latest automation runs, newest first, narrowed by ``?automation=`` and ``?outcome=``."""
    from trellis.automation.runs import recent_runs

    automation = request.args.get("automation") or None
    outcome = request.args.get("outcome") if request.args.get("outcome") in OUTCOMES else None
    metadata = runtime().metadata
    names = sorted(metadata.automations)
    runs = recent_runs(current_app._get_current_object(), limit=200, automation=automation, outcome=outcome)
    return render_template("admin/runs.html", title=_("Automation runs"), runs=runs, names=names,
                           automation=automation, outcome=outcome, outcomes=OUTCOMES,
                           automation_names={name: label(a.label, name) for name, a in metadata.automations.items()},
                           entity_names=_entity_names(metadata))


def _entity_names(metadata) -> dict[str, str]:
    """``{entity name: its label in the user's language}``."""
    return {name: entity_label(meta) for name, meta in metadata.entities.items()}


@bp.get("/webhooks")
def webhooks():
    """Every webhook subscription with its last delivery, and a form to add one."""
    return _webhooks_page()


@bp.post("/webhooks")
def add_webhook():
    """Subscribe a URL to an entity's events; the signing secret is shown once, on this answer."""
    from trellis.api.webhooks import EVENTS
    from trellis.api.webhooks import add_webhook as subscribe

    events = [e for e in request.form.getlist("events") if e in EVENTS]
    try:
        hook_id, secret = subscribe(current_app._get_current_object(), request.form.get("url", "").strip(),
                                    request.form.get("entity", ""), events)
    except ValueError as e:
        return _webhooks_page(error=str(e)), 422
    return _webhooks_page(created=(hook_id, secret)), 201


@bp.post("/webhooks/<int:webhook_id>/rotate")
def rotate_webhook_secret(webhook_id: int):
    """Give one subscription a new signing secret, shown once on this answer."""
    from trellis.api.webhooks import rotate_secret

    secret = rotate_secret(current_app._get_current_object(), webhook_id)
    if secret is None:
        abort(404)
    return _webhooks_page(shown=(_("Webhook #%(id)s has a new signing secret. It is shown only now:",
                                   id=webhook_id), secret))


@bp.post("/webhooks/secrets/<name>")
def set_automation_secret(name: str):
    """Generate (or replace) the named signing secret of automation webhooks, shown once on this answer."""
    from trellis.automation.webhook_secrets import set_secret

    try:
        secret = set_secret(current_app._get_current_object(), name)
    except ValueError:
        abort(404)
    return _webhooks_page(shown=(_("Automation webhook secret '%(name)s'. It is shown only now:", name=name),
                                 secret))


@bp.post("/webhooks/<int:webhook_id>/remove")
def remove_webhook(webhook_id: int):
    """Stop one subscription."""
    from trellis.api.webhooks import remove_webhook as unsubscribe

    if not unsubscribe(current_app._get_current_object(), webhook_id):
        abort(404)
    flash(_("Webhook #%(id)s removed.", id=webhook_id))
    return redirect(url_for(".webhooks"))


def _webhooks_page(error: str | None = None, created: tuple[int, str] | None = None,
                   shown: tuple[str, str] | None = None):
    from sqlalchemy import select
    from trellis.api.webhooks import EVENTS, delivery_summary
    from trellis.automation.webhook_secrets import secret_names
    from trellis.data.unit import unit_of_work

    app = current_app._get_current_object()
    table = runtime().tables.api.webhooks
    with unit_of_work(app, write=False) as connection:
        rows = connection.execute(select(table).order_by(table.c.id)).mappings().all()
    deliveries = delivery_summary(app)
    hooks = []
    for row in rows:
        count, last = deliveries.get(row["id"], (0, None))
        hooks.append({**row, "events": json.loads(row["events"]), "last": last, "attempts": count})
    metadata = runtime().metadata
    entities = sorted(metadata.entities)
    return render_template("admin/webhooks.html", title=_("Webhooks"), hooks=hooks, entities=entities,
                           entity_names=_entity_names(metadata),
                           events=EVENTS, error=error, created=created, shown=shown, form=request.form,
                           secrets=secret_names(app))


@bp.get("/users")
def users():
    """Every user with their roles, active flag and when their password last changed."""
    from sqlalchemy import select
    from trellis.data.unit import unit_of_work
    from trellis.security.accounts import credentials

    rows = service().query("user").order_by("email").page(size=500, count=False).rows
    table = credentials(current_app._get_current_object())
    with unit_of_work(current_app._get_current_object(), write=False) as connection:
        found = {r["user_id"]: r for r in connection.execute(
            select(table.c.user_id, table.c.is_admin, table.c.roles, table.c.changed_at, table.c.password_hash,
                   table.c.totp_secret)).mappings()}
    people = []
    for row in rows:
        credential = found.get(row["id"])
        roles = json.loads(credential["roles"] or "[]") if credential else []
        if credential and credential["is_admin"]:
            roles = ["admin", *roles]
        people.append({"user": row, "roles": roles, "changed_at": credential["changed_at"] if credential else None,
                       "invited": bool(credential) and not credential["password_hash"],
                       "two_step": bool(credential and credential["totp_secret"])})
    metadata = runtime().metadata
    choices = [("admin", _("Administrator"))] + sorted(((name, label(role.label, name)) for name, role in
                                                         metadata.roles.items()), key=lambda c: c[1])
    return render_template("admin/users.html", title=_("Users"), people=people, choices=choices)


register_errors(bp)
