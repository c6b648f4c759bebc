"""Signed-in sessions, one per device: a laptop and a phone stay signed in side by side.

The session cookie carries ``<user id>:<stamp>.<session id>``. The stamp is
``trellis_credential.session_token``: changing it (a new password, "sign out
everywhere", an administrator ending the user's sessions) ends every session at once.
Each sign-in adds a row to ``trellis_session``, keyed by the SHA-256 of the session
id (a copy of the table opens no session), with when and from what device it began;
ending one device's session marks its row ended. ``SINGLE_SESSION`` keeps the older
rule for organisations that want it: a sign-in ends the user's other sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Column, Index, MetaData, Table, select, update
from trellis.runtime import runtime

SESSION_TABLE = "trellis_session"


def add_table(metadata: MetaData) -> Table:
    """Define ``trellis_session`` on ``metadata`` (once; a second call returns the same table)."""
    if SESSION_TABLE in metadata.tables:
        return metadata.tables[SESSION_TABLE]
    return Table(
        SESSION_TABLE, metadata,
        Column("id", sa.String(64), primary_key=True),              # SHA-256 of the session id, hex
        Column("user_id", sa.Integer, nullable=False),
        Column("started_at", sa.DateTime(timezone=True), nullable=False),
        Column("device", sa.String(200), nullable=True),              # the browser's User-Agent, cut short
        Column("address", sa.String(64), nullable=True),
        Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        Index("ix_trellis_session_user", "user_id"),
    )


@dataclass(frozen=True)
class DeviceSession:
    """One open session of a user: ``handle`` names it in the sign-out form; ``current`` is this browser's."""

    handle: str
    started_at: datetime
    device: str | None
    address: str | None
    current: bool


def digest(session_id: str) -> str:
    """The stored form of a session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def split(token: str) -> tuple[str, str]:
    """``(stamp, session id)`` of a cookie's token; empty parts when it has not that form."""
    stamp, _, session_id = (token or "").partition(".")
    return stamp, session_id


def open_session(app, connection, user_id: int, stamp: str) -> str:
    """Record a new session of the user (with this request's device and address); returns the cookie token."""
    from flask import has_request_context, request

    session_id = secrets.token_urlsafe(32)
    device = address = None
    if has_request_context():
        device = (request.headers.get("User-Agent") or "")[:200] or None
        address = (request.remote_addr or "")[:64] or None
    connection.execute(sa.insert(_table(app)).values(id=digest(session_id), user_id=user_id,
                                                      started_at=datetime.now(UTC), device=device, address=address))
    return f"{stamp}.{session_id}"


def end_all(app, connection, user_id: int) -> None:
    """Mark every open session row of the user ended (the caller changes the stamp too)."""
    table = _table(app)
    connection.execute(update(table).where(table.c.user_id == user_id, table.c.ended_at.is_(None))
                       .values(ended_at=datetime.now(UTC)))


def sessions_of(app, user_id: int, current_token: str | None = None) -> list[DeviceSession]:
    """The user's open sessions, newest first; the one of ``current_token`` is marked current."""
    from trellis.data.unit import unit_of_work

    table = _table(app)
    here = digest(split(current_token or "")[1]) if current_token else None
    with unit_of_work(app, write=False) as connection:
        rows = connection.execute(select(table).where(table.c.user_id == user_id, table.c.ended_at.is_(None))
                                  .order_by(table.c.started_at.desc())).mappings().all()
    return [DeviceSession(r["id"], _utc(r["started_at"]), r["device"], r["address"], r["id"] == here) for r in rows]


def end_one(app, user_id: int, handle: str) -> bool:
    """End the user's session ``handle`` (another user's, or an ended one, is left alone); True when it ended."""
    from trellis.data.unit import unit_of_work

    table = _table(app)
    with unit_of_work(app) as connection:
        ended = connection.execute(update(table).where(table.c.id == str(handle)[:64], table.c.user_id == user_id,
                                                       table.c.ended_at.is_(None))
                                   .values(ended_at=datetime.now(UTC))).rowcount
    return ended == 1


def _table(app) -> Table:
    return runtime(app).tables.sessions


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def end_token(app, user_id: int, token: str | None) -> bool:
    """End the session a cookie's ``token`` names (signing out on this device); True when it ended."""
    session_id = split(token or "")[1]
    return bool(session_id) and end_one(app, user_id, digest(session_id))
