"""Users who sign in: creating them, checking passwords, and the sessions they hold.

A user is a record of the core ``user`` entity (created through the record service,
so history and hooks see it); the password hash, admin flag, roles and session
token live in ``trellis_credential`` (:mod:`trellis.security.tables`).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, func, insert, select, update
from trellis.runtime import runtime
from trellis.security import sessions
from trellis.security.password_policy import password_problem
from werkzeug.security import check_password_hash, generate_password_hash

ADMIN_ROLE = "admin"
MAX_FAILED_LOGINS = 5           # wrong passwords in a row before the account must wait
FIRST_WAIT = timedelta(seconds=30)  # after the 5th; each further failure doubles it ...
LOCK_TIME = timedelta(minutes=15)   # ... up to this
DEFAULT_SCRYPT_COST = 32768         # werkzeug's own default scrypt work factor (N)


@cache
def _dummy_hash(method: str) -> str:
    """Checked against when the email is unknown, so that a wrong email costs what a wrong password costs.

    Made on first use (per hash method): scrypt is slow on purpose, and importing this module must not pay for it.
    """
    return generate_password_hash("not a real password", method=method)


def hash_method(app) -> str:
    """werkzeug's method string for new password hashes: scrypt with ``PASSWORD_SCRYPT_COST`` (default 2**15)."""
    return f"scrypt:{app.config.get('PASSWORD_SCRYPT_COST', DEFAULT_SCRYPT_COST)}:8:1"


@dataclass
class Account:
    """The signed-in user as flask-login and the record service see it.

    ``id`` is the ``user`` record's id (what ``created_by`` and history store);
    ``get_id()`` also carries the session token, so a cookie from before a logout
    or a newer login no longer loads the user.
    """

    id: int
    email: str
    name: str | None = None
    locale: str | None = None
    timezone: str | None = None
    team: int | None = None
    is_admin: bool = False
    roles: list[str] = field(default_factory=list)
    session_token: str | None = None
    totp: bool = False              # two-step sign-in is on
    is_authenticated: bool = True
    is_anonymous: bool = False

    @property
    def is_active(self) -> bool:
        """Only active users are loaded at all, so always True."""
        return True

    def get_id(self) -> str:
        """``"<user id>:<session token>"``: what flask-login keeps in the session."""
        return f"{self.id}:{self.session_token}"

    @property
    def display_name(self) -> str:
        """The name, or the email when the user has none."""
        return self.name or self.email


class AccountError(ValueError):
    """A user cannot be created as asked (unknown role, short password, email in use)."""


@dataclass(frozen=True)
class SecondStep:
    """A correct password for a user with two-step sign-in on: not signed in until a code is given."""

    user_id: int


def credentials(app):
    """The ``trellis_credential`` table of ``app``."""
    return runtime(app).tables.credentials


def create_user(app, email: str, password: str | None, role: str | None = None, name: str | None = None) -> Account:
    """Create a ``user`` record and its credential; ``role`` ``admin`` makes an administrator.

    Raises AccountError for an unknown role or a too-short password, and the record
    service's ValidationError for a bad or already used email.
    """
    from trellis.data.records import records_for
    from trellis.data.unit import unit_of_work

    roles = checked_roles(app, role)
    problem = password_problem(password, email) if password is not None else None
    if problem:
        raise AccountError(problem)
    values = {"email": email, "active": True}
    if name:
        values["name"] = name
    with unit_of_work(app) as connection:
        user = records_for(app, channel="plugin").create("user", values)
        connection.execute(insert(credentials(app)).values(
            user_id=user.id, password_hash=_hash(app, password), is_admin=ADMIN_ROLE in roles,
            roles=json.dumps(sorted(roles - {ADMIN_ROLE})), failed_logins=0, changed_at=datetime.now(UTC)))
    return load_account(app, user.id)


