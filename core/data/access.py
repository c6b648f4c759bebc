"""Who may do what: the permission interface every read and write of the data layer asks.

The record service and the query builder never decide permissions themselves; they
ask the ``Access`` registered as ``runtime(app).access``. Until the
security subsystem registers its role-based one, :class:`SystemAccess` allows
everything (it is also what system work such as roll-ups runs with).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Access(Protocol):
    """The questions the data layer asks before reading or writing.

    ``verb`` is ``read``, ``create``, ``write``, ``delete`` or ``transition:<name>``,
    or ``administer`` (entity ``"*"``) for the admin pages, which only administrators may open;
    ``record`` is the stored record (a :class:`trellis.data.record.Record`) when the
    question is about one. ``readable_fields``/``writable_fields`` return a set of
    field names, or None for "every field". ``read_filter`` returns a SQLAlchemy
    clause over the entity's table that limits which rows ``user`` may see (None: all).
    """

    def can(self, user: Any, verb: str, entity: str, record: Any = None) -> bool:
        """True when ``user`` may do ``verb`` on ``entity`` (or on ``record``)."""

    def readable_fields(self, user: Any, entity: str) -> set[str] | None:
        """The fields ``user`` may see, or None for all."""

    def writable_fields(self, user: Any, entity: str) -> set[str] | None:
        """The fields ``user`` may set, or None for all."""

    def read_filter(self, user: Any, entity: str, table: Any = None) -> Any:
        """A SQLAlchemy clause limiting the rows ``user`` may read, or None for all."""


class SystemAccess:
    """Allows everything: the default until security plugs in, and the system's own access."""

    def can(self, user: Any, verb: str, entity: str, record: Any = None) -> bool:
        """Always True."""
        return True

    def readable_fields(self, user: Any, entity: str) -> set[str] | None:
        """Every field."""
        return None

    def writable_fields(self, user: Any, entity: str) -> set[str] | None:
        """Every field."""
        return None

    def read_filter(self, user: Any, entity: str, table: Any = None) -> Any:
        """No limit."""
        return None


def access_for(app) -> Access:
    """The ``Access`` registered for ``app`` (``SystemAccess`` when none is)."""
    from trellis.runtime import runtime

    return runtime(app).access


def user_id(user: Any) -> Any:
    """The id stored for ``user`` in ``created_by``/history: its ``.id``, or the value itself."""
    return getattr(user, "id", user)
