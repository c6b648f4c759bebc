"""Support email in: a new message opens a ticket, a reply joins its thread, the customer gets an auto-reply.

A reply is recognised by its ``In-Reply-To``/``References`` (the Message-ID of a message
already in a thread) or by the ticket's token in the subject (``[#T12-3f9a0c1b2d4e]``),
an HMAC of the ticket and its customer's address: both count only when the sender is
that ticket's customer, so a token or a Message-ID copied into another customer's email
opens a new ticket instead of reading or writing someone else's thread. Machines
(auto-replies, bulk and no-reply senders) get no auto-reply, which stops mail loops.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app
from flask_babel import gettext as _
from trellis import queue_email, system_records

TOKEN = re.compile(r"\[#T(\d{1,12})-([0-9a-f]{12})\]")
MAX_TEAMS = 500
MAX_BODY = 200_000


def token(ticket_id: int, address: str) -> str:
    """The ticket's token for its customer at ``address``: ``T<id>-<12 hex digits of an HMAC>``."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"service-ticket:{ticket_id}:{address.lower()}".encode(), hashlib.sha256).hexdigest()
    return f"T{ticket_id}-{digest[:12]}"


def receive(message) -> str | None:
    """Store ``message`` if it is for a support address; what was done, or None when it is not ours."""
    records = system_records("service")
    with records.transaction():
        team = _team(records, message.recipients)
        if team is False:
            return None
        known = _known(records, message)
        if message.message_id and message.message_id in known:
            return "already received"
        ticket = _thread(records, message, known)
        if ticket is not None:
            _add(records, ticket, message)
            return f"added to ticket #{ticket.id}"
        ticket = _open(records, message, team)
        if not message.is_automatic():
            mark = token(ticket.id, message.sender)
            queue_email(ticket, message.sender, subject=_("Re: {{ subject }} [#%(token)s]", token=mark),
                        body=_("Hello,\n\nwe have received your message \"{{ subject }}\" and opened ticket "
                               "#%(number)s.\nReply to this email (keep the number in the subject) to add to it.\n",
                               number=ticket.id))
        return f"opened ticket #{ticket.id}"


def _team(records, recipients):
    """The support team one of ``recipients`` belongs to; None for the desk's catch-all; False: not ours.

    Without any team address every message is the desk's; with some, only theirs.
    """
    teams = records.query("support_team").order_by("id").page(size=MAX_TEAMS, count=False).rows
    addresses = {str(team["email"]).lower(): team for team in teams if team.get("email")}
    if not addresses:
        return None
    return next((addresses[address] for address in recipients if address in addresses), False)


def _known(records, message) -> dict[str, int]:
    """Message-ID -> ticket of the stored messages this one is, or answers (one query)."""
    ids = [i for i in (message.message_id, *message.references) if i]
    if not ids:
        return {}
    rows = records.query("ticket_message").filter(message_header__in=ids).order_by("id").page(
        size=len(ids) + 1, count=False).rows
    return {row["message_header"]: row["ticket"] for row in rows}


def _thread(records, message, known: dict[str, int]):
    """The ticket ``message`` answers, when its sender is that ticket's customer."""
    candidates = [known[reference] for reference in reversed(message.references) if reference in known][:1]
    for number, signature in TOKEN.findall(message.subject):
        if hmac.compare_digest(token(int(number), message.sender), f"T{number}-{signature}"):
            candidates.append(int(number))
    for ticket_id in candidates:
        ticket = records.query("ticket").filter(id=ticket_id).first()
        if ticket is not None and (ticket.get("email") or "").lower() == message.sender:
            return ticket
    return None


def _open(records, message, team):
    contact = records.query("contact").filter(email=message.sender).first()
    if contact is None:
        first, _, last = (message.sender_name or message.sender.partition("@")[0]).strip().rpartition(" ")
        contact = records.create("contact", {"first_name": first[:100] or None, "last_name": last[:100] or "-",
                                             "email": message.sender})
    values = {"subject": (message.subject or "(no subject)")[:200], "contact": contact.id, "email": message.sender,
              "channel": "email", "description": _body(message)[:20000]}
    if team:
        values["team"] = team.id
    if contact.get("company"):
        values["company"] = contact["company"]
    ticket = records.create("ticket", values)
    _add(records, ticket, message)
    return ticket


def _add(records, ticket, message) -> None:
    from trellis_plugins.service.attachments import store

    saved = records.create("ticket_message", {
        "ticket": ticket.id, "kind": "inbound", "sender": message.sender[:320], "subject": message.subject[:200],
        "body": _body(message), "body_html": message.html[:MAX_BODY] or None,
        "message_header": (message.message_id or "")[:998] or None,
        "attachments": [{"name": a.filename[:200], "type": a.content_type[:100], "size": a.size}
                        for a in message.attachments] or None})
    if message.attachments:
        records.update("ticket_message", saved.id, {"attachments": store(records, ticket.id, saved.id,
                                                                         message.attachments)})


def _body(message) -> str:
    if message.text:
        return message.text[:MAX_BODY]
    import nh3

    return " ".join(nh3.clean(message.html, tags=set()).split())[:MAX_BODY]
