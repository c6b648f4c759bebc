"""Invitations and the administrator's changes to a user: a one-time, expiring set-password link,
the user's role, and signing them out everywhere.

An invitation link carries a token signed with the application's secret key (itsdangerous, which
Flask already uses for its session cookie): the user id, and a fingerprint of the credential's
password hash and the moment it last changed. Setting the password changes both, so the link
works once; it also stops working after ``INVITE_HOURS`` (default 72) hours.
"""

from __future__ import annotations

import hashlib
import json

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update
from trellis.security.accounts import ADMIN_ROLE, checked_roles, credentials

SALT = "trellis-invite"
DEFAULT_HOURS = 72


def _serializer(app) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.secret_key, salt=SALT)


def _fingerprint(app, connection, user_id: int) -> str | None:
    table = credentials(app)
    row = connection.execute(select(table.c.password_hash, table.c.changed_at)
                             .where(table.c.user_id == user_id)).first()
    if row is None:
        return None
    return hashlib.sha256(f"{row[0] or ''}|{row[1]}".encode()).hexdigest()[:32]


def invite_token(app, user_id: int) -> str:
    """The token of a set-password link for ``user_id``, valid once and for ``INVITE_HOURS`` hours."""
    from trellis.data.unit import unit_of_work

    with unit_of_work(app, write=False) as connection:
        return _serializer(app).dumps({"u": user_id, "f": _fingerprint(app, connection, user_id)})


def invited_user(app, token: str) -> int | None:
    """The user id an unused, unexpired, untampered ``token`` names; None otherwise."""
    from trellis.data.unit import unit_of_work

    hours = app.config.get("INVITE_HOURS", DEFAULT_HOURS)
    try:
        payload = _serializer(app).loads(token[:1000], max_age=int(float(hours) * 3600))
        user_id = int(payload["u"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    with unit_of_work(app, write=False) as connection:
        if payload.get("f") is None or _fingerprint(app, connection, user_id) != payload["f"]:
            return None
    return user_id


def set_role(app, user_id: int, role: str | None) -> None:
    """Give ``user_id`` the one role ``role`` (``admin``: every permission; empty: none); AccountError for an
    unknown role. Their sessions end, so the new role applies at once."""
    from trellis.data.unit import unit_of_work

    roles = checked_roles(app, role)
    table = credentials(app)
    with unit_of_work(app) as connection:
        connection.execute(update(table).where(table.c.user_id == user_id).values(
            is_admin=ADMIN_ROLE in roles, roles=json.dumps(sorted(roles - {ADMIN_ROLE})), session_token=None))
