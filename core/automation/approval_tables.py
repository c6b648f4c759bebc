"""The tables of workflow approvals, added to the application's schema so ``trellis migrate`` creates them.

- ``trellis_approval``: one approval a record's transition waits for: the level it is
  at, since when (for escalation), whether that level was escalated, and its status
  (``pending``, ``approved``, ``rejected``, or ``closed`` when the record moved on another way);
- ``trellis_approval_decision``: who approved or rejected at which level, when, and for
  whom (``approver_id``: themselves, or the approver who delegated to them); an
  escalation is a row with ``decision = 'escalated'`` and no user;
- ``trellis_approval_delegation``: a user away from ``starts_on`` to ``ends_on`` (dates, in
  the organisation's time zone) whose approvals their ``delegate`` may give.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Column, Index, MetaData, Table

APPROVAL_TABLE = "trellis_approval"
DECISION_TABLE = "trellis_approval_decision"
DELEGATION_TABLE = "trellis_approval_delegation"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # only INTEGER PRIMARY KEY auto-increments on SQLite
_WHEN = sa.DateTime(timezone=True)


@dataclass
class ApprovalTables:
    """The approval tables of one application."""

    approvals: Table
    decisions: Table
    delegations: Table


def add_approval_tables(metadata: MetaData) -> ApprovalTables:
    """Define the approval tables on ``metadata`` (once; a second call returns the same tables)."""
    if APPROVAL_TABLE in metadata.tables:
        t = metadata.tables
        return ApprovalTables(t[APPROVAL_TABLE], t[DECISION_TABLE], t[DELEGATION_TABLE])
    approvals = Table(
        APPROVAL_TABLE, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("entity", sa.String(100), nullable=False),
        Column("record_id", sa.Integer, nullable=False),
        Column("transition", sa.String(100), nullable=False),
        Column("level", sa.Integer, nullable=False),
        Column("status", sa.String(10), nullable=False),
        Column("escalated", sa.Boolean, nullable=False, default=False),
        Column("level_started_at", _WHEN, nullable=False),
        Column("opened_at", _WHEN, nullable=False),
        Column("closed_at", _WHEN, nullable=True),
        Index("ix_trellis_approval_record", "entity", "record_id", "transition"),
        Index("ix_trellis_approval_status", "status"),
    )
    decisions = Table(
        DECISION_TABLE, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("approval_id", sa.Integer, nullable=False),
        Column("level", sa.Integer, nullable=False),
        Column("decision", sa.String(10), nullable=False),     # approve | reject | escalated
        Column("user_id", sa.Integer, nullable=True),          # who clicked
        Column("approver_id", sa.Integer, nullable=True),      # whose approval it counts as
        Column("at", _WHEN, nullable=False),
        Index("ix_trellis_approval_decision_approval", "approval_id"),
    )
    delegations = Table(
        DELEGATION_TABLE, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("user_id", sa.Integer, nullable=False),
        Column("delegate_id", sa.Integer, nullable=False),
        Column("starts_on", sa.Date, nullable=False),
        Column("ends_on", sa.Date, nullable=False),
        Column("created_at", _WHEN, nullable=False),
        Index("ix_trellis_approval_delegation_delegate", "delegate_id"),
    )
    return ApprovalTables(approvals, decisions, delegations)
