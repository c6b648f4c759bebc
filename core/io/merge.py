"""Merging duplicates: one survivor keeps the chosen values and everything that pointed at the losers.

:func:`merge` runs in ONE transaction:

1. the survivor takes, per field, the value of the record ``choices`` names for it;
   fields not chosen keep the survivor's value, or take the first loser's when the
   survivor's is empty (so a merge never loses a phone number nobody chose against);
2. every reference to a loser moves to the survivor, each through the record
   service as the system (so history, roll-ups and hooks see it): link and user
   fields of every entity, ``links`` (many-to-many) lists, and records that point
   at any record by ``ref_entity`` + ``ref_record`` (activities, notes);
3. the survivor's history gets one "merged from #id" row per loser (the loser's own history
   stays under its id: its creation is not the survivor's), and possible-duplicate flags
   naming them are resolved;
4. each loser is written to ``trellis_merge`` (its values as JSON, who, when: the
   audit, and what :func:`merged_into` answers for an old link) and then deleted
   through the record service; its deletion stays in the history under its own id.

The loser is deleted rather than hidden because every list, search, count,
roll-up and unique check would otherwise have to learn to skip "merged" rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from trellis.data.access import user_id
from trellis.data.history import MERGED, write_changes
from trellis.data.records import RecordService
from trellis.data.schema import link_columns, link_target
from trellis.data.unit import unit_of_work, write_now
from trellis.errors import PermissionDenied, ValidationError
from trellis.io.mapping import importable_fields
from trellis.io.tables import ensure

REF_ENTITY = "ref_entity"
REF_RECORD = ("ref_record", "ref_id")


@dataclass
class MergeResult:
    """What a merge did: ``moved`` counts references moved, by ``"entity.field"``."""

    entity: str
    survivor_id: int
    loser_ids: list[int]
    taken: dict[str, int] = field(default_factory=dict)
    moved: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """``Merged contact #4 into #1; moved 3 references (activity.contact: 2, note.contact: 1)``."""
        losers = ", ".join(f"#{i}" for i in self.loser_ids)
        total = sum(self.moved.values())
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(self.moved.items()))
        text = f"Merged {self.entity} {losers} into #{self.survivor_id}; moved {total} reference{'s' * (total != 1)}"
        return f"{text} ({detail})" if detail else text


def merge(app, entity: str, survivor_id: int, loser_ids: list[int], choices: dict[str, int] | None = None,
          user: Any = None, channel: str = "ui") -> MergeResult:
    """Merge ``loser_ids`` into ``survivor_id`` (see the module docstring); all or nothing.

    ``choices`` maps a field name to the id (survivor's or a loser's) whose value
    wins. ``user`` must be allowed to read all of them, to write the survivor and to
    delete the losers. Raises ValidationError for a bad choice, NotFound for a
    missing record, PermissionDenied when not allowed.
    """
    choices = dict(choices or {})
    losers = [int(i) for i in dict.fromkeys(loser_ids) if int(i) != int(survivor_id)]
    if not losers:
        raise ValidationError({"__all__": "name at least one record to merge into the survivor"})
    tables = ensure(app)
    service = RecordService(app, user, channel, operation="merge")
    system = RecordService(app, None, channel, operation="merge")
    result = MergeResult(entity, int(survivor_id), losers)
    with unit_of_work(app) as connection:
        survivor = service.get(entity, survivor_id)
        others = {i: service.get(entity, i) for i in losers}
        if not service.access.can(user, "write", entity, survivor):
            raise PermissionDenied(f"you may not change this {entity}")
        for loser in others.values():
            if not service.access.can(user, "delete", entity, loser):
                raise PermissionDenied(f"you may not delete {entity} #{loser.id}")
        values = _chosen_values(service.metadata.entities[entity], survivor, others, choices, result)
        for loser in others.values():
            _move_references(connection, system, entity, loser.id, survivor.id, result)
            _resolve_flags(connection, tables, entity, loser.id, survivor.id)
            _merged_event(connection, service, entity, loser, survivor.id)
            connection.execute(insert(tables.merges).values(
                entity=entity, loser_id=loser.id, survivor_id=survivor.id, loser_values=_json(dict(loser)),
                user_id=user_id(user), at=datetime.now(UTC)))
            system.delete(entity, loser.id)
        if values:
            service.update(entity, survivor.id, values)
    return result


def merged_into(app, entity: str, record_id: int) -> int | None:
    """The id a merged record now lives on (following merges of merges), or None if it was not merged."""
    tables = ensure(app)
    seen, current = set(), None
    with unit_of_work(app, write=False) as connection:
        wanted = int(record_id)
        while wanted not in seen:
            seen.add(wanted)
            found = connection.execute(select(tables.merges.c.survivor_id).where(
                tables.merges.c.entity == entity, tables.merges.c.loser_id == wanted)
                .order_by(tables.merges.c.id.desc()).limit(1)).scalar()
            if found is None:
                break
            current = wanted = found
    return current


