"""The customer's pages, without signing in: the contact-support form, a ticket's status and its rating.

``/support/contact`` opens a ticket from a web form (name, email, subject, message; each
checked, with an error beside the field; nothing is saved unless all are right).

``/support/ticket/<token>`` shows the ticket's subject, state and the conversation (the
customer's messages and the replies; internal notes never); once resolved it asks for a
1-5 rating, saved by ``POST /support/ticket/<token>/rating``. The token is the ticket's id
signed with the site's secret (``itsdangerous``, a salt of this plugin's own), so it cannot
be guessed or changed into another ticket's. When a ticket is resolved its customer is
emailed the link (:func:`send_rating_request`).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from trellis import plugin_config, public_view, queue_email, system_records

SALT = "trellis-service-ticket-status"
FORM_LIMITS = {"name": 200, "email": 320, "subject": 200, "message": 20000}
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
SCORES = ("1", "2", "3", "4", "5")
MAX_COMMENT = 2000
THREAD = 100

bp = Blueprint("service_public", __name__)


def status_token(ticket_id: int) -> str:
    """The signed token of the ticket's status page."""
    return URLSafeSerializer(current_app.secret_key, salt=SALT).dumps(int(ticket_id))


def _ticket(token: str):
    try:
        ticket_id = URLSafeSerializer(current_app.secret_key, salt=SALT).loads(token)
    except BadSignature:
        abort(404)
    if not isinstance(ticket_id, int):
        abort(404)
    records = system_records("service")
    ticket = records.query("ticket").filter(id=ticket_id).first()
    if ticket is None:
        abort(404)
    return records, ticket


@bp.get("/support/ticket/<token>")
@public_view
def status(token):
    """The ticket's state and conversation; the rating form once it is resolved."""
    from trellis.web.labels import display

    records, ticket = _ticket(token)
    meta = records.metadata.entities
    thread = (records.query("ticket_message").filter(ticket=ticket.id, kind__in=["inbound", "outbound"])
              .order_by("created_at").page(size=THREAD, count=False).rows)
    chosen = request.args.get("score") if request.args.get("score") in SCORES else None
    return render_template("service/status.html", ticket=ticket, token=token, thread=thread, chosen=chosen,
                           state=display(meta["ticket"].fields["status"], ticket["status"]), scores=SCORES,
                           rateable=ticket["status"] in ("resolved", "closed"), max_comment=MAX_COMMENT)


@bp.post("/support/ticket/<token>/rating")
@public_view
def rate(token):
    """Save the customer's 1-5 rating and comment (once resolved); a wrong score is refused, nothing saved."""
    records, ticket = _ticket(token)
    score, comment = request.form.get("score", ""), request.form.get("comment", "")
    if ticket["status"] not in ("resolved", "closed"):
        abort(409)
    if score not in SCORES or len(comment) > MAX_COMMENT:
        flash(_("Choose a rating from 1 to 5 (and a comment of at most %(max)s characters).", max=MAX_COMMENT),
              "error")
        return redirect(url_for(".status", token=token)), 303
    with records.transaction():
        records.lock("ticket", ticket.id)
        records.update("ticket", ticket.id, {"rating": int(score), "rating_comment": comment.strip() or None})
    flash(_("Thank you for your rating!"), "success")
    return redirect(url_for(".status", token=token)), 303


def send_rating_request(ticket) -> None:
    """Email the customer of a just-resolved ticket a link to rate it (nothing without an address)."""
    if not ticket.get("email"):
        return
    base = str(plugin_config("service").get("public_url") or current_app.config.get("BASE_URL") or "").rstrip("/")
    link = f"{base}/support/ticket/{status_token(ticket.id)}"
    queue_email(ticket, ticket["email"], subject=_("How did we do? {{ subject }}"),
                body=_("Your request \"{{ subject }}\" is resolved.\nRate our answer from 1 to 5 here:\n%(link)s\n",
                       link=link))


@bp.route("/support/contact", methods=["GET", "POST"])
@public_view
def contact():
    """The contact-support form: a valid request opens a web ticket and shows where to follow it."""
    values = {key: (request.form.get(key) or "").strip() for key in FORM_LIMITS} if request.method == "POST" else {}
    errors = _form_errors(values) if request.method == "POST" else {}
    if request.method == "GET" or errors:
        return render_template("service/contact.html", values=values, errors=errors,
                               limits=FORM_LIMITS), 422 if errors else 200
    ticket = open_web_ticket(values)
    return redirect(url_for(".status", token=status_token(ticket.id))), 303


def _form_errors(values: dict) -> dict:
    errors = {}
    for key, limit in FORM_LIMITS.items():
        if not values.get(key) and key != "name":
            errors[key] = _("Required")
        elif len(values.get(key, "")) > limit:
            errors[key] = _("At most %(limit)s characters", limit=limit)
    if "email" not in errors and not EMAIL.match(values["email"]):
        errors["email"] = _("Not an email address")
    return errors


def open_web_ticket(values: dict):
    """The customer (found by email, else created), the ticket and its first message, in one transaction."""
    records = system_records("service")
    address = values["email"].lower()
    with records.transaction():
        person = records.query("contact").filter(email=address).first()
        if person is None:
            first, _space, last = values.get("name", "").rpartition(" ")
            person = records.create("contact", {"first_name": first or None, "last_name": last or address,
                                                "email": address})
        ticket = records.create("ticket", {"subject": values["subject"], "description": values["message"],
                                           "contact": person.id, "email": address, "channel": "web"})
        records.create("ticket_message", {"ticket": ticket.id, "kind": "inbound", "sender": address,
                                          "subject": values["subject"], "body": values["message"]})
    return ticket
