"""Two-step sign-in: a time-based one-time code (TOTP, RFC 6238) after the password.

The user's authenticator app and Trellis share a base32 secret; every 30 seconds
both derive a 6-digit code from it (:mod:`pyotp`). What is kept, all in
``trellis_credential`` (:mod:`trellis.security.tables`):

- the secret being offered on the enrolment page (``totp_pending``) until a current
  code confirms it; then it becomes ``totp_secret`` and two-step sign-in is on;
- the time step of the last accepted code (``totp_last_step``): a code, or any older
  one, is refused once a code of its step has been used;
- SHA-256 digests of the unused recovery codes (``totp_recovery``). The codes are
  random (50 bits each), so a fast digest is as good as a slow password hash here.

Codes of the previous and the next step are accepted too (clocks drift). Wrong
codes count in the account's series of failures like wrong passwords
(:func:`trellis.security.accounts.count_failure`). The clock is
``runtime(app).totp_clock`` (seconds since the epoch; tests replace it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from markupsafe import Markup
from sqlalchemy import select, update
from trellis.errors import PermissionDenied
from trellis.runtime import runtime
from trellis.security import accounts

STEP = 30                 # seconds per code
DIGITS = 6
DRIFT = 1                 # steps accepted either side of the current one
RECOVERY_CODES = 10
ISSUER = "Trellis"
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l/1, o/0 to misread


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret (base32) and the ``otpauth://`` URI apps read."""

    secret: str
    uri: str

    @property
    def grouped(self) -> str:
        """The secret in groups of four letters, easier to type (apps ignore the spaces)."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))

    @property
    def qr_svg(self) -> Markup:
        """The URI as a QR code, an inline SVG for the phone's camera (segno; only modules, no text)."""
        import segno

        svg = segno.make(self.uri, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff",
                                                         svgclass="totp-qr")
        return Markup(svg)  # noqa: S704 - segno writes the modules as path data; no text of the URI


def required(app, is_admin: bool) -> bool:
    """True when the organisation requires two-step sign-in of this user (``TRELLIS_REQUIRE_TOTP_FOR_ADMINS``)."""
    return bool(app.config.get("REQUIRE_TOTP_FOR_ADMINS")) and bool(is_admin)


def now(app) -> float:
    """The current time for codes, in seconds since the epoch (``runtime(app).totp_clock``: tests replace it)."""
    return runtime(app).totp_clock()


def code_at(secret: str, moment: float) -> str:
    """The code an authenticator app shows for ``secret`` at ``moment`` (seconds since the epoch)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP).at(int(moment))


def _credential(connection, app, user_id: int):
    table = accounts.credentials(app)
    return connection.execute(select(table).where(table.c.user_id == user_id)).mappings().first()


def enrolment(app, user_id: int, email: str) -> Enrolment:
    """The secret offered to the user (made on the first visit, kept until confirmed), with its URI."""
    from trellis.data.unit import unit_of_work

    table = accounts.credentials(app)
    with unit_of_work(app) as connection:
        secret = _credential(connection, app, user_id)["totp_pending"]
        if not secret:
            secret = pyotp.random_base32()
            connection.execute(update(table).where(table.c.user_id == user_id).values(totp_pending=secret))
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP).provisioning_uri(name=email, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def _matching_step(secret: str, code: str, moment: float, last_step: int | None) -> int | None:
    """The time step whose code ``code`` is (within :data:`DRIFT`), if not used up; else None."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = int(moment) // STEP
    for step in range(current - DRIFT, current + DRIFT + 1):
        if last_step is not None and step <= last_step:
            continue  # this code, or an older one, was used already
        if hmac.compare_digest(code_at(secret, step * STEP), code):
            return step
    return None


def _digest(recovery_code: str) -> str:
    normal = "".join(recovery_code.lower().replace("-", "").split())
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        text = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{text[:5]}-{text[5:]}")
    return codes


def enable(app, user_id: int, code: str, password: str) -> tuple[list[str], str] | None:
    """Turn two-step sign-in on, given the user's password and a current code of the offered secret.

    The password is asked so that someone using a session left open cannot lock the
    user out with a device of their own; a wrong one counts as a failure of the account.
    Returns the recovery codes (shown once, kept only as digests) and a new session
    token for the caller's own session: every other session of the user ends, as
    they began without a second step. None, changing nothing else, when either is wrong.
    """
    from trellis.data.unit import unit_of_work

    moment = now(app)
    with unit_of_work(app) as connection:
        row = _credential(connection, app, user_id)
        if row is None or not row["totp_pending"] or not _password_proves(app, connection, row, password, moment):
            return None
        step = _matching_step(row["totp_pending"], code, moment, None)
        if step is None:
            return None
        codes = _new_recovery_codes()
        token = accounts.start_session(
            app, connection, user_id, others_end=True, totp_secret=row["totp_pending"], totp_pending=None,
            totp_last_step=step, totp_recovery=json.dumps([_digest(c) for c in codes]),
            totp_enabled_at=datetime.now(UTC))
    return codes, token