def possible_duplicates(app, entity: str, limit: int = 200) -> list[dict[str, Any]]:
    """Flagged pairs of ``entity`` (newest first): ``{"record_id", "other_id", "rule", "at"}``."""
    tables = ensure(app)
    table = tables.duplicates
    with unit_of_work(app, write=False) as connection:
        rows = connection.execute(select(table.c.record_id, table.c.other_id, table.c.rule, table.c.at)
                                  .where(table.c.entity == entity).order_by(table.c.id.desc()).limit(limit))
        return [dict(row._mapping) for row in rows]


def _chosen_values(meta, survivor, others: dict, choices: dict[str, int], result: MergeResult) -> dict[str, Any]:
    everyone = {survivor.id: survivor, **others}
    fields = {f.name: f for f in importable_fields(meta)}
    errors = {}
    values = {}
    for name, source in choices.items():
        if name not in fields:
            errors[name] = f"{meta.name} has no field '{name}' a merge can set"
        elif int(source) not in everyone:
            errors[name] = f"#{source} is not one of the merged records"
        else:
            result.taken[name] = int(source)
            value = everyone[int(source)].get(name)
            if value != survivor.get(name):
                values[name] = value
    if errors:
        raise ValidationError(errors)
    for name in fields:
        if name in choices or not _empty(survivor.get(name)):
            continue
        for loser in others.values():
            if not _empty(loser.get(name)):
                values[name] = loser.get(name)
                result.taken[name] = loser.id
                break
    return values


def _move_references(connection, system, entity: str, loser_id: int, survivor_id: int,
                     result: MergeResult) -> None:
    metadata, schema = system.metadata, system.schema
    for other in metadata.entities.values():
        table = schema.tables.get(other.name)
        if table is None:
            continue
        for fld in other.fields.values():
            target = link_target(fld) if fld.storage in ("link", "links") else None
            if target != entity:
                continue
            if fld.column:
                ids = connection.execute(select(table.c.id).where(table.c[fld.column] == loser_id)
                                         .order_by(table.c.id)).scalars().all()
                for child_id in ids:
                    system.update(other.name, child_id, {fld.name: survivor_id})
            elif (other.name, fld.name) in schema.links:
                links = schema.links[(other.name, fld.name)]
                near, far = link_columns(other.name, fld)
                ids = connection.execute(select(links.c[near]).where(links.c[far] == loser_id)
                                         .order_by(links.c[near])).scalars().all()
                for owner_id in ids:
                    current = system.get(other.name, owner_id).get(fld.name) or []
                    moved = list(dict.fromkeys(survivor_id if i == loser_id else i for i in current))
                    system.update(other.name, owner_id, {fld.name: moved})
            else:
                continue
            if ids:
                result.moved[f"{other.name}.{fld.name}"] = result.moved.get(f"{other.name}.{fld.name}", 0) + len(ids)
        ref = next((other.fields[n] for n in REF_RECORD if n in other.fields), None)
        kind = other.fields.get(REF_ENTITY)
        if ref is None or kind is None or not ref.column or not kind.column:
            continue
        ids = connection.execute(select(table.c.id).where(table.c[kind.column] == entity,
                                                          table.c[ref.column] == loser_id)
                                 .order_by(table.c.id)).scalars().all()
        for child_id in ids:
            system.update(other.name, child_id, {ref.name: survivor_id})
        if ids:
            result.moved[f"{other.name}.{ref.name}"] = result.moved.get(f"{other.name}.{ref.name}", 0) + len(ids)


def _merged_event(connection, service: RecordService, entity: str, loser, survivor_id: int) -> None:
    """The survivor's history row saying which record was merged into it (its id and title)."""
    meta = service.metadata.entities[entity]
    title = loser.get(meta.title) if meta.title else None
    write_changes(connection, service.schema, entity, survivor_id,
                  {MERGED: (None, {"id": loser.id, "title": None if title is None else str(title)})},
                  user_id(service.user), write_now(), service.channel)


def _resolve_flags(connection, tables, entity: str, loser_id: int, survivor_id: int) -> None:
    flags = tables.duplicates
    connection.execute(delete(flags).where(
        flags.c.entity == entity,
        or_((flags.c.record_id == loser_id) & (flags.c.other_id == survivor_id),
            (flags.c.record_id == survivor_id) & (flags.c.other_id == loser_id))))
    connection.execute(update(flags).where(flags.c.entity == entity, flags.c.record_id == loser_id)
                       .values(record_id=survivor_id))
    connection.execute(update(flags).where(flags.c.entity == entity, flags.c.other_id == loser_id)
                       .values(other_id=survivor_id))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _json(values: dict[str, Any]) -> str:
    def plain(value):
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        return value

    return json.dumps({k: plain(v) for k, v in values.items()}, ensure_ascii=False, default=str)
