"""Sending a campaign: the audience materialised as send records, each claimed once, throttled, resumable.

Scheduling a campaign writes one ``marketing_send`` per recipient (:func:`materialise`):
the mailing list's subscribers and the segment's contacts, one per address, with
``suppressed`` for those who may not be emailed. The ``marketing_send`` job
(:func:`send_campaign`) then claims recipients a batch at a time: under the campaign's
lock, ``queued`` becomes ``sending`` (only one sender can win) and is committed *before*
the SMTP conversations, which share one connection; the outcomes (``sent``...) are
written together, one ``update_many`` per batch (as are the claims), and always before the
sender waits for its throttle. A sender killed mid-batch leaves its rows ``sending``: the next run sends them
with the same ``Message-ID`` (those the server had accepted are then duplicates the
recipient's mail system can recognise; none when the kill came during a throttle pause),
and nobody else is sent twice.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from trellis import ValidationError, system_records
from trellis_plugins.marketing.delivery import Pacer, Postbox

JOB = "marketing_send"
ACTOR = "marketing"
ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
BATCH = 500
CLAIM = 100
"""Recipients claimed, and their outcomes written, per transaction..."""
CLAIM_SECONDS = 30
"""...and no more than the campaign's rate sends in this many seconds (claims go stale after ``STALE``)."""
STALE = timedelta(minutes=10)


def now_utc() -> datetime:
    """The current time (UTC); tests fix it through ``MARKETING_NOW``."""
    return datetime.now(UTC)


def _recipients(records, campaign, today):
    """(contact id, email, do_not_contact) of the campaign's audience: list subscribers and segment members."""
    from sqlalchemy import select, union
    from trellis_plugins.marketing import segments

    contacts = records.query("contact")
    table = contacts.table
    sources = []
    if campaign["mailing_list"]:
        subs = records.query("mailing_subscription")
        sources.append(select(subs.column("contact")[0].label("id")).where(
            subs.column("mailing_list")[0] == campaign["mailing_list"], subs.column("status")[0] == "subscribed"))
    if campaign["segment"]:
        sources.append(segments.statement(records, segments.find(records, campaign["segment"]), today))
    wanted = union(*sources).subquery() if len(sources) > 1 else sources[0].subquery()
    email, dnc = contacts.column("email")[0], contacts.column("do_not_contact")[0]
    return contacts.aggregate(lambda dialect: select(table.c.id, email, dnc).where(
        table.c.id.in_(select(wanted.c[wanted.c.keys()[0]]))).order_by(table.c.id))


def suppressed_addresses(records, mailing_list: int | None) -> set[str]:
    """Lower-cased addresses suppressed everywhere or on ``mailing_list``."""
    from sqlalchemy import or_, select

    query = records.query("marketing_suppression")
    email, on_list = query.column("email")[0], query.column("mailing_list")[0]
    where = or_(on_list.is_(None), on_list == mailing_list) if mailing_list else on_list.is_(None)
    return {row[0].lower() for row in query.aggregate(lambda dialect: select(email).where(where)) if row[0]}


def materialise(records, campaign, today) -> int:
    """Write the campaign's send records (queued, held for an A/B test, or suppressed); returns how many.

    Addresses are de-duplicated (the first contact of an address receives); contacts with
    ``do_not_contact``, no address, or a suppressed address get a ``suppressed`` record, so
    that sent + deferred + bounced + suppressed always adds up to the audience.
    """
    blocked = suppressed_addresses(records, campaign["mailing_list"])
    seen: set[str] = set()
    rows = []
    for contact_id, email, dnc in _recipients(records, campaign, today):
        address = (email or "").strip().lower()
        if address and address in seen:
            continue
        seen.add(address)
        status = "suppressed" if (not address or dnc or address in blocked) else "queued"
        rows.append({"campaign": campaign.id, "contact": contact_id, "email": email, "status": status,
                     "variant": "A", "error": _why(address, dnc, blocked) if status == "suppressed" else None})
    _split_for_ab(campaign, rows)
    domain = campaign_domain(records)
    for start in range(0, len(rows), BATCH):
        created = records.create_many("marketing_send", rows[start:start + BATCH])
        failed = [r for r in created if isinstance(r, Exception)]
        if failed:
            raise failed[0]
        records.update_many("marketing_send", {send.id: {"message_key": f"<mkt-{send.id}-{campaign.id}@{domain}>"}
                                               for send in created})
    return len(rows)


