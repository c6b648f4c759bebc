"""Link columns by name: "Acme" in a ``company`` column becomes the id of the company titled Acme.

A value is looked up by the target entity's title field and, when it has one, its
``email`` field (casefolded, trimmed). Each target's lookup table is read once per
import, so a 100,000-row file costs one query per target, not one per row. With
``create`` on, a name that matches nothing becomes a new target record (through
the record service, so its rules and hooks run); names created in a row that is
then rolled back are forgotten again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from trellis.data.schema import link_target
from trellis.metadata.model import Entity, Field

SEPARATORS = (";", ",")


def norm(value: Any) -> str:
    """Text compared for lookups: trimmed, inner spaces collapsed, casefolded."""
    return " ".join(str(value).split()).casefold()


class LinkResolver:
    """Turns names in link, user and links columns into ids for one import run."""

    def __init__(self, service, create: bool = False):
        self.service = service
        self.create = create
        self._lookup: dict[str, dict[str, list[int]]] = {}
        self._pending: list[tuple[str, str]] = []

    def resolve(self, connection, field: Field, text: str) -> Any:
        """The id (or, for ``links``, the list of ids) ``text`` names; ValueError(message) when it names none."""
        target = link_target(field)
        if target not in self.service.metadata.entities:
            raise ValueError(f"links to an unknown entity '{target}'")
        if field.storage == "links":
            parts = [p for p in _split(text) if p.strip()]
            return [self._one(connection, target, part) for part in parts]
        return self._one(connection, target, text)

    def _one(self, connection, target: str, text: str) -> int:
        stripped = text.strip()
        if stripped.startswith("#") and stripped[1:].isdigit():
            return int(stripped[1:])  # an explicit id; the record service checks it exists
        ids = self._table(connection, target).get(norm(stripped), [])
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            shown = ", ".join(f"#{i}" for i in ids[:5])
            raise ValueError(f"'{stripped}' matches {len(ids)} {target} records ({shown}); write #id to choose")
        if not self.create or target == "user":
            raise ValueError(f"no {target} named '{stripped}'")
        meta = self.service.metadata.entities[target]
        if not meta.title:
            raise ValueError(f"no {target} named '{stripped}' (and {target} has no title field to create one)")
        record = self.service.create(target, {meta.title: stripped})
        self._table(connection, target)[norm(stripped)] = [record.id]
        self._pending.append((target, norm(stripped)))
        return record.id

    def created(self) -> int:
        """How many targets were created since the last ``keep`` or ``forget``."""
        return len(self._pending)

    def keep(self) -> None:
        """The rows that created targets were written: keep them in the lookup."""
        self._pending.clear()

    def forget(self) -> None:
        """The rows that created targets were rolled back: they no longer exist."""
        for target, name in self._pending:
            self._lookup.get(target, {}).pop(name, None)
        self._pending.clear()

    def _table(self, connection, target: str) -> dict[str, list[int]]:
        found = self._lookup.get(target)
        if found is None:
            found = self._lookup[target] = _read_names(connection, self.service, self.service.metadata.entities[target])
        return found


def _read_names(connection, service, meta: Entity) -> dict[str, list[int]]:
    table = service.schema.tables[meta.name]
    columns = [f.column for f in (meta.fields.get(meta.title), meta.fields.get("email"))
               if f is not None and f.column]
    names: dict[str, list[int]] = {}
    if not columns:
        return names
    statement = select(table.c.id, *[table.c[c] for c in columns])
    limit = service.access.read_filter(service.user, meta.name, table)
    if limit is not None:
        statement = statement.where(limit)
    for row in connection.execute(statement.order_by(table.c.id)):
        for value in set(row[1:]):
            if value is not None and str(value).strip():
                names.setdefault(norm(value), []).append(row[0])
    return names


def _split(text: str) -> list[str]:
    for separator in SEPARATORS:
        if separator in text:
            return text.split(separator)
    return [text]