def complete_sign_in(app, user_id: int, code: str) -> accounts.Account | None:
    """The second step: the account, with a fresh session, for a current code or an unused recovery code.

    A recovery code is used up. A wrong code counts as a failure of the account; while
    the account must wait every code is refused and not counted. None when refused.
    """
    from trellis.data.unit import unit_of_work

    table = accounts.credentials(app)
    moment = now(app)
    with unit_of_work(app) as connection:
        row = _credential(connection, app, user_id)
        if row is None or not row["totp_secret"]:
            return None
        if accounts.is_waiting(row, datetime.fromtimestamp(moment, UTC)):
            return None
        step = _matching_step(row["totp_secret"], code, moment, row["totp_last_step"])
        if step is not None:
            claimed = _claim_step(app, connection, user_id, step)
        else:
            left = _without(row["totp_recovery"], code)
            if left is None:
                accounts.count_failure(app, connection, row, datetime.fromtimestamp(moment, UTC))
                return None
            # Only if no other request used a recovery code meanwhile: each works once.
            claimed = connection.execute(update(table).where(
                table.c.user_id == user_id, table.c.totp_recovery == row["totp_recovery"]).values(
                totp_recovery=json.dumps(left))).rowcount == 1
        if not claimed:
            return None
        token = accounts.start_session(app, connection, user_id)
    return accounts.load_account(app, user_id, token)


def _claim_step(app, connection, user_id: int, step: int) -> bool:
    """Mark the code of time ``step`` used; False when another request used it (or a later one) first."""
    table = accounts.credentials(app)
    unused = table.c.totp_last_step.is_(None) | (table.c.totp_last_step < step)
    return connection.execute(update(table).where(table.c.user_id == user_id, unused)
                              .values(totp_last_step=step)).rowcount == 1


def _without(stored: str | None, recovery_code: str) -> list[str] | None:
    """The stored digests less the one of ``recovery_code``; None when it is not among them."""
    digests = json.loads(stored or "[]")
    wanted = _digest(recovery_code)
    for digest in digests:
        if hmac.compare_digest(digest, wanted):
            return [d for d in digests if d != digest]
    return None


def recovery_codes_left(app, user_id: int) -> int:
    """How many unused recovery codes the user has."""
    from trellis.data.unit import unit_of_work

    with unit_of_work(app, write=False) as connection:
        row = _credential(connection, app, user_id)
    return len(json.loads(row["totp_recovery"] or "[]")) if row is not None else 0


def disable(app, user_id: int, code_or_password: str) -> bool:
    """Turn two-step sign-in off, proven by a current code or the password; False (nothing changed) if neither.

    A wrong proof counts as a failure of the account, and while the account must wait
    none is accepted, so a borrowed session cannot be used to guess the password.
    PermissionDenied, changing nothing, for an administrator the organisation requires it of
    (:func:`required`).
    """
    from trellis.data.unit import unit_of_work

    with unit_of_work(app) as connection:
        row = _credential(connection, app, user_id)
        if row is not None and required(app, row["is_admin"]):
            raise PermissionDenied("the organisation requires two-step sign-in for administrators")
        if row is None or not row["totp_secret"] or not _proven(app, connection, row, code_or_password):
            return False
        _turn_off(app, connection, user_id)
    return True


def replace_recovery_codes(app, user_id: int, code_or_password: str) -> list[str] | None:
    """New recovery codes for a user with two-step sign-in on (the old ones stop working), proven like
    :func:`disable`; None, changing nothing, without proof."""
    from trellis.data.unit import unit_of_work

    table = accounts.credentials(app)
    with unit_of_work(app) as connection:
        row = _credential(connection, app, user_id)
        if row is None or not row["totp_secret"] or not _proven(app, connection, row, code_or_password):
            return None
        codes = _new_recovery_codes()
        connection.execute(update(table).where(table.c.user_id == user_id).values(
            totp_recovery=json.dumps([_digest(c) for c in codes])))
    return codes


def _proven(app, connection, row, code_or_password: str) -> bool:
    """A current code or the password shows it is the user; neither counts while the account must wait."""
    moment = now(app)
    if accounts.is_waiting(row, datetime.fromtimestamp(moment, UTC)):
        return False
    step = _matching_step(row["totp_secret"], code_or_password, moment, row["totp_last_step"])
    if step is not None:  # the code is used up here too, as at sign-in: seen over a shoulder, it proves nothing more
        return _claim_step(app, connection, row["user_id"], step)
    return _password_proves(app, connection, row, code_or_password, moment)


def _password_proves(app, connection, row, password: str, moment: float) -> bool:
    """True for the user's password while the account need not wait; a wrong one counts as a failure."""
    from werkzeug.security import check_password_hash

    when = datetime.fromtimestamp(moment, UTC)
    if accounts.is_waiting(row, when):
        return False
    if row["password_hash"] and check_password_hash(row["password_hash"], password):
        return True
    accounts.count_failure(app, connection, row, when)
    return False


def reset(app, user_id: int) -> bool:
    """Turn two-step sign-in off without proof (``trellis user totp-reset``); every session of the user ends.

    False, changing nothing, when it was not on.
    """
    from trellis.data.unit import unit_of_work

    with unit_of_work(app) as connection:
        row = _credential(connection, app, user_id)
        if row is None or not row["totp_secret"]:
            return False
        _turn_off(app, connection, user_id, session_token=None)
    return True


def _turn_off(app, connection, user_id: int, **values) -> None:
    table = accounts.credentials(app)
    connection.execute(update(table).where(table.c.user_id == user_id).values(
        totp_secret=None, totp_pending=None, totp_last_step=None, totp_recovery=None, totp_enabled_at=None,
        failed_logins=0, locked_until=None, **values))
