"""The many-rows half of the record service: what :meth:`RecordService.create_many` runs.

Every row takes the whole write path of ``create``; what a batch saves is
statements: links and ``unique`` values are checked with one query per field, the
rows and their history inserted with one statement each.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from trellis.data import history as history_rows
from trellis.data.access import user_id
from trellis.data.bulk import insert_returning
from trellis.data.coerce import empty
from trellis.data.context import Context
from trellis.data.hook_calls import BATCH_ROW
from trellis.data.plan import WritePlan, plan_for
from trellis.data.record import Record, changes_between
from trellis.data.schema import SEARCH_COLUMN, link_columns, link_target
from trellis.data.storage import many_fields
from trellis.data.unit import savepoint
from trellis.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from trellis.metadata.model import Entity

ROW_ERRORS = (ValidationError, NotFound, PermissionDenied, ConflictError)
"""What refuses one row of :meth:`RecordService.create_many` (anything else stops the whole call)."""
IN_CHUNK = 1000   # values per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


class RunRefused(Exception):
    """A parent refused the roll-ups of a whole run, or an ``after_save_many`` hook the run as a whole
    (rolled back): the run is done again a row at a time, which names the row."""


class BatchWrites:
    """``create_many``'s runs of rows; mixed into :class:`trellis.data.records.RecordService`."""

    def _create_run(self, connection, meta: Entity, rows: list[dict[str, Any]], waiting: list[int],
                    results: list, one_by_one: bool = False) -> list[int]:
        """Create rows ``waiting`` (indexes into ``rows``) up to the first whose ``unique`` value an
        earlier one of them takes; fill ``results``; return the indexes still to do.

        A row refused before its hooks ran is simply left out. A row refused by a hook
        (or by what a hook changed) rolls the run back to its savepoint, because hooks
        of the rows around it may have written; the rest of the run is done again.
        """
        context = self._context()
        plan = plan_for(self.app, meta)
        prepared = []
        for index in waiting:
            errors: dict[str, str] = {}
            record = self._prepared(meta, None, rows[index], context, errors, plan=plan)
            prepared.append((index, record, changes_between(meta, None, record), errors))
        self._check_stored_many(connection, meta, [item[1:] for item in prepared])
        unique = [f.name for f in meta.fields.values() if f.unique and f.column]
        claimed: dict[str, set] = {name: set() for name in unique}
        run, rest = [], []
        for position, (index, record, changes, errors) in enumerate(prepared):
            values = {name: _hashable(record.get(name)) for name in unique
                      if name in changes and name not in errors and not empty(record.get(name))}
            if any(value in claimed[name] for name, value in values.items()):
                rest = waiting[position:]  # it must see the earlier row stored to be told which one it clashes with
                break
            if errors:
                results[index] = ValidationError(errors)
                continue
            for name, value in values.items():
                claimed[name].add(value)
            run.append((index, record, changes))
        refused = self._write_run(connection, meta, run, context, results, plan, one_by_one)
        if refused:
            return [index for index, _, _ in run if index not in refused] + rest
        return rest

    def _write_run(self, connection, meta: Entity, run: list[tuple[int, Record, dict]], context: Context,
                   results: list, plan: WritePlan, one_by_one: bool = False) -> set[int]:
        """Steps 5-8 for checked new records, in a savepoint; the indexes of rows refused on the way.

        When a row is refused the savepoint is rolled back (nothing of the run stays)
        and only the refused rows get a result; the caller runs the others again.
        The parents' roll-ups are brought up to date for the whole run at once, before
        the rows' ``after_save`` hooks (unless ``one_by_one``: per row, before its
        hooks); when a parent refuses them, or an ``after_save_many`` hook refuses the
        run, :class:`RunRefused` is raised, the savepoint rolled back.
        """
        if not run:
            return set()
        refused: dict[int, Exception] = {}
        nested = savepoint()
        try:
            if plan.rollups_over:
                self._lock_parents(connection, meta, [(None, record) for _, record, _ in run], None, plan)
            written = []
            for index, record, changes in run:
                try:
                    written.append((index, record, self._before_write(connection, meta, None, record, changes,
                                                                      context, plan=plan)))
                except ROW_ERRORS as e:
                    refused[index] = e
                    break  # the run is done again anyway: no need to call the other rows' hooks
            if not refused:
                self._insert_many(connection, meta, [record for _, record, _ in written], plan)
                history_rows.write_kept(connection, self.schema, meta,
                                        [(record.id, changes) for _, record, changes in written],
                                        user_id(context.user), context.now, context.channel, self._actor(context),
                                        created=True)
                if one_by_one:
                    for index, record, changes in written:
                        try:
                            self._update_rollups(connection, meta, None, record, changes, plan)
                            self._after_save(meta, [(record, changes)], context)
                        except ROW_ERRORS as e:
                            refused[index] = e
                            break
                else:
                    try:
                        self._update_rollups_many(connection, meta, [(None, record, changes)
                                                                     for _, record, changes in written], plan)
                    except ROW_ERRORS as e:
                        raise RunRefused() from e
                    try:
                        self._after_save(meta, [(record, changes) for _, record, changes in written], context)
                    except ROW_ERRORS as e:
                        row = getattr(e, BATCH_ROW, None)
                        if row is None:
                            raise RunRefused() from e
                        refused[written[row][0]] = e
        except BaseException:
            nested.rollback()
            raise
        if refused:
            nested.rollback()
            for index, error in refused.items():
                results[index] = error
            return set(refused)
        nested.commit()
        for index, record, _ in written:
            results[index] = record
        return set()

    def _check_stored_many(self, connection, meta: Entity, items: list[tuple[Record, dict, dict[str, str]]]) -> None:
        """:meth:`_check_stored` for many new records: one query per link target and per ``unique`` field.

        ``items`` are ``(record, changes, errors)``; each record's messages go into its
        own ``errors``, worded as ``_check_stored`` words them.
        """
        tables = self.schema.tables
        checks = []  # (field, link target or None, unique?) in field order, as _check_stored meets them
        for field in meta.fields.values():
            target = link_target(field) if field.type in ("link", "user", "links") else None
            target = target if target in tables else None
            if target is not None or (field.unique and field.column):
                checks.append((field.name, target, bool(field.unique and field.column)))
        if not checks:
            return
        wanted: dict[str, set] = {}
        taken: dict[str, set] = {}
        for record, changes, errors in items:
            for name, target, unique in checks:
                value = dict.get(record, name)
                if name not in changes or name in errors or empty(value):
                    continue
                if target is not None:
                    wanted.setdefault(target, set()).update(value if isinstance(value, list) else [value])
                if unique:
                    taken.setdefault(name, set()).add(_hashable(value))
        readable = {name: self._readable_link(meta.fields[name], tables[target]) for name, target, _ in checks
                    if target is not None}
        found = {}
        for name, target, _ in checks:
            if target is not None and target in wanted and (target, name) not in found:
                found[(target, name)] = self._existing(connection, tables[target].c.id, wanted[target], readable[name])
        table = tables[meta.name]
        users = {name: self._users(connection, table, table.c[meta.fields[name].column], values)
                 for name, values in taken.items()}
        for record, changes, errors in items:
            for name, target, unique in checks:
                value = dict.get(record, name)
                if name not in changes or name in errors or empty(value):
                    continue
                if target is not None:
                    missing = sorted((set(value) if isinstance(value, list) else {value}) - found[(target, name)])
                    if missing:
                        errors[name] = f"no {target} #{missing[0]}"
                if unique:
                    other = users[name].get(_hashable(value))
                    if other is not None:
                        errors[name] = f"is already used by {meta.name} #{other}"

    def _existing(self, connection, column, ids: set, where: list | tuple = ()) -> set:
        """The ``ids`` that are in ``column`` (an id column) and meet ``where``, a thousand per query."""
        ids = sorted(ids, key=repr)
        found = set()
        for start in range(0, len(ids), IN_CHUNK):
            found.update(connection.execute(select(column).where(column.in_(ids[start:start + IN_CHUNK]),
                                                                 *where)).scalars())
        return found

    def _users(self, connection, table, column, values: set) -> dict:
        """``{value: id of a record holding it}`` for the ``values`` stored in ``column``."""
        values = sorted(values, key=repr)
        users: dict = {}
        for start in range(0, len(values), IN_CHUNK):
            rows = connection.execute(select(column, table.c.id).where(column.in_(values[start:start + IN_CHUNK]))
                                      .order_by(table.c.id))
            for value, record_id in rows:
                users.setdefault(_hashable(value), record_id)
        return users

    def _insert_many(self, connection, meta: Entity, records: list[Record], plan: WritePlan) -> None:
        """INSERT new records (one executemany when the database returns ids in order), with their links lists."""
        table = self.schema.tables[meta.name]
        dialect = connection.dialect
        if len(records) < 2 or not (dialect.name == "sqlite" and dialect.insert_returning
                                    or dialect.insert_executemany_returning_sort_by_parameter_order):
            for record in records:
                self._insert(connection, meta, record, plan)
            return
        search = SEARCH_COLUMN in table.c
        rows = [self._row_of(meta, record, plan, search) for record in records]
        ids = insert_returning(connection, table, rows, "id")
        if ids is None and dialect.name == "sqlite":
            # SQLite gives each row of an INSERT the next rowid, in the order of its VALUES (the
            # reasoning SQLAlchemy applies to PostgreSQL's sequences), though RETURNING may list
            # them in any order: sorted, they match the rows. (sort_by_parameter_order would make
            # SQLAlchemy send one INSERT per row to SQLite.)
            ids = sorted(connection.execute(insert(table).returning(table.c.id), rows).scalars())
        elif ids is None:
            ids = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                     rows).scalars().all()
        if len(set(ids)) != len(records):
            raise RuntimeError(f"inserted {len(records)} {meta.name} rows but got {len(set(ids))} ids back")
        for record, record_id in zip(records, ids, strict=True):
            record.system.update(id=record_id, version=1)
        for field in many_fields(meta, self.schema):
            link_table = self.schema.links[(meta.name, field.name)]
            near, far = link_columns(meta.name, field)
            pairs = [{near: r.id, far: i} for r in records for i in r.get(field.name) or []]
            if pairs:
                connection.execute(insert(link_table), pairs)


def _hashable(value: Any) -> Any:
    """``value`` as a set member: lists (tags, multiselect) as tuples."""
    return tuple(value) if isinstance(value, list) else value
