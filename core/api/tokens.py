"""Personal API tokens: created (shown once), checked on every request, revoked, rate limited.

The secret is ``trl_`` plus ``secrets.token_urlsafe(32)``; only its SHA-256 is
stored. A revoked token is refused on its next request: every request reads the
token's row, nothing is cached in a process. Requests per token are limited by
:mod:`trellis.api.rate_limit`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from trellis.data.storage import as_utc
from trellis.runtime import runtime

SCOPES = ("read", "write")
PREFIX = "trl_"


@dataclass
class ApiUser:
    """The acting user when the security subsystem is not wired: the ``user`` record's id and email."""

    id: int
    email: str | None = None
    is_admin: bool = False
    roles: tuple[str, ...] = ()
    is_authenticated: bool = True


@dataclass
class TokenInfo:
    """A token row as the API sees it (never the secret)."""

    id: int
    user_id: int
    name: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def tables(app):
    """The API's tables of ``app`` (:class:`trellis.api.tables.ApiTables`)."""
    return runtime(app).tables.api


def digest(secret: str) -> str:
    """The hex SHA-256 of a token secret: what ``trellis_token`` stores."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(app, user: Any, scope: str = "read", name: str = "") -> tuple[int, str]:
    """Create a token for ``user`` (an account, or a user id); returns ``(id, secret)``.

    The secret is returned only here: show it to the user once, it cannot be read back.
    """
    from trellis.data.unit import unit_of_work

    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    user_id = int(getattr(user, "id", user))
    secret = PREFIX + secrets.token_urlsafe(32)
    table = tables(app).tokens
    with unit_of_work(app) as connection:
        token_id = connection.execute(insert(table).values(
            user_id=user_id, name=str(name or "")[:200], token_hash=digest(secret), scope=scope,
            created_at=datetime.now(UTC))).inserted_primary_key[0]
    return int(token_id), secret


def revoke_token(app, token_id: int) -> bool:
    """Revoke token ``token_id`` at once; False when there is no such live token."""
    from trellis.data.unit import unit_of_work

    table = tables(app).tokens
    with unit_of_work(app) as connection:
        result = connection.execute(update(table).where(table.c.id == int(token_id), table.c.revoked_at.is_(None))
                                    .values(revoked_at=datetime.now(UTC)))
    return result.rowcount == 1


def tokens_of(app, user: Any) -> list[TokenInfo]:
    """Every token of ``user`` (an account or user id), newest first, revoked ones included."""
    from trellis.data.unit import unit_of_work

    table = tables(app).tokens
    with unit_of_work(app, write=False) as connection:
        rows = connection.execute(select(table).where(table.c.user_id == int(getattr(user, "id", user)))
                                  .order_by(table.c.id.desc())).mappings().all()
    return [_info(row) for row in rows]


def _info(row) -> TokenInfo:
    return TokenInfo(id=row["id"], user_id=row["user_id"], name=row["name"], scope=row["scope"],
                     created_at=row["created_at"], last_used_at=row["last_used_at"], revoked_at=row["revoked_at"])


def check_token(app, secret: str) -> tuple[TokenInfo, Any] | None:
    """``(token, acting user)`` for a live token of an active user, else None; records the use."""
    from trellis.data.unit import unit_of_work

    if not secret or len(secret) > 200:
        return None
    table = tables(app).tokens
    with unit_of_work(app) as connection:
        row = connection.execute(select(table).where(table.c.token_hash == digest(secret))).mappings().first()
        if row is None or row["revoked_at"] is not None:
            return None
        now = datetime.now(UTC)
        # At most one write a minute per token: "last used" need not cost a write per request.
        # The row just read says whether one is due; the WHERE keeps two processes from both writing.
        if row["last_used_at"] is None or as_utc(row["last_used_at"]) < now - timedelta(minutes=1):
            connection.execute(update(table).where(
                table.c.id == row["id"],
                or_(table.c.last_used_at.is_(None), table.c.last_used_at < now - timedelta(minutes=1)))
                .values(last_used_at=now))
    user = acting_user(app, row["user_id"])
    if user is None:
        return None
    return _info(row), user


def acting_user(app, user_id: int) -> Any:
    """The user a token acts as: security's account (roles, admin); None if inactive."""
    from trellis.security.accounts import load_account

    return load_account(app, user_id)
