"""One transaction per write: the unit of work every record-service call runs in.

The record service works on flask-sqlalchemy's session connection. The outermost
write commits at its end, or rolls back on any exception; a write made while one
is running (a hook writing through ``context.records``, a cascade, a roll-up, an
automation) joins it, so all of them commit or roll back together.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy.exc import DBAPIError
from trellis.data.database import db
from trellis.data.report_cache import bump_written

_DEPTH = "trellis_write_depth"
_NOW = "trellis_write_now"
_CLOCK = "trellis_write_clock"
_CACHE = "trellis_unit_cache"
ATTEMPTS = 5
"""How many times :func:`retrying` runs a unit of work that a lock clash ended before any hook ran."""
_RETRYABLE = ("40001", "40P01")  # PostgreSQL: serialization failure, deadlock detected


@contextmanager
def unit_of_work(app, write: bool = True) -> Iterator[Any]:
    """Yield the session's connection inside ``app``'s context; the outermost write commits.

    Pending changes the caller left in ``db.session`` belong to the same
    transaction: they are committed, or rolled back, with the write.
    """
    with _app_context(app):
        session = db.session
        depth = session.info.get(_DEPTH, 0)
        session.info[_DEPTH] = depth + 1
        outermost = write and depth == 0
        try:
            if outermost:
                session.info[_NOW] = session.info.get(_CLOCK) or datetime.now(UTC)  # one `now` for every nested write
            yield session.connection()
            if outermost:
                bump_written(app, session.connection())   # the report cache's data versions, same transaction
                session.commit()
        except BaseException:
            if outermost:
                session.rollback()
            raise
        finally:
            session.info[_DEPTH] = depth
            if outermost:
                session.info.pop(_NOW, None)
            if depth == 0:
                session.info.pop(_CACHE, None)


def savepoint() -> Any:
    """A SAVEPOINT of the session's transaction, emitted now; roll it back or commit it.

    ``db.session.begin_nested()`` alone emits nothing until the session next hands
    out its connection: writes made meanwhile through a connection taken earlier
    would land before the SAVEPOINT, and rolling it back would keep them.
    """
    nested = db.session.begin_nested()
    db.session.connection()
    return nested


_HOOKS_RAN: ContextVar[bool] = ContextVar("trellis_unit_hooks_ran", default=False)


def hooks_ran() -> None:
    """Note that the running unit of work called plugin hooks: from now on it is not retried."""
    _HOOKS_RAN.set(True)


def retrying(app, work: Callable[[], Any]) -> Any:
    """``work()`` (which opens a unit of work), run again when a lock clash ended it early.

    Retried when it is the outermost unit, the caller left no pending changes in
    the session, and the clash (PostgreSQL's deadlock or serialization failure,
    SQLite's "database is locked" after its busy timeout) came before any hook
    ran: until then nothing was sent anywhere, and everything was rolled back.
    A nested call, or a clash after hooks ran, raises at once.
    """
    with _app_context(app):
        session = db.session
        if session.info.get(_DEPTH, 0) or session.new or session.dirty or session.deleted:
            return work()
        for attempt in range(1, ATTEMPTS + 1):
            _HOOKS_RAN.set(False)
            try:
                return work()
            except DBAPIError as e:
                if attempt == ATTEMPTS or _HOOKS_RAN.get() or not _retryable(e):
                    raise
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not a secret
        raise AssertionError("unreachable")


def _retryable(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if code in _RETRYABLE:
        return True
    return "database is locked" in str(error.orig)


@contextmanager
def writes_at(moment: datetime) -> Iterator[None]:
    """Stamp the writes begun inside at ``moment`` (aware) instead of the current time.

    Their ``created_at``/``updated_at``, history and ``context.now`` (what hooks compute
    with) are ``moment``: demo data with a past (:meth:`trellis.DemoContext.at`). A write
    already running keeps its own ``now``. Needs an app context (the session's).
    """
    info = db.session.info
    previous = info.get(_CLOCK)
    info[_CLOCK] = moment
    try:
        yield
    finally:
        if previous is None:
            info.pop(_CLOCK, None)
        else:
            info[_CLOCK] = previous


def write_now() -> datetime:
    """The ``now`` of the running write (aware UTC), or the current time outside one."""
    return db.session.info.get(_NOW) or datetime.now(UTC)


def unit_cache(app) -> dict:
    """A dict for values read once per unit of work (e.g. one import batch), dropped when it ends.

    For what many writes of one transaction would otherwise each read again. It
    never outlives the outermost unit, so a change made elsewhere (another process)
    is seen by the next one; a writer that changes what is cached clears it. Outside
    a unit of work of ``app`` it is a new, empty dict every time.
    """
    if not has_app_context() or current_app._get_current_object() is not app:
        return {}
    session = db.session
    if not session.info.get(_DEPTH):
        return {}
    return session.info.setdefault(_CACHE, {})


def _app_context(app):
    if has_app_context() and current_app._get_current_object() is app:
        return nullcontext()
    return app.app_context()
