"""Security's own table: ``trellis_credential``, one row per user who may sign in.

Users are records of the core ``user`` entity (name, email, locale...); what only
login needs lives here, apart from the entity, so that no list page, export or API
listing of users can ever show a password hash or a session token.

- ``password_hash``: werkzeug's scrypt hash;
- ``is_admin``: the ``admin`` role (every permission);
- ``roles``: the user's other roles, as JSON text (``["contacts_user"]``);
- ``session_token``: a random value copied into the signed session cookie at login;
  a cookie whose token differs (after logout, or a newer login) is refused, which is
  how a stateless cookie can still be revoked;
- ``failed_logins`` / ``locked_until``: slow down password guessing (and code guessing);
- ``totp_secret``: the base32 secret of two-step sign-in (None: it is off);
  ``totp_pending`` the secret offered on the enrolment page until a code confirms it;
  ``totp_last_step``: the 30-second time step of the last code accepted, so that a
  code cannot be used twice; ``totp_recovery``: JSON list of SHA-256 digests of the
  unused recovery codes; ``totp_enabled_at``: when it was turned on.

Columns added after the first release are nullable: ``trellis migrate`` adds them to
an existing ``trellis_credential`` like any other new column.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, MetaData, Table

CREDENTIAL_TABLE = "trellis_credential"


def add_tables(metadata: MetaData) -> Table:
    """Define ``trellis_credential`` on ``metadata`` (once; a second call returns the same table)."""
    if CREDENTIAL_TABLE in metadata.tables:
        return metadata.tables[CREDENTIAL_TABLE]
    # user_id refers to user.id, but no FOREIGN KEY is declared: migrate adds this table to
    # databases whose user table it does not manage, and deleting a user removes the row here.
    return Table(
        CREDENTIAL_TABLE, metadata,
        Column("user_id", sa.Integer, primary_key=True, autoincrement=False),
        Column("password_hash", sa.String(255), nullable=True),
        Column("is_admin", sa.Boolean, nullable=False, default=False),
        Column("roles", sa.Text, nullable=True),
        Column("session_token", sa.String(64), nullable=True),
        Column("failed_logins", sa.Integer, nullable=False, default=0),
        Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        Column("totp_secret", sa.String(64), nullable=True),
        Column("totp_pending", sa.String(64), nullable=True),
        Column("totp_last_step", sa.BigInteger, nullable=True),
        Column("totp_recovery", sa.Text, nullable=True),
        Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True),
    )
