"""A limit on failed sign-ins per client address, kept in the database.

``trellis_credential`` already locks one account after repeated failures; that does not
stop one address from trying one password against many accounts. Here every failed
POST to ``/login`` or ``/login/code`` (answered 401: a wrong password or a wrong code)
counts against the caller's address in ``trellis_login_failure``; after :data:`MAX_FAILURES`
within :data:`WINDOW` the address gets 429 until the window has passed, correct password
or not. The count lives in the database so that every app server behind a load balancer
shares it. Behind a proxy, the deployment must make ``request.remote_addr`` the client's
address (werkzeug's ProxyFix).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import request
from sqlalchemy import Column, MetaData, Table

TABLE = "trellis_login_failure"
MAX_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOGIN_PATHS = ("/login", "/login/code")


def add_table(metadata: MetaData) -> Table:
    """Define ``trellis_login_failure`` on ``metadata`` (once)."""
    if TABLE in metadata.tables:
        return metadata.tables[TABLE]
    return Table(TABLE, metadata,
                 Column("address", sa.String(64), primary_key=True),
                 Column("window_start", sa.DateTime(timezone=True), nullable=False),
                 Column("failures", sa.Integer, nullable=False, default=0))


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def install_login_limit(app, table: Table) -> None:
    """Refuse sign-ins from an address with too many recent failures; count each failure."""
    from trellis.data.unit import unit_of_work

    def address() -> str:
        return (request.remote_addr or "unknown")[:64]

    def is_login_post() -> bool:
        return request.method == "POST" and request.path in LOGIN_PATHS

    @app.before_request
    def refuse_when_over_limit():
        if not is_login_post():
            return None
        with unit_of_work(app, write=False) as connection:
            row = connection.execute(sa.select(table).where(table.c.address == address())).mappings().first()
        if row is not None and row["failures"] >= MAX_FAILURES and \
                _aware(row["window_start"]) > datetime.now(UTC) - WINDOW:
            app.logger.warning("denied sign-in from %s: %s failures", address(), row["failures"])
            return "Too many failed sign-ins from your address; try again later.", 429, {"Retry-After": "900"}
        return None

    @app.after_request
    def count_failure(response):
        if is_login_post() and response.status_code == 401:
            now = datetime.now(UTC)
            with unit_of_work(app) as connection:
                row = connection.execute(sa.select(table).where(table.c.address == address())).mappings().first()
                if row is None:
                    connection.execute(sa.insert(table).values(address=address(), window_start=now, failures=1))
                elif _aware(row["window_start"]) <= now - WINDOW:
                    connection.execute(sa.update(table).where(table.c.address == address())
                                       .values(window_start=now, failures=1))
                else:
                    connection.execute(sa.update(table).where(table.c.address == address())
                                       .values(failures=table.c.failures + 1))
        return response
