"""One transaction per write: the unit of work every record-service call runs in.

The record service works on flask-sqlalchemy's session connection. The outermost
write commits at its end, or rolls back on any exception; a write made while one
is running (a hook writing through ``context.records``, a cascade, a roll-up, an
automation) joins it, so all of them commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_app_context
from trellis.data.database import db

_DEPTH = "trellis_write_depth"
_NOW = "trellis_write_now"
_CACHE = "trellis_unit_cache"


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
                session.info[_NOW] = datetime.now(UTC)  # one `now` for every nested write
            yield session.connection()
            if outermost:
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
