"""The links inside campaign emails: open pixel, click redirect, one-click unsubscribe (``/m/...``, public).

Each link carries a token signed with the app's secret, naming one send record (and,
for a click, the URL the message linked to): a forged or altered token is refused with
404, and the redirect only ever goes to a URL that was signed into that message.
Hits by link scanners and prefetchers (a ``HEAD`` request, a known scanner's user
agent, or a hit within ``MARKETING_SCANNER_SECONDS`` of delivery) are answered but
not counted. Unsubscribing is a POST (RFC 8058 one-click from the mail client, or the
button of the confirmation page a GET shows), so a scanner following links cannot
unsubscribe anyone.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from trellis import public_blueprint, system_records
from trellis_plugins.marketing.messages import read_token
from trellis_plugins.marketing.sending import ACTOR, now_utc, suppress

bp = public_blueprint(Blueprint("marketing_public", __name__, url_prefix="/m"))

PIXEL = base64.b64decode(b"R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
SCANNERS = ("barracuda", "mimecast", "proofpoint", "symantec", "forcepoint", "trendmicro", "bitdefender",
            "safelinks", "urldefense", "messagelabs", "python-requests", "curl/", "wget/", "go-http-client",
            "headlesschrome", "bot", "spider", "crawler", "preview")
MAX_TOKEN = 2000


def _find(kind: str, text: str, entity: str = "marketing_send"):
    """(records, the record the token names, its URL), or 404 for a forged, altered or foreign token."""
    found = read_token(current_app, kind, text) if len(text) <= MAX_TOKEN else None
    if found is None:
        abort(404)
    records = system_records(ACTOR)
    record = records.query(entity).filter(id=found[0]).first()
    if record is None:
        abort(404)
    return records, record, found[1]


def is_scanner(send) -> bool:
    """True for a hit a person did not make: HEAD, a scanner's agent, or within seconds of delivery."""
    if request.method == "HEAD":
        return True
    agent = (request.headers.get("User-Agent") or "").lower()
    if not agent or any(name in agent for name in SCANNERS):
        return True
    seconds = float(current_app.config.get("MARKETING_SCANNER_SECONDS") or 0)
    sent = send["sent_at"]
    return sent is not None and now_utc() - sent < timedelta(seconds=seconds)


def _stamp(records, send, **values) -> None:
    fresh = {name: value for name, value in values.items() if send[name] is None}
    if fresh:
        records.update("marketing_send", send.id, fresh)


@bp.route("/o/<token>.gif", methods=["GET", "HEAD"])
def opened(token):
    """The open pixel: a 1x1 GIF; a person's first load stamps ``opened_at``."""
    records, send, _url = _find("o", token)
    if not is_scanner(send):
        _stamp(records, send, opened_at=now_utc())
    return Response(PIXEL, mimetype="image/gif", headers={"Cache-Control": "no-store"})


@bp.route("/c/<token>", methods=["GET", "HEAD"])
def clicked(token):
    """The click redirect: to the URL signed into the token; a person's click stamps ``clicked_at`` (and opened)."""
    records, send, url = _find("c", token)
    if not url or not url.startswith(("http://", "https://")):
        abort(404)
    if not is_scanner(send):
        now = now_utc()
        _stamp(records, send, clicked_at=now, opened_at=now)
    return redirect(url, code=302)


@bp.get("/u/<token>")
def unsubscribe_page(token):
    """The confirmation page: one button (a POST), so that a link scanner's GET changes nothing."""
    _records, send, _url = _find("u", token)
    return render_template("marketing/unsubscribe.html", token=token, email=send["email"],
                           done=send["unsubscribed_at"] is not None)


@bp.post("/u/<token>")
def unsubscribe(token):
    """Unsubscribe (RFC 8058 one-click POST, or the page's button): suppress the address, once."""
    records, send, _url = _find("u", token)
    if send["unsubscribed_at"] is None:
        unsubscribe_send(records, send)
    if request.form.get("List-Unsubscribe") == "One-Click":
        return Response("", status=200)
    return render_template("marketing/unsubscribe.html", token=token, email=send["email"], done=True)


@bp.get("/s/<token>")
def confirm_page(token):
    """Double opt-in: the confirmation page (a button, so that a link scanner confirms nothing)."""
    _records, subscription, _url = _find("s", token, "mailing_subscription")
    return render_template("marketing/confirm.html", token=token, email=subscription["email"],
                           done=subscription["status"] == "subscribed")


@bp.post("/s/<token>")
def confirm(token):
    """Double opt-in: the contact confirms; the subscription becomes ``subscribed``."""
    records, subscription, _url = _find("s", token, "mailing_subscription")
    if subscription["status"] == "pending":
        records.update("mailing_subscription", subscription.id, {"status": "subscribed", "confirmed_at": now_utc(),
                                                                 "consent_address": request.remote_addr})
    return render_template("marketing/confirm.html", token=token, email=subscription["email"], done=True)


def unsubscribe_send(records, send) -> None:
    """Stamp the send, suppress the address (on the campaign's list, else everywhere), end the subscription."""
    campaign = records.get("marketing_campaign", send["campaign"])
    on_list = campaign["mailing_list"]
    with records.transaction():
        records.update("marketing_send", send.id, {"unsubscribed_at": now_utc()})
        suppress(records, send["email"], "unsubscribed", on_list, f"campaign {campaign['name']}")
        if on_list:
            for sub in records.query("mailing_subscription").filter(mailing_list=on_list,
                                                                      contact=send["contact"]).iterate():
                records.update("mailing_subscription", sub.id, {"status": "unsubscribed"})
