"""Subscriptions with consent, and double opt-in: on such a list a new subscription waits for the contact.

A subscription takes its address from the contact when none is given. On a list with
``double_opt_in`` it starts ``pending`` and a confirmation email with a signed link is
queued (sent after the write commits); the contact's POST from that link makes it
``subscribed`` and stamps ``confirmed_at``. Only ``subscribed`` members receive campaigns.
"""

from __future__ import annotations

from flask_babel import gettext as _


def before_save(record, context) -> None:
    """Fill the address from the contact; a new subscription on a double opt-in list starts pending."""
    if record["contact"] and not record["email"]:
        record["email"] = context.system.get("contact", record["contact"])["email"]
    if record.id is None and record["status"] in (None, "subscribed") and not record["confirmed_at"]:
        listed = context.system.get("mailing_list", record["mailing_list"])
        if listed["double_opt_in"]:
            record["status"] = "pending"


def after_save(record, changes, context) -> None:
    """A new pending subscription: queue the confirmation email."""
    from flask import current_app
    from trellis import queue_email
    from trellis_plugins.marketing.messages import token
    from trellis_plugins.marketing.sending import public_base

    created = changes.get("mailing_list", (0,))[0] is None     # a new record: every field changed from None
    if not created or record["status"] != "pending" or not record["email"]:
        return
    base = public_base(current_app)
    link = f"{base}/m/s/{token(current_app, 's', record.id)}"
    listed = context.system.get("mailing_list", record["mailing_list"])
    queue_email(record, record["email"], subject=_("Please confirm your subscription to %(name)s",
                                                   name=listed["name"]).replace("{", "(").replace("}", ")"),
                body=_("Confirm your subscription by opening this link:") + "\n\n" + link + "\n")
