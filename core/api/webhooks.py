"""Webhook subscriptions: a URL told about an entity's create/update/delete/transition events.

Subscriptions live in ``trellis_webhook`` (managed with :func:`add_webhook` /
:func:`remove_webhook`, e.g. from an admin page or a shell), each with its own
secret. On an event the record service's hooks queue one ``api_webhook`` job per
subscription in the write's transaction, so it is sent only if the write commits
(the automation engine's outbox: retried with back-off, in-process or Celery).
Each delivery is a JSON POST signed like the automation webhooks::

    X-Trellis-Timestamp: <unix seconds>
    X-Trellis-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the subscription's secret>

and every attempt is recorded in ``trellis_webhook_attempt`` (status code or error).
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from trellis.runtime import runtime

EVENTS = ("create", "update", "delete", "transition")
JOB = "api_webhook"
_CACHE_KEY = "api_webhooks"


def _tables(app):
    return runtime(app).tables.api


def add_webhook(app, url: str, entity: str, events=EVENTS, secret: str | None = None) -> tuple[int, str]:
    """Subscribe ``url`` to ``events`` of ``entity``; returns ``(id, secret)`` (the receiver checks with it)."""
    from trellis.data.unit import unit_of_work

    events = list(events)
    metadata = runtime(app).metadata
    if entity not in metadata.entities:
        raise ValueError(f"no entity '{entity}'")
    if not str(url).startswith(("http://", "https://")):
        raise ValueError(f"a webhook URL must be http(s), not {url!r}")
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events:
        raise ValueError(f"events must be some of {', '.join(EVENTS)}")
    secret = secret or secrets.token_urlsafe(32)
    table = _tables(app).webhooks
    with unit_of_work(app) as connection:
        _forget_subscriptions(app)
        hook_id = connection.execute(insert(table).values(
            url=str(url), entity=entity, events=json.dumps(events), secret=secret, active=True,
            created_at=datetime.now(UTC))).inserted_primary_key[0]
    return int(hook_id), secret


def rotate_secret(app, webhook_id: int, secret: str | None = None) -> str | None:
    """Give an active subscription a new signing secret (None: a random one) and return it, to be shown
    once; deliveries from now on, queued ones included, are signed with it. None when there is no such
    active subscription."""
    from trellis.data.unit import unit_of_work

    secret = secret or secrets.token_urlsafe(32)
    table = _tables(app).webhooks
    with unit_of_work(app) as connection:
        changed = connection.execute(update(table).where(table.c.id == int(webhook_id), table.c.active.is_(True))
                                     .values(secret=secret)).rowcount
    return secret if changed == 1 else None


def remove_webhook(app, webhook_id: int) -> bool:
    """Stop a subscription (deliveries already queued are dropped when they run); False if unknown."""
    from trellis.data.unit import unit_of_work

    table = _tables(app).webhooks
    with unit_of_work(app) as connection:
        _forget_subscriptions(app)
        return connection.execute(update(table).where(table.c.id == int(webhook_id))
                                  .values(active=False)).rowcount == 1


def attempts_of(app, webhook_id: int) -> list[dict[str, Any]]:
    """Every delivery attempt of a subscription, oldest first (``status_code``, ``error``, ``event``, ``at``)."""
    from trellis.data.unit import unit_of_work

    table = _tables(app).attempts
    with unit_of_work(app, write=False) as connection:
        rows = connection.execute(select(table).where(table.c.webhook_id == int(webhook_id))
                                  .order_by(table.c.id)).mappings().all()
    return [dict(row) for row in rows]


def delivery_summary(app) -> dict[int, tuple[int, dict[str, Any]]]:
    """Per subscription id: (number of delivery attempts, the latest attempt), in two queries."""
    from sqlalchemy import func
    from trellis.data.unit import unit_of_work

    table = _tables(app).attempts
    with unit_of_work(app, write=False) as connection:
        counts = connection.execute(select(table.c.webhook_id, func.count(), func.max(table.c.id))
                                    .group_by(table.c.webhook_id)).all()
        latest = {row["id"]: dict(row) for row in connection.execute(
            select(table).where(table.c.id.in_([last for _, _, last in counts]))).mappings()}
    return {webhook_id: (count, latest[last]) for webhook_id, count, last in counts}


def queue_event(app, record, event: str, context, transition: str | None = None) -> None:
    """Queue a delivery of ``event`` on ``record`` to every webhook subscribed to it, in the write's transaction.

    Called by the built-in plugin ``trellis.api.webhooks`` (:mod:`trellis.plugins.builtins.webhooks`).
    """
    wanted = [hook_id for hook_id, events in _subscriptions(app, record.entity) if event in events]
    if not wanted:
        return  # the usual case, for every record of an import: nothing more to do
    from trellis.api.serialize import record_json
    from trellis.automation.jobs import enqueue

    meta = runtime(app).metadata.entities[record.entity]
    body = {"event": event, "entity": record.entity, "id": record.id, "at": context.now.isoformat(),
            "record": record_json(meta, record)}
    if transition:
        body["transition"] = transition
    for hook_id in wanted:
        enqueue(app, JOB, {"webhook": hook_id, "body": body})


def subscribed(app, entity: str) -> bool:
    """Whether any active webhook is subscribed to ``entity`` (read once per unit of work)."""
    return bool(_subscriptions(app, entity))


def _subscriptions(app, entity: str) -> list[tuple[int, list[str]]]:
    """``[(id, events)]`` of the active subscriptions to ``entity``, read once per unit of work.

    An import batch writes hundreds of records in one transaction; each would
    otherwise read the same rows again. Not kept past the transaction: another
    process may add or remove a subscription at any time.
    """
    from trellis.data.unit import unit_cache, unit_of_work

    cache = unit_cache(app).setdefault(_CACHE_KEY, {})
    if entity not in cache:
        table = _tables(app).webhooks
        with unit_of_work(app, write=False) as connection:
            rows = connection.execute(select(table.c.id, table.c.events).where(
                table.c.entity == entity, table.c.active.is_(True))).all()
        cache[entity] = [(hook_id, json.loads(events)) for hook_id, events in rows]
    return cache[entity]


def _forget_subscriptions(app) -> None:
    """A subscription changed in this transaction: read them again at the next event."""
    from trellis.data.unit import unit_cache

    unit_cache(app).pop(_CACHE_KEY, None)


def deliver(app, payload: dict) -> None:
    """The job: POST the event to the subscription's URL, record the attempt, raise on failure (to retry)."""
    from trellis.automation.webhooks import post, signature
    from trellis.data.unit import unit_of_work

    tables = _tables(app)
    with unit_of_work(app, write=False) as connection:
        hook = connection.execute(select(tables.webhooks).where(tables.webhooks.c.id == payload["webhook"])
                                  ).mappings().first()
    if hook is None or not hook["active"]:
        return  # unsubscribed since: nothing to send
    body = json.dumps(payload["body"], separators=(",", ":"), sort_keys=True).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "Trellis-Webhook",
               "X-Trellis-Event": payload["body"]["event"], "X-Trellis-Timestamp": timestamp,
               "X-Trellis-Signature": signature(hook["secret"], timestamp, body)}
    status, error = None, None
    try:
        status = post(app, hook["url"], body, headers)
    except (OSError, ValueError) as e:  # the egress policy's refusal, or the generic "no answer"
        error = str(e)
    if status is not None and not 200 <= status < 300:
        error = f"answered {status}"
    with unit_of_work(app) as connection:
        connection.execute(insert(tables.attempts).values(
            webhook_id=hook["id"], event=payload["body"]["event"], record_id=payload["body"].get("id"),
            status_code=status, error=error, at=datetime.now(UTC)))
    if error is not None or not 200 <= (status or 0) < 300:
        raise RuntimeError(f"webhook #{hook['id']} to {hook['url']}: {error or f'answered {status}'}")


def init_webhooks(app) -> None:
    """Register the delivery job (needs the automation engine's jobs); the record hooks that queue
    deliveries are the built-in plugin ``trellis.api.webhooks``."""
    from trellis.automation.jobs import register_job

    register_job(app, JOB, deliver, max_attempts=int(app.config.get("WEBHOOK_ATTEMPTS", 8)))
