"""The API's own tables, added to the application's schema so ``trellis migrate`` creates them.

- ``trellis_token``: personal API tokens; only the SHA-256 of the secret is kept,
  so a copy of the database does not hand out working tokens;
- ``trellis_api_rate``: one counter row per caller (``token:<id>``, or ``form:<ip>``
  for public forms) and fixed time window, so every web process (gunicorn workers,
  several hosts) shares the same limit;
- ``trellis_webhook``: subscriptions of a URL to entity events, each with its own secret;
- ``trellis_webhook_attempt``: every delivery attempt (status code or error).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Column, Index, MetaData, Table

TOKEN_TABLE = "trellis_token"  # noqa: S105 - a table name
RATE_TABLE = "trellis_api_rate"
WEBHOOK_TABLE = "trellis_webhook"
ATTEMPT_TABLE = "trellis_webhook_attempt"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # only INTEGER PRIMARY KEY auto-increments on SQLite
_WHEN = sa.DateTime(timezone=True)


@dataclass
class ApiTables:
    """The API tables of one application (on that application's schema ``MetaData``)."""

    tokens: Table
    rate: Table
    webhooks: Table
    attempts: Table


def add_tables(metadata: MetaData) -> ApiTables:
    """Define the API tables on ``metadata`` (once; a second call returns the same tables)."""
    if TOKEN_TABLE in metadata.tables:
        t = metadata.tables
        return ApiTables(t[TOKEN_TABLE], t[RATE_TABLE], t[WEBHOOK_TABLE], t[ATTEMPT_TABLE])
    # user_id refers to user.id without a FOREIGN KEY: migrate may add these tables to a
    # database whose user table it does not manage (same choice as trellis_credential).
    tokens = Table(
        TOKEN_TABLE, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("user_id", sa.Integer, nullable=False),
        Column("name", sa.String(200), nullable=False, default=""),
        Column("token_hash", sa.String(64), nullable=False, unique=True),
        Column("scope", sa.String(10), nullable=False),         # read | write
        Column("created_at", _WHEN, nullable=False),
        Column("last_used_at", _WHEN, nullable=True),
        Column("revoked_at", _WHEN, nullable=True),
        Index("ix_trellis_token_user", "user_id"),
    )
    rate = Table(
        RATE_TABLE, metadata,
        Column("caller", sa.String(100), primary_key=True),
        Column("window_start", sa.Integer, primary_key=True, autoincrement=False),  # unix seconds
        Column("hits", sa.Integer, nullable=False, default=0),
    )
    webhooks = Table(
        WEBHOOK_TABLE, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("url", sa.Text, nullable=False),
        Column("entity", sa.String(100), nullable=False),
        Column("events", sa.Text, nullable=False),               # JSON list: create, update, delete, transition
        Column("secret", sa.String(100), nullable=False),
        Column("active", sa.Boolean, nullable=False, default=True),
        Column("created_at", _WHEN, nullable=False),
    )
    attempts = Table(
        ATTEMPT_TABLE, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("webhook_id", sa.Integer, nullable=False),
        Column("event", sa.String(100), nullable=False),
        Column("record_id", sa.Integer, nullable=True),
        Column("status_code", sa.Integer, nullable=True),
        Column("error", sa.Text, nullable=True),
        Column("at", _WHEN, nullable=False),
        Index("ix_trellis_webhook_attempt_hook", "webhook_id", "at"),
    )
    return ApiTables(tokens, rate, webhooks, attempts)