def checked_roles(app, role: str | None) -> set[str]:
    """``{role}`` when it is a shipped role or ``admin`` (empty for none); AccountError names the known roles."""
    if not role:
        return set()
    known = set(runtime(app).metadata.roles)
    if role != ADMIN_ROLE and role not in known:
        choices = ", ".join(sorted(known | {ADMIN_ROLE}))
        raise AccountError(f"unknown role '{role}' (known roles: {choices})")
    return {role}


def _hash(app, password: str | None) -> str | None:
    # No password (None) means the user cannot sign in until one is set.
    return generate_password_hash(password, method=hash_method(app)) if password else None


def set_password(app, user_id: int, password: str) -> None:
    """Replace a user's password; every session and API token of the user ends.

    Raises AccountError, changing nothing, for a password the policy refuses
    (too short, or the user's own email).
    """
    from trellis.data.unit import unit_of_work

    table = credentials(app)
    users = runtime(app).schema.tables["user"]
    with unit_of_work(app) as connection:
        email = connection.execute(select(users.c.email).where(users.c.id == user_id)).scalar()
        problem = password_problem(password, email)
        if problem:
            raise AccountError(problem)
        connection.execute(update(table).where(table.c.user_id == user_id).values(
            password_hash=_hash(app, password), session_token=None, failed_logins=0, locked_until=None,
            changed_at=datetime.now(UTC)))
        _revoke_api_tokens(app, connection, user_id)


def change_own_password(app, user_id: int, current: str, new: str) -> str:
    """A signed-in user replaces their own password, proving the current one.

    Every other session of the user ends (the stored session token changes); the
    returned token keeps the caller's own session going. Raises AccountError for a
    wrong current password or a new one the policy refuses; nothing changes then.
    """
    from trellis.data.unit import unit_of_work

    table = credentials(app)
    users = runtime(app).schema.tables["user"]
    with unit_of_work(app) as connection:
        row = connection.execute(select(table.c.password_hash, users.c.email)
                                 .select_from(table.join(users, users.c.id == table.c.user_id))
                                 .where(table.c.user_id == user_id)).mappings().first()
        if row is None or not row["password_hash"] or not check_password_hash(row["password_hash"], current):
            raise AccountError("the current password is wrong")
        problem = password_problem(new, row["email"])
        if problem:
            raise AccountError(problem)
        token = start_session(app, connection, user_id, others_end=True, password_hash=_hash(app, new),
                              changed_at=datetime.now(UTC))
        _revoke_api_tokens(app, connection, user_id)
    return token


def find_user_id(app, email: str) -> int | None:
    """The id of the user with ``email`` (letter case of the domain ignored), or None."""
    users = runtime(app).schema.tables["user"]
    local, _, domain = email.strip().rpartition("@")
    wanted = f"{local}@{domain.lower()}" if local else email.strip()
    from trellis.data.unit import unit_of_work

    with unit_of_work(app, write=False) as connection:
        return connection.execute(select(users.c.id).where(users.c.email == wanted)).scalar()


