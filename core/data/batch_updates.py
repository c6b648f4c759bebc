"""The many-records update of the record service: what :meth:`RecordService.update_many` runs.

Every record takes the write path of ``update`` (permission per record, refused
fields, coercion and checks, computed fields, ``before_save``, history, roll-ups,
``after_save``); what a batch saves is statements. The records are locked and read
with one query per thousand ids, links and ``unique`` values checked with one query
per field, and the rows written with one executemany per set of changed columns.
Unlike ``create_many`` it is all or nothing: the first refused record raises, and
nothing of the call stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, select, update
from trellis.data import history as history_rows
from trellis.data.access import user_id
from trellis.data.batch_writes import IN_CHUNK
from trellis.data.coerce import MAX_ID
from trellis.data.context import Context
from trellis.data.hook_calls import BATCH_ROW
from trellis.data.plan import plan_for
from trellis.data.record import Record, changes_between
from trellis.data.schema import SEARCH_COLUMN, search_text
from trellis.data.storage import column_fields, load_links, many_fields, records_from_rows, save_links
from trellis.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from trellis.metadata.model import Entity

_ID, _VERSION = "trellis_id", "trellis_version"  # bind names that no column can have


def changes_by_id(changes: Mapping[Any, Mapping[str, Any]] | Iterable[Mapping[str, Any]]) -> list[tuple[int, dict]]:
    """``[(id, values)]`` from ``{id: values}`` or from rows that carry their ``id``; a ValidationError
    (nothing written) for an id that is missing, not a whole number in range, or given twice."""
    pairs = list(changes.items()) if isinstance(changes, Mapping) else \
        [(row.get("id"), {k: v for k, v in row.items() if k != "id"}) for row in changes]
    seen: set[int] = set()
    result = []
    for position, (raw, values) in enumerate(pairs, start=1):
        try:
            record_id = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({"id": f"row {position}: must be the id of a record"}) from None
        if not 0 < record_id <= MAX_ID or isinstance(raw, bool):
            raise ValidationError({"id": f"row {position}: must be the id of a record"})
        if record_id in seen:
            raise ValidationError({"id": f"row {position}: #{record_id} is given twice"})
        if not isinstance(values, Mapping):
            raise ValidationError({"id": f"row {position}: the values of #{record_id} must be a mapping"})
        seen.add(record_id)
        result.append((record_id, dict(values)))
    return result


class BatchUpdates:
    """``update_many``'s steps; mixed into :class:`trellis.data.records.RecordService`."""

    def _update_many(self, connection, meta: Entity, wanted: list[tuple[int, dict]], system: bool = False,
                     olds: dict[int, Record] | None = None) -> list[Record]:
        """Steps 1-8 for every ``(id, values)`` of ``wanted`` in the caller's transaction; the saved records.

        ``system``: a system write (roll-ups), which skips steps 1-2 and validation, as ``_save``'s does.
        ``olds``: the records as the caller read them with their rows locked (by id), which saves reading them again.
        """
        ids = [record_id for record_id, _ in wanted]
        if olds is None:
            self._take_locks(connection, meta, ids)
            olds = self._load_many(connection, meta, ids)
        for record_id in ids:
            old = olds.get(record_id)
            if old is None or not self.access.can(self.user, "read", meta.name, old):
                raise NotFound(f"no {meta.name} #{record_id}")
            if not self.access.can(self.user, "write", meta.name, old):
                raise PermissionDenied(f"you may not change {meta.name} #{record_id}")
        context = self._context()
        plan = plan_for(self.app, meta)
        prepared = []
        for record_id, values in wanted:
            errors: dict[str, str] = {}
            old = olds[record_id]
            record = self._prepared(meta, old, values, context, errors, plan=plan, system=system)
            prepared.append((old, record, changes_between(meta, old, record), errors, set(values)))
        if not system:
            self._check_stored_many(connection, meta, [(record, changes, errors)
                                                       for _, record, changes, errors, _ in prepared])
        for old, _, _, errors, _ in prepared:
            if errors:
                raise _refused(meta, old.id, ValidationError(errors))
        prepared = [item for item in prepared if item[2]]  # unchanged records are not written, as by update
        if plan.rollups_over:
            self._lock_parents(connection, meta, [(old, record) for old, record, *_ in prepared], None, plan)
        written = []
        for old, record, changes, _, given in prepared:
            try:
                changes = self._before_write(connection, meta, old, record, changes, context, system, plan)
            except ValidationError as e:
                raise _refused(meta, old.id, e) from e
            if changes is not None:
                written.append((old, record, changes, given))
        self._write_many(connection, meta, written, context)
        history_rows.write_kept(connection, self.schema, meta, [(record.id, changes) for _, record, changes, _
                                                                in written],
                                user_id(context.user), context.now, context.channel, self._actor(context))
        for old, record, changes, _ in written:
            self._update_rollups(connection, meta, old, record, changes, plan)
        try:
            self._after_save(meta, [(record, changes) for _, record, changes, _ in written], context)
        except ValidationError as e:
            row = getattr(e, BATCH_ROW, None)
            if row is None:
                raise
            raise _refused(meta, written[row][0].id, e) from e
        return [record for _, record, _, _, _ in prepared]

    def _load_many(self, connection, meta: Entity, ids: list[int]) -> dict[int, Record]:
        """The stored records ``ids`` the user may read (with ``links`` lists), a thousand per query."""
        table = self.schema.tables[meta.name]
        where = self.access.read_filter(self.user, meta.name, table)
        found: dict[int, Record] = {}
        fields = column_fields(meta)
        for start in range(0, len(ids), IN_CHUNK):
            statement = select(table).where(table.c.id.in_(ids[start:start + IN_CHUNK]))
            if where is not None:
                statement = statement.where(where)
            for record in records_from_rows(meta, connection.execute(statement).mappings().all(), fields):
                found[record.id] = record
        for field in many_fields(meta, self.schema):
            for start in range(0, len(ids), IN_CHUNK):
                chunk = [i for i in ids[start:start + IN_CHUNK] if i in found]
                for record_id, linked in load_links(connection, self.schema, meta, field, chunk).items():
                    found[record_id][field.name] = linked
        return found

    def _write_many(self, connection, meta: Entity, written: list[tuple[Record, Record, dict, set]],
                    context: Context) -> None:
        """UPDATE ... WHERE id AND version for every record, one executemany per set of columns.

        A record's row sets the columns of the fields it was given and of those that
        changed (the given ones that did not change are written with their value
        unchanged), so that a batch of similar updates is one statement.
        """
        table = self.schema.tables[meta.name]
        search = SEARCH_COLUMN in table.c and set(meta.search)
        stamp = {"updated_at": context.now, "updated_by": user_id(context.user)}
        groups: dict[tuple[str, ...], list[dict]] = {}
        columns = dict(plan_for(self.app, meta).columns)
        for old, record, changes, given in written:
            row = {columns[name]: record.get(name) for name in given | set(changes) if name in columns}
            row.update(stamp, version=old.version + 1)
            if search and search & (given | set(changes)):
                row[SEARCH_COLUMN] = search_text(record, meta)
            row[_ID], row[_VERSION] = old.id, old.version
            groups.setdefault(tuple(sorted(row)), []).append(row)
            record.system.update(version=old.version + 1, **stamp)
        sane = connection.dialect.supports_sane_multi_rowcount
        statement = update(table).where(table.c.id == bindparam(_ID), table.c.version == bindparam(_VERSION))
        for rows in groups.values():
            result = connection.execute(statement, rows)  # SET: the rows' other keys
            if sane and result.rowcount != len(rows):  # the rows are locked: only a write outside Trellis
                raise ConflictError(f"{meta.name} records were changed by someone else during this update")
        for field in many_fields(meta, self.schema):
            for _, record, changes, _ in written:
                if field.name in changes:
                    save_links(connection, self.schema, meta, field, record.id, record.get(field.name) or [])



def _refused(meta: Entity, record_id: int, error: ValidationError) -> ValidationError:
    """``error`` saying which record it refused (``refused``, and ``#id`` in its message)."""
    refused = ValidationError(error.fields, f"{meta.name} #{record_id}: {error.message}")
    refused.refused = (meta.name, record_id)
    return refused
