"""Outgoing webhooks from automations: a JSON POST, signed, sent after commit, retried on failure.

Signature: ``X-Trellis-Timestamp: <unix seconds>`` and
``X-Trellis-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``, keyed with
the secret the action names (``secret: crm_sync``, see :mod:`.webhook_secrets`), else the
``WEBHOOK_SECRET`` setting (unset: a key generated into the instance folder's
``webhook_secret``); never the session-signing ``SECRET_KEY``. A receiver recomputes it and
rejects old timestamps. Any answer other than 2xx, or no answer, is retried with
back-off. Webhook subscriptions with their own secrets are :mod:`trellis.api.webhooks`.

Egress policy (:func:`egress_check`, for these and the API's subscriptions): the host must
resolve only to public addresses -- loopback, private, link-local (cloud metadata),
multicast and reserved ones are refused unless ``WEBHOOK_ALLOW_PRIVATE`` is true;
redirects are never followed (a 3xx is a failed delivery); and a failure is recorded as
"no answer", not as the network error, which would tell which ports are open.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

WEBHOOK_JOB = "webhook"


class WebhookRefused(ValueError):
    """A webhook URL the egress policy does not allow (the message names no address)."""


NO_ANSWER = "no answer from the receiver"


def egress_check(app, url: str) -> None:
    """Raise :class:`WebhookRefused` unless ``url`` is http(s) to a host whose every address is public
    (or ``WEBHOOK_ALLOW_PRIVATE`` is set)."""
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("webhook url must be http(s)")
    if app.config.get("WEBHOOK_ALLOW_PRIVATE"):
        return
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        raise WebhookRefused(NO_ANSWER) from None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise WebhookRefused("webhook address is not public (set WEBHOOK_ALLOW_PRIVATE to allow it)")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx comes back as an HTTPError: a redirect could lead past the egress check


def post(app, url: str, body: bytes, headers: dict, method: str = "POST") -> int:
    """Send one webhook under the egress policy; the answer's status (3xx included: never followed).

    Raises :class:`WebhookRefused` for a URL the policy refuses, and ``OSError(NO_ANSWER)``
    when nothing answered (the underlying error is not repeated: it tells open ports apart).
    """
    egress_check(app, url)
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=float(app.config.get("WEBHOOK_TIMEOUT", 10))) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as e:
        return int(e.code)
    except (OSError, ValueError):
        raise OSError(NO_ANSWER) from None


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``timestamp + "." + body`` keyed with ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def secret_for(app, name: str | None) -> str:
    """The key that signs a webhook: the named secret, else the ``WEBHOOK_SECRET`` setting."""
    if name:
        from trellis.automation.webhook_secrets import secret_named

        return secret_named(app, name)
    return str(app.config["WEBHOOK_SECRET"])


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
    if options.get("secret"):
        payload["secret"] = str(options["secret"])   # its name: the value is read when sending
    return enqueue(app, WEBHOOK_JOB, payload)


def send_job(app, payload: dict) -> None:
    """The outbox job: send one webhook; raise on anything but a 2xx answer (so it is retried)."""
    body = json.dumps(payload["body"], separators=(",", ":"), sort_keys=True).encode("utf-8")
    timestamp = str(int(time.time()))
    secret = secret_for(app, payload.get("secret"))
    url = str(payload["url"])
    headers = {"Content-Type": "application/json", "User-Agent": "Trellis-Webhook", "X-Trellis-Timestamp": timestamp,
               "X-Trellis-Signature": signature(secret, timestamp, body)}
    status: Any = post(app, url, body, headers, payload.get("method", "POST"))
    if not 200 <= int(status) < 300:
        raise RuntimeError(f"webhook {url} answered {status}")
