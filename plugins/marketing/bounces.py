"""Bounces from the mailbox: delivery status notifications (RFC 3464) about campaign messages.

A bounce that comes back after the server accepted a message is an email to the
campaign's sender (read by ``trellis mail ingest`` or ``trellis mail serve``, handed to
the ``inbound_email`` hook). Its ``message/delivery-status`` part names the recipient
(``Final-Recipient``), what happened (``Action``) and the enhanced status code
(``Status``); the returned headers or message carry the campaign message's
``Message-ID`` (``<mkt-SEND-CAMPAIGN@domain>``). A report counts only when that send
record exists and was sent to the reported recipient: a hard failure (5.x.x) bounces
it and suppresses the address, a delay or 4.x.x defers it, as an SMTP error at send
time would.
"""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser
from email.policy import compat32

from trellis import system_records

OUR_ID = re.compile(r"<mkt-(\d{1,12})-(\d{1,12})@[^<>\s]{1,255}>")
STATUS = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})$")
MAX_BLOCKS = 100


def receive(message) -> str | None:
    """Record the bounce ``message`` reports about a campaign message; what was done, or None when it is not one."""
    from trellis_plugins.marketing.sending import ACTOR, _bounced

    failures = [block for block in _reports(message) if block["action"] in ("failed", "delayed")]
    ids = {(int(send), int(campaign)) for send, campaign in OUR_ID.findall(
        " ".join((message.text, message.html, *message.references)))}
    if not failures or not ids:
        return None
    records = system_records(ACTOR)
    done = []
    with records.transaction():
        for send_id, campaign_id in sorted(ids):
            send = records.query("marketing_send").filter(id=send_id, campaign=campaign_id).first()
            if send is None or send["status"] not in ("sent", "deferred"):
                continue
            for block in failures:
                if block["recipient"] != (send["email"] or "").lower():
                    continue
                code = 550 if block["status"].startswith("5") and block["action"] == "failed" else 450
                status = block["status"] if block["action"] == "failed" else "4.0.0"
                reason = f"{status} {block['diagnostic']}".strip()
                done.append(f"{_bounced(records, send, code, reason)} #{send.id}")
                break
    return ("bounce: " + ", ".join(done)) if done else None


def _reports(message) -> list[dict]:
    """The per-recipient blocks of the message's delivery-status parts: recipient, action, status, diagnostic."""
    found = []
    for attachment in message.attachments:
        if attachment.content_type != "message/delivery-status":
            continue
        text = attachment.data.replace(b"\r\n", b"\n")
        for chunk in re.split(rb"\n\s*\n", text)[:MAX_BLOCKS]:
            fields = BytesHeaderParser(policy=compat32).parsebytes(chunk.strip() + b"\n\n")
            recipient = str(fields.get("final-recipient") or fields.get("original-recipient") or "")
            status = str(fields.get("status") or "").strip()
            if not recipient or not STATUS.match(status):
                continue
            found.append({"recipient": recipient.partition(";")[2].strip().strip("<>").lower(),
                          "action": str(fields.get("action") or "").strip().lower(), "status": status,
                          "diagnostic": " ".join(str(fields.get("diagnostic-code") or "").split())[:400]})
    return found
