"""Writing computed fields through the record service: only the values that changed, in batches.

Each batch of ``BATCH`` changed records is one ``update_many`` as the system (hooks
included; the fields keep no history). Comparing with what is stored first makes a
second run on the same data write nothing.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

BATCH = 500


def as_date(value) -> date:
    """A date as the database gives it back (SQLite: ISO text from an aggregate)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def same(old, new) -> bool:
    """Whether a stored value equals a computed one (numbers, dates and JSON compared by value)."""
    if old is None or new is None:
        return old is None and new is None
    if type(old) is type(new) and type(new) is not float:
        return old == new
    if isinstance(new, Decimal):
        return Decimal(str(old)) == new
    if isinstance(new, date):
        return as_date(old) == new
    if isinstance(new, list) and isinstance(old, str):
        return json.loads(old) == new
    return old == new


def changed_rows(wanted: dict) -> list[tuple[int, dict]]:
    """``(id, values that differ)`` for each ``id: (stored values, computed values)`` with a difference."""
    changes = []
    for record_id, (old, new) in wanted.items():
        changed = {name: value for name, value in new.items() if not same(old.get(name), value)}
        if changed:
            changes.append((record_id, changed))
    return changes


def write(records, entity: str, changes: list[tuple[int, dict]]) -> None:
    """Update each ``(id, values)`` through the record service, ``BATCH`` per ``update_many`` (transaction)."""
    for start in range(0, len(changes), BATCH):
        records.update_many(entity, dict(changes[start:start + BATCH]))
