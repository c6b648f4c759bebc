"""The automation engine's own tables, added to the application's schema so ``trellis migrate`` creates them.

- ``trellis_automation_run``: one row per automation run (outcome ``ok``, ``failed`` or ``skipped``);
- ``trellis_automation_fired``: what a time trigger already fired, UNIQUE per
  (automation, record, occurrence), inserted in the same transaction as the work
  it starts, so a restart or a second scheduler never fires the same birthday twice;
- ``trellis_outbox``: queued jobs (email, webhook, plugin jobs), written inside the
  transaction that asks for them and run after it commits, with retries;
- ``trellis_email_log``: every email an automation sent or tried to send, by record;
- ``trellis_webhook_secret``: the named signing secrets of automation webhooks (``secret: <name>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Column, Index, MetaData, Table, UniqueConstraint

RUN_TABLE = "trellis_automation_run"
FIRED_TABLE = "trellis_automation_fired"
OUTBOX_TABLE = "trellis_outbox"
EMAIL_LOG_TABLE = "trellis_email_log"
KEYS_TABLE = "trellis_webhook_secret"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # only INTEGER PRIMARY KEY auto-increments on SQLite
_WHEN = sa.DateTime(timezone=True)


@dataclass
class AutomationTables:
    """The engine's tables of one application (on that application's schema ``MetaData``)."""

    runs: Table
    fired: Table
    outbox: Table
    email_log: Table
    secrets: Table


def add_tables(metadata: MetaData) -> AutomationTables:
    """Define the automation tables on ``metadata`` (once; a second call returns the same tables)."""
    if RUN_TABLE in metadata.tables:
        t = metadata.tables
        return AutomationTables(t[RUN_TABLE], t[FIRED_TABLE], t[OUTBOX_TABLE], t[EMAIL_LOG_TABLE], t[KEYS_TABLE])
    runs = Table(
        RUN_TABLE, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("automation", sa.String(100), nullable=False),
        Column("entity", sa.String(100), nullable=False),
        Column("record_id", sa.Integer, nullable=True),
        Column("trigger", sa.String(20), nullable=False),
        Column("outcome", sa.String(10), nullable=False),
        Column("error", sa.Text, nullable=True),
        Column("at", _WHEN, nullable=False),
        Column("duration_ms", sa.Integer, nullable=False, default=0),
        Index("ix_trellis_automation_run_at", "at"),
        Index("ix_trellis_automation_run_record", "entity", "record_id"),
    )
    fired = Table(
        FIRED_TABLE, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("automation", sa.String(100), nullable=False),
        Column("record_id", sa.Integer, nullable=False),      # 0 for a schedule that is about no record
        Column("occurrence_key", sa.String(64), nullable=False),
        Column("at", _WHEN, nullable=False),
        UniqueConstraint("automation", "record_id", "occurrence_key", name="uq_trellis_automation_fired"),
    )
    outbox = Table(
        OUTBOX_TABLE, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("job", sa.String(100), nullable=False),
        Column("payload", sa.Text, nullable=False),           # JSON
        Column("status", sa.String(10), nullable=False),      # pending | running | done | failed
        Column("attempts", sa.Integer, nullable=False, default=0),
        Column("run_at", _WHEN, nullable=False),
        Column("claimed_at", _WHEN, nullable=True),
        Column("finished_at", _WHEN, nullable=True),
        Column("last_error", sa.Text, nullable=True),
        Column("request_id", sa.String(64), nullable=True),   # the request that queued it, for the logs
        Column("created_at", _WHEN, nullable=False),
        Column("idempotency_key", sa.String(200), nullable=True),   # enqueue(key=...): one job per key
        Index("ix_trellis_outbox_due", "status", "run_at"),
        Index("uq_trellis_outbox_key", "idempotency_key", unique=True),
    )
    email_log = Table(
        EMAIL_LOG_TABLE, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("entity", sa.String(100), nullable=True),
        Column("record_id", sa.Integer, nullable=True),
        Column("automation", sa.String(100), nullable=True),
        Column("recipient", sa.Text, nullable=False),
        Column("subject", sa.Text, nullable=False),
        Column("status", sa.String(10), nullable=False),      # queued | sent | failed
        Column("error", sa.Text, nullable=True),
        Column("job_id", sa.Integer, nullable=True),
        Column("at", _WHEN, nullable=False),
        Index("ix_trellis_email_log_record", "entity", "record_id"),
    )
    secrets = Table(
        KEYS_TABLE, metadata,
        Column("name", sa.String(100), primary_key=True),
        Column("secret", sa.String(200), nullable=False),
        Column("changed_at", _WHEN, nullable=False),
    )
    return AutomationTables(runs, fired, outbox, email_log, secrets)


def utc(moment: datetime | None) -> datetime | None:
    """``moment`` as an aware UTC datetime (SQLite hands back naive values, which are UTC here)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)
