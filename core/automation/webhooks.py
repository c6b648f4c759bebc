"""Outgoing webhooks from automations: a JSON POST, signed, sent after commit, retried on failure.

Signature: ``X-Trellis-Timestamp: <unix seconds>`` and
``X-Trellis-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``, keyed with
the ``WEBHOOK_SECRET`` setting (unset: a key generated into the instance folder's
``webhook_secret``, never the session-signing ``SECRET_KEY``). A receiver recomputes it and
rejects old timestamps. Any answer other than 2xx, or no answer, is retried with
back-off. (The API issue adds per-endpoint secrets and an admin page.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from typing import Any

WEBHOOK_JOB = "webhook"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``timestamp + "." + body`` keyed with ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def queue_webhook(app, record, options: dict, owner: str, now) -> int:
    """Queue a POST of ``record`` (all fields, or ``fields: [...]``) to ``options["url"]``; returns the job id."""
    from trellis.automation.jobs import enqueue

    values = record.to_dict()
    if options.get("fields"):
        values = {name: values.get(name) for name in ["id", *options["fields"]]}
    body = {"automation": owner, "entity": record.entity, "id": record.id, "at": now.isoformat(),
            "record": values}
    payload = {"url": options["url"], "method": str(options.get("method") or "POST").upper(),
               "body": json.loads(json.dumps(body, default=str))}
    return enqueue(app, WEBHOOK_JOB, payload)


def send_job(app, payload: dict) -> None:
    """The outbox job: send one webhook; raise on anything but a 2xx answer (so it is retried)."""
    body = json.dumps(payload["body"], separators=(",", ":"), sort_keys=True).encode("utf-8")
    timestamp = str(int(time.time()))
    secret = str(app.config["WEBHOOK_SECRET"])
    url = str(payload["url"])
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"webhook url must be http(s), not {url!r}")
    headers = {"Content-Type": "application/json", "User-Agent": "Trellis-Webhook", "X-Trellis-Timestamp": timestamp,
               "X-Trellis-Signature": signature(secret, timestamp, body)}
    request = urllib.request.Request(url, data=body, method=payload.get("method", "POST"), headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=float(app.config.get("WEBHOOK_TIMEOUT", 10))) as answer:  # noqa: S310
        status: Any = answer.status
    if not 200 <= int(status) < 300:
        raise RuntimeError(f"webhook {url} answered {status}")