def authenticate(app, email: str, password: str, address: str | None = None) -> Account | SecondStep | None:
    """The account for a correct email and password, with a fresh session token; else None.

    A fresh token at every login rotates the session: a cookie stolen before the
    login is worth nothing after it. From the 5th wrong password in a row the account
    waits 30 seconds before the next try, doubling with each further failure up to 15
    minutes; a try during the wait is refused like a wrong password and not counted.

    With the caller's ``address`` (the sign-in page passes it), wrong passwords also
    count for that address and account together, and the account's own wait does not
    apply at an address where the account signed in within :data:`KNOWN_ADDRESS_DAYS`:
    guesses sent from elsewhere cannot keep the owner out at their usual address, while
    an address that keeps guessing waits on its own. Every refusal costs one password
    hash, so an unknown email, a waiting account and a wrong password take the same time.

    For a user with two-step sign-in on, a correct password gives a :class:`SecondStep`
    instead: no session yet, and the series of failures goes on (wrong codes add to it)
    until :func:`trellis.security.totp.complete_sign_in` accepts a code.
    """
    from trellis.data.unit import unit_of_work

    user_id = find_user_id(app, email)
    table = credentials(app)
    now = datetime.now(UTC)
    with unit_of_work(app) as connection:
        row = None
        if user_id is not None:
            row = connection.execute(select(table).where(table.c.user_id == user_id)).mappings().first()
        if row is None or not row["password_hash"]:
            check_password_hash(_dummy_hash(hash_method(app)), password)
            return None
        pair = _PairSeries(app, connection, user_id, address) if address else None
        waiting = is_waiting(row, now) and not (pair and pair.known(now))
        waiting = waiting or bool(pair and pair.waiting(now))
        correct = check_password_hash(row["password_hash"], password)  # hashed even when waiting: same time
        if waiting:
            return None
        if not correct:
            count_failure(app, connection, row, now)
            if pair:
                pair.fail(now)
            return None
        if pair:
            pair.succeed(now)
        if row["totp_secret"]:
            return SecondStep(user_id)
        token = start_session(app, connection, user_id)
    return load_account(app, user_id, token)


KNOWN_ADDRESS_DAYS = 30
"""Days an address where the account signed in stays exempt from the account's own wait."""


class _PairSeries:
    """One account at one address, kept beside the per-address counts in ``trellis_login_failure``:
    wrong passwords in a row under ``<user id>@<address>``, the last sign-in under ``ok:<user id>@<address>``."""

    def __init__(self, app, connection, user_id: int, address: str):
        from trellis.security.login_limit import TABLE

        self.table = runtime(app).schema.metadata.tables[TABLE]
        self.connection, self.key = connection, f"{int(user_id)}@{address}"[:61]
        self.ok_key = "ok:" + self.key
        rows = {r["address"]: r for r in connection.execute(
            select(self.table).where(self.table.c.address.in_([self.key, self.ok_key]))).mappings()}
        self.row, self.ok = rows.get(self.key), rows.get(self.ok_key)

    def known(self, now: datetime) -> bool:
        return self.ok is not None and _aware(self.ok["window_start"]) > now - timedelta(days=KNOWN_ADDRESS_DAYS)

    def waiting(self, now: datetime) -> bool:
        if self.row is None:
            return False
        until = _lock_after(self.row["failures"], _aware(self.row["window_start"]))  # window_start: last failure
        return until is not None and until > now

    def fail(self, now: datetime) -> None:
        table, mine = self.table, self.table.c.address == self.key
        if self.row is None:
            self.connection.execute(insert(table).values(address=self.key, window_start=now, failures=1))
        elif _aware(self.row["window_start"]) < now - LOCK_TIME:
            self.connection.execute(update(table).where(mine).values(window_start=now, failures=1))
        else:
            self.connection.execute(update(table).where(mine).values(window_start=now, failures=table.c.failures + 1))

    def succeed(self, now: datetime) -> None:
        self.connection.execute(delete(self.table).where(self.table.c.address.in_([self.key, self.ok_key])))
        self.connection.execute(insert(self.table).values(address=self.ok_key, window_start=now, failures=0))


def is_waiting(row, now: datetime) -> bool:
    """True while the account of credential ``row`` must wait after wrong passwords or codes."""
    locked = row["locked_until"]
    return locked is not None and _aware(locked) > now


def count_failure(app, connection, row, now: datetime) -> None:
    """One more wrong password (or code) for the account of credential ``row``; it may have to wait.

    Counted in SQL (``failed_logins + 1 ... RETURNING``), not from ``row``: guesses sent at
    the same moment each read the same row, and would otherwise count as one.
    """
    table = credentials(app)
    mine = table.c.user_id == row["user_id"]
    failed = connection.execute(update(table).where(mine).values(
        failed_logins=func.coalesce(table.c.failed_logins, 0) + 1).returning(table.c.failed_logins)).scalar()
    lock = _lock_after(failed, now)
    if lock is not None:
        connection.execute(update(table).where(mine).values(locked_until=lock))