def _why(address: str, dnc, blocked: set[str]) -> str:
    if not address:
        return "no email address"
    return "do not contact" if dnc else "suppressed address"


def _split_for_ab(campaign, rows: list[dict]) -> None:
    """With a second subject and a sample: the sample splits into A and B; the rest waits for the winner."""
    sample = int(campaign["ab_sample"] or 0)
    if not campaign["subject_b"] or sample <= 0:
        return
    live = [row for row in rows if row["status"] == "queued"]
    size = max(1, len(live) * sample // 100)
    for n, row in enumerate(live):
        if n < 2 * size:
            row["variant"] = "AB"[n % 2]
        else:
            row["status"], row["variant"] = "held", None


def campaign_domain(records) -> str:
    """The domain of Message-IDs: the sender's address's domain."""
    from flask import current_app

    sender = sender_address(current_app.config.get("SMTP_URL"))
    return sender.rpartition("@")[2] or "localhost"


def sender_address(url: str | None) -> str:
    """The From address: ``?from=`` of the SMTP URL, else ``marketing@localhost``."""
    if not url:
        return "marketing@localhost"
    return parse_qs(urlsplit(url).query).get("from", ["marketing@localhost"])[0]


def classify(code: int, text: str) -> str:
    """``hard`` or ``soft`` for an SMTP error: by its enhanced status code (5.x.x hard), else by its reply code."""
    found = ENHANCED.search(text or "")
    klass = found.group(1) if found else str(code)[:1]
    return "hard" if klass == "5" else "soft"


def public_base(app) -> str:
    """The site's public address for links in messages: ``MARKETING_BASE_URL``, else core's ``BASE_URL``."""
    config = app.config
    return str(config.get("MARKETING_BASE_URL") or config.get("BASE_URL") or "http://localhost:5000").rstrip("/")


def claim(records, campaign_id: int, send_ids: list[int], blocked: set[str], stale_before: datetime) -> list:
    """Move the recipients ``send_ids`` of campaign ``campaign_id`` from ``queued`` (or ``sending`` left before
    ``stale_before`` by a dead sender) to ``sending``, in one transaction; returns those claimed, in order.

    Under the campaign's lock, so two senders never claim the same recipient; a recipient
    another sender has, or that is done, is left out; a suppressed address is marked so.
    """
    from sqlalchemy import select

    changes: dict[int, dict] = {}
    with records.transaction():
        records.lock("marketing_campaign", campaign_id)
        sends = records.query("marketing_send")
        table = sends.table
        wanted = [table.c.id] + [sends.column(name)[0] for name in ("status", "email", "attempts")]
        rows = sends.aggregate(lambda dialect: select(*wanted, table.c.updated_at)   # the few columns it needs
                               .where(table.c.id.in_(send_ids)).order_by(table.c.id))
        for send_id, status, email, attempts, updated_at in rows:
            crashed = status == "sending" and _aware(updated_at) < stale_before
            if status != "queued" and not crashed:
                continue
            if (email or "").lower() in blocked:
                changes[send_id] = {"status": "suppressed", "error": "suppressed address"}
            else:
                changes[send_id] = {"status": "sending", "attempts": (attempts or 0) + 1}
        saved = records.update_many("marketing_send", changes)   # one call: the batch's claims
    return [send for send in saved if send["status"] == "sending"]


class Outcomes:
    """Outcomes of delivered messages, written together by :meth:`flush` (one ``update_many``)."""

    def __init__(self, records):
        self.records = records
        self.waiting: dict[int, dict] = {}

    def add(self, send_id: int, values: dict) -> None:
        """Remember ``values`` for send record ``send_id`` until the next flush."""
        self.waiting.setdefault(send_id, {}).update(values)

    def flush(self) -> None:
        """Write every remembered outcome (one transaction, one statement per set of fields)."""
        if not self.waiting:
            return
        self.records.update_many("marketing_send", self.waiting)
        self.waiting = {}


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def send_campaign(app, payload: dict) -> dict:
    """The ``marketing_send`` job: send every queued recipient of ``payload["campaign"]``; returns the tally.

    Resumable: run it again after a crash and it carries on where the last run stopped. A
    recipient left ``sending`` is taken again once it is ``STALE`` (its sender is surely
    dead), or at once with ``payload["resume"]`` (``trellis marketing send --resume``,
    when the operator knows no other sender runs).
    """
    from flask import current_app
    from trellis_plugins.marketing.messages import Composer

    records = system_records(ACTOR, app)
    campaign = records.get("marketing_campaign", int(payload["campaign"]))
    if campaign["status"] in ("cancelled", "sent", "draft"):
        return {}
    if campaign["status"] == "scheduled":
        campaign = _move(records, campaign.id, "scheduled", "start") or campaign
    waiting = _pending(records, campaign.id)
    if not waiting:
        finish_if_done(records, campaign.id)
        return {}
    url = current_app.config.get("SMTP_URL")
    if not url:
        raise RuntimeError("TRELLIS_SMTP_URL is not set: cannot send a campaign")
    template = records.get("email_template", campaign["template"])
    base = public_base(current_app)
    sender = sender_address(url)
    blocked = suppressed_addresses(records, campaign["mailing_list"])
    stale_before = now_utc() - (timedelta(0) if payload.get("resume") else STALE)
    rate = int(campaign["rate"] or 600)
    size = max(1, min(CLAIM, rate * CLAIM_SECONDS // 60))
    pacer = Pacer(rate, current_app.config.get("MARKETING_DOMAIN_RATES") or {})
    tally = {"sent": 0, "bounced": 0, "deferred": 0}
    subjects = {"A": template["subject"], "B": campaign["subject_b"] or template["subject"]}
    composer = Composer(app, base, sender, subjects, template["body"], campaign["utm_campaign"] or campaign["name"])
    outcomes, postbox = Outcomes(records), Postbox(url, int(current_app.config.get("MARKETING_SMTP_CONNECTIONS") or 4))
    under_way: list = []

    def settle() -> None:   # the outcomes of the messages handed to the server so far
        while under_way:
            send, delivery = under_way.pop(0)
            tally[_settled(records, send, delivery, outcomes)] += 1

    try:
        for start in range(0, len(waiting), size):
            claimed = claim(records, campaign.id, waiting[start:start + size], blocked, stale_before)
            contacts = _contacts(records, [send["contact"] for send in claimed])
            while claimed:
                position, pause = pacer.pick(claimed)
                send = claimed.pop(position)
                if pause > 0:   # nothing delivered stays unrecorded while the sender waits
                    settle()
                    outcomes.flush()
                    time.sleep(pause)
                pacer.took(send["email"])
                message = _compose(composer, send, contacts[send["contact"]], outcomes)
                if message is None:
                    tally["deferred"] += 1
                else:
                    under_way.append((send, postbox.submit(message)))
            settle()
            outcomes.flush()
    finally:   # after an error: what the server accepted is recorded as sent, the rest stays claimed
        postbox.close()
        for send, delivery in under_way:
            if delivery.exception() is None:
                outcomes.add(send.id, _sent())
        outcomes.flush()
    finish_if_done(records, campaign.id)
    return tally


def _contacts(records, ids: list[int]) -> dict:
    """The contacts ``ids`` by id (one query)."""
    if not ids:
        return {}
    return {person.id: person for person in records.query("contact").filter(id__in=ids).iterate(batch=CLAIM)}


def _compose(composer, send, contact, outcomes: Outcomes):
    """The message of one claimed recipient; None (the recipient deferred) when the sandbox refused the template."""
    from jinja2 import TemplateError

    try:
        return composer.message(send, contact)
    except TemplateError as error:   # the sandbox refused something: this recipient waits, the rest go
        outcomes.add(send.id, {"status": "deferred", "error": f"template: {error}"[:500]})
        return None


def _sent() -> dict:
    return {"status": "sent", "sent_at": now_utc(), "error": None}


def _pending(records, campaign_id: int) -> list[int]:
    """The ids of the campaign's recipients still to send (one query of ids, not whole records)."""
    from sqlalchemy import select

    query = records.query("marketing_send").filter(campaign=campaign_id, status__in=["sending", "queued"])
    table = query.table
    return [row[0] for row in query.aggregate(lambda dialect: select(table.c.id).order_by(table.c.id))]


def _settled(records, send, delivery, outcomes: Outcomes) -> str:
    """Record how the server answered one message (``delivery``, a Future): ``sent``, ``bounced`` (suppressed at
    once) or ``deferred``; other errors (the server unreachable) are raised, the recipient staying claimed."""
    import smtplib

    try:
        delivery.result()
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()))
        return _bounced(records, send, code, text.decode(errors="replace") if isinstance(text, bytes) else str(text))
    except smtplib.SMTPResponseException as error:
        reply = error.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return _bounced(records, send, error.smtp_code, text)
    outcomes.add(send.id, _sent())
    return "sent"


def _bounced(records, send, code: int, text: str) -> str:
    from flask import current_app

    kind = classify(code, text)
    error = f"{code} {text}"[:500]
    with records.transaction():
        if kind == "hard":
            records.update("marketing_send", send.id, {"status": "bounced", "error": error})
            suppress(records, send["email"], "hard_bounce", None, error)
            return "bounced"
        records.update("marketing_send", send.id, {"status": "deferred", "error": error})
        limit = int(current_app.config.get("MARKETING_SOFT_BOUNCES") or 3)
        soft = records.query("marketing_send").filter(email=send["email"], status="deferred").count(cap=limit)[0]
        if soft >= limit:
            suppress(records, send["email"], "soft_bounces", None, error)
    return "deferred"


def suppress(records, email: str, reason: str, mailing_list: int | None, note: str | None = None):
    """Add ``email`` to the suppression list (everywhere, or on ``mailing_list``) unless it is already there."""
    if not email:
        return None
    existing = records.query("marketing_suppression").filter(email=email.lower(), mailing_list=mailing_list).first()
    if existing is not None:
        return existing
    return records.create("marketing_suppression", {"email": email.lower(), "mailing_list": mailing_list,
                                                    "reason": reason, "note": (note or "")[:500] or None})


def finish_if_done(records, campaign_id: int) -> bool:
    """Mark the campaign sent when no recipient is queued, sending or held."""
    left = records.query("marketing_send").filter(campaign=campaign_id, status__in=["queued", "sending", "held"])
    return left.first() is None and _move(records, campaign_id, "sending", "finish") is not None


def _move(records, campaign_id: int, status: str, transition: str):
    """Apply ``transition`` when the campaign is still in ``status`` (under its lock: senders may race)."""
    with records.transaction():
        if records.lock("marketing_campaign", campaign_id)["status"] != status:
            return None
        return records.transition("marketing_campaign", campaign_id, transition)


def schedule(record, context) -> None:
    """After ``schedule``: materialise the audience and queue the sending job for ``scheduled_at`` (or now)."""
    from flask import current_app
    from trellis.automation import enqueue

    if record["channel"] != "email":
        from trellis_plugins.marketing.calls import create_tasks, progress

        if not create_tasks(context.system, record, context.now.date()):
            progress(context.system, record.id)   # nobody to call: nothing will move it on
        return
    if record["template"] is None:
        from flask_babel import gettext

        raise ValidationError({"template": gettext("An email campaign needs a template")})
    if context.system.query("marketing_send").filter(campaign=record.id).first() is None:
        materialise(context.system, record, context.now.date())
    at = record["scheduled_at"]
    delay = max(0.0, (at - context.now).total_seconds()) if at else 0.0
    app = current_app._get_current_object()
    enqueue(app, JOB, {"campaign": record.id}, delay=delay)
    if record["subject_b"] and record["ab_sample"]:
        from trellis_plugins.marketing.ab import JOB as AB

        enqueue(app, AB, {"campaign": record.id}, delay=delay + 3600 * int(record["ab_hours"] or 4))