def start_session(app, connection, user_id: int, others_end: bool = False, **values) -> str:
    """A new session of the user on this device (:mod:`trellis.security.sessions`); the failure series ends.

    Returns the token for the session cookie. The user's sessions on other devices go on,
    unless ``others_end`` (a new password, two-step sign-in turned on) or the
    ``SINGLE_SESSION`` setting says they end. ``values`` are further columns of
    ``trellis_credential`` to set in the same UPDATE.
    """
    table = credentials(app)
    mine = table.c.user_id == user_id
    stamp = None
    if not (others_end or app.config.get("SINGLE_SESSION")):
        stamp = connection.execute(select(table.c.session_token).where(mine)).scalar()
    if not stamp:
        stamp = secrets.token_urlsafe(32)
        sessions.end_all(app, connection, user_id)
    connection.execute(update(table).where(mine).values(
        session_token=stamp, failed_logins=0, locked_until=None, **values))
    return sessions.open_session(app, connection, user_id, stamp)


def _lock_after(failed: int, now: datetime) -> datetime | None:
    """Until when the account waits after ``failed`` wrong passwords in a row (None: it need not)."""
    if failed < MAX_FAILED_LOGINS:
        return None
    doublings = min(failed - MAX_FAILED_LOGINS, 16)
    return now + min(FIRST_WAIT * 2 ** doublings, LOCK_TIME)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def load_account(app, user_id: Any, token: str | None = None) -> Account | None:
    """The active user ``user_id`` with its credential, in ONE query; None when inactive or unknown.

    With ``token`` given (a session cookie's), None also when that session has ended.
    """
    from trellis.data.unit import unit_of_work

    users, table, opened = runtime(app).schema.tables["user"], credentials(app), runtime(app).tables.sessions
    stamp, session_id = sessions.split(token or "")
    joined = users.join(table, table.c.user_id == users.c.id).outerjoin(
        opened, sa.and_(opened.c.id == sessions.digest(session_id), opened.c.user_id == users.c.id,
                        opened.c.ended_at.is_(None)))
    query = (select(users.c.id, users.c.email, users.c.name, users.c.locale, users.c.timezone, users.c.team_id,
                    users.c.active, table.c.is_admin, table.c.roles, table.c.session_token, table.c.totp_secret,
                    opened.c.id.label("open_session"))
             .select_from(joined).where(users.c.id == int(user_id)))
    with unit_of_work(app, write=False) as connection:
        row = connection.execute(query).mappings().first()
    if row is None or row["active"] is False:
        return None
    if token is not None and (not row["session_token"] or not session_id or row["open_session"] is None
                              or not secrets.compare_digest(row["session_token"], stamp)):
        return None
    return Account(id=row["id"], email=row["email"], name=row["name"], locale=row["locale"],
                   timezone=row["timezone"], team=row["team_id"], is_admin=bool(row["is_admin"]),
                   roles=json.loads(row["roles"] or "[]"), session_token=token or row["session_token"],
                   totp=bool(row["totp_secret"]))


def end_session(app, user_id: int) -> None:
    """Sign the user out everywhere: every session cookie issued to the user, and every API token, stops working."""
    from trellis.data.unit import unit_of_work

    table = credentials(app)
    with unit_of_work(app) as connection:
        connection.execute(update(table).where(table.c.user_id == user_id).values(session_token=None))
        sessions.end_all(app, connection, user_id)
        _revoke_api_tokens(app, connection, user_id)


def _revoke_api_tokens(app, connection, user_id: int) -> None:
    # A new password or signing out everywhere is the user locking everyone out: a token copied
    # from their machine is one more way in, so it ends too (in the same transaction).
    tokens = runtime(app).tables.api.tokens
    connection.execute(update(tokens).where(tokens.c.user_id == int(user_id), tokens.c.revoked_at.is_(None))
                       .values(revoked_at=datetime.now(UTC)))
