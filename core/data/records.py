"""The record service: the one write path, and the way to read records.

Every create, update, delete and transition runs the same steps, in this order:

1. permission check (through the app's :class:`~trellis.data.access.Access`);
2. fields the caller may not set are refused, never silently dropped;
3. coercion and validation per field, ``required_if`` and ``rules`` (errors collected);
4. defaults (create) and computed fields;
5. ``before_save`` hooks (values they change are checked again);
6. the write, with an optimistic-lock check on ``version``;
7. field history;
8. roll-ups of parent records, then ``after_save`` hooks.

All of it runs in ONE transaction of flask-sqlalchemy's session: a nested call (a
hook writing through ``context.records``, a cascade) joins the outer transaction,
and any exception rolls everything back. Before step 5, the parents whose roll-ups
the write changes are locked (:meth:`RecordService.lock`), so that concurrent
writers of their children take turns instead of failing with a ConflictError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from trellis.data import history as history_rows
from trellis.data.access import Access, SystemAccess, access_for, user_id
from trellis.data.batch_rollups import BatchRollups
from trellis.data.batch_updates import BatchUpdates, changes_by_id
from trellis.data.batch_writes import ROW_ERRORS, BatchWrites, RunRefused
from trellis.data.coerce import MAX_ID, check_field, check_record, empty
from trellis.data.compute import apply_computed, apply_defaults, rollup_inputs
from trellis.data.context import OPERATION_OF_CHANNEL, Context
from trellis.data.hook_calls import HookCalls
from trellis.data.plan import WritePlan, plan_for
from trellis.data.record import SYSTEM_FIELDS, Link, Record, changes_between
from trellis.data.schema import SEARCH_COLUMN, link_columns, link_target, search_text
from trellis.data.storage import column_values, load, many_fields, save_links
from trellis.data.transitions import check_transition, state_field_guard
from trellis.data.unit import retrying, unit_of_work, write_now
from trellis.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from trellis.metadata.model import Entity, Transition, Workflow
from trellis.runtime import runtime

__all__ = ["ROW_ERRORS", "RecordService", "records_for"]


class RecordService(HookCalls, BatchWrites, BatchUpdates, BatchRollups):
    """Reads and writes records of one application as one user, through one channel.

    ``user`` None is the system (no permission limits); ``channel`` is recorded in
    history and given to hooks (``ui``, ``api``, ``import``, ``automation``, ``plugin``);
    ``operation`` is what hooks see as ``context.operation`` (by default the
    channel's: ``form`` for ``ui``, ``job`` for ``automation``, ``system`` for ``plugin``).
    A service made by :meth:`as_system` (``context.system``, ``trellis.system_records``)
    may also set ``readonly`` fields, and its writes name ``actor`` in history.
    """

    def __init__(self, app, user: Any = None, channel: str = "plugin", access: Access | None = None, *,
                 operation: str | None = None, actor: str | None = None, system: bool = False):
        self.app = app
        self.user = user
        self.channel = channel
        self.access = access or (SystemAccess() if user is None else access_for(app))
        self.operation = operation or OPERATION_OF_CHANNEL.get(channel, "system")
        self.actor = actor if user is None else None
        self.acts_as_system = system and user is None

    # --- reading ---------------------------------------------------------------------

    def get(self, entity: str, record_id: int) -> Record:
        """The record ``record_id``; NotFound when it does not exist or the user may not read it."""
        meta = self._entity(entity)
        with self._unit(write=False) as connection:
            record = self._load_readable(connection, meta, record_id)
            self._name_links(connection, meta, record)
        return self._visible(record)

    def _name_links(self, connection, meta: Entity, record: Record) -> None:
        """Turn the ids of ``record``'s link fields into :class:`Link` values with the linked titles."""
        tables = self.schema.tables
        for field in meta.fields.values():
            value = dict.get(record, field.name)
            if field.type not in ("link", "user") or value is None:
                continue
            target = self.metadata.entities.get(link_target(field) or "")
            title = target.fields.get(target.title) if target is not None and target.title else None
            name = None
            if title is not None and title.column and target.name in tables:
                table = tables[target.name]
                name = connection.execute(select(table.c[title.column]).where(table.c.id == value)).scalar()
            record[field.name] = Link(value, name)

    def query(self, entity: str):
        """A :class:`trellis.data.query.Query` over ``entity`` limited to what the user may read."""
        from trellis.data.query import Query

        meta = self._entity(entity)
        if not self.access.can(self.user, "read", entity):
            raise PermissionDenied(f"you may not read {entity} records")
        return Query(self, meta)

    def history(self, entity: str, record_id: int, newest: int | None = None,
                fields: set[str] | None = None, *, read: Record | None = None) -> list[history_rows.Change]:
        """The field history of a record the user may read, oldest first.

        ``fields``: only changes of these fields; ``newest``: only the last so many
        changes of ``fields`` (default: the entity's fields), read as such from the database.
        ``read``: the record as this user has just read it (a row of ``query`` or ``get``), which
        saves reading it again to check that the user may.
        """
        meta = self._entity(entity)
        readable = self.access.readable_fields(self.user, entity)
        if newest is not None and fields is None:
            fields = set(meta.fields)
        if fields is not None and readable is not None:
            fields = set(fields) & readable
        with self._unit(write=False) as connection:
            known = read is not None and read.entity == entity and read.id == record_id
            record = read if known else self._load_readable(connection, meta, record_id)
            # Rows from before this record was created belong to an earlier record with the same id
            # (a database that reuses ids); a snapshot like "__deleted__" holds every field, hidden ones too.
            born = record.system.get("created_at")
            changes = history_rows.history_of(connection, self.schema, entity, record_id, newest=newest,
                                              fields=fields, since=born if newest is not None else None)
        return [c for c in changes
                if (born is None or c.at is None or c.at >= born)
                and (readable is None or c.field in readable or c.field == history_rows.MERGED
                     or (c.field not in meta.fields and not c.field.startswith("__")))]

    # --- writing ---------------------------------------------------------------------

    def create(self, entity: str, values: dict[str, Any]) -> Record:
        """Create a record from ``values`` (form strings or JSON values); returns it with its id."""
        meta = self._entity(entity)
        if not self.access.can(self.user, "create", entity):
            raise PermissionDenied(f"you may not create {entity} records")
        return self._run(entity, None, lambda connection: self._visible(self._save(connection, meta, None, values)))

    def create_many(self, entity: str, rows: list[dict[str, Any]]) -> list[Record | Exception]:
        """Create a record from each of ``rows``, in one transaction; one result per row, in order.

        A result is the created Record, or the error that refused the row
        (``ValidationError``, ``NotFound``, ``PermissionDenied``, ``ConflictError``):
        a refused row writes nothing, the other rows are written. Every row takes the
        whole write path of :meth:`create`, with its own hooks, history and
        automations; what a batch saves is statements: links and ``unique`` values are
        checked with one query per field, the rows and their history inserted with one
        statement each. ``before_save`` hooks of a run of rows are called before any
        of them is inserted; then the parents' roll-ups are brought up to date for the
        whole run (each parent saved once); then ``after_save`` per row, in order (a
        plugin's ``after_save_many`` once for the run). Raises PermissionDenied (nothing
        written) when the user may not create ``entity``.
        """
        meta = self._entity(entity)
        if not self.access.can(self.user, "create", entity):
            raise PermissionDenied(f"you may not create {entity} records")
        results: list[Record | Exception | None] = [None] * len(rows)
        with self._unit() as connection:
            waiting, one_by_one = list(range(len(rows))), False
            while waiting:
                try:
                    waiting = self._create_run(connection, meta, rows, waiting, results, one_by_one)
                except RunRefused:  # a parent or a batch hook refused the run: again, a row at a time, to name the row
                    one_by_one = True
        return [self._visible(r) if isinstance(r, Record) else r for r in results]

    def update(self, entity: str, record_id: int, values: dict[str, Any],
               expected_version: int | None = None) -> Record:
        """Change some fields of a record; ``expected_version`` guards against a stale edit.

        Raises ConflictError (carrying the current values, nothing written) when the
        record was written since ``expected_version``.
        """
        meta = self._entity(entity)

        def work(connection) -> Record:
            old = self._load_readable(connection, meta, record_id)
            if not self.access.can(self.user, "write", entity, old):
                raise PermissionDenied(f"you may not change this {entity}")
            return self._visible(self._save(connection, meta, old, values, expected_version))

        return self._run(entity, record_id, work)

    def update_many(self, entity: str, changes: Mapping[Any, Mapping[str, Any]] | Iterable[Mapping[str, Any]]
                    ) -> list[Record]:
        """Change many records of ``entity`` in one transaction: ``{id: {field: value}}`` or rows with an ``id``.

        All or nothing: every record takes the write path of :meth:`update` (permission
        on the record, refused fields, validation, computed fields, ``before_save`` and
        ``after_save`` hooks, history, roll-ups; the roll-ups of every record before the
        hooks, and a plugin's ``after_save_many`` once for the batch), and the first
        record refused raises (ValidationError naming ``<entity> #<id>``, NotFound,
        PermissionDenied) with nothing written. What a batch saves is statements: the records are locked and
        read a thousand per query, and written with one executemany per set of
        columns. A record whose values do not change is not written (its version
        stays). Returns the records as saved, in the order given.
        """
        meta = self._entity(entity)
        if not self.access.can(self.user, "write", entity):
            raise PermissionDenied(f"you may not change {entity} records")
        wanted = changes_by_id(changes)

        def once() -> list[Record]:
            with self._unit() as connection:
                return [self._visible(r) for r in self._update_many(connection, meta, wanted)]

        return retrying(self.app, once) if wanted else []

    def transition(self, entity: str, record_id: int, name: str, values: dict[str, Any] | None = None,
                   expected_version: int | None = None) -> Record:
        """Move a record along its workflow by the transition ``name``.

        ``values`` may set other fields in the same write (e.g. the ``lost_reason``
        a ``lose`` transition requires). Refused with a ValidationError when the
        record's state is not a source of the transition, its ``when`` guard is
        false, or a required field is empty.
        """
        meta = self._entity(entity)
        found = [(w, w.transitions[name]) for w in self._workflows(entity) if name in w.transitions]
        if not found:
            raise ValidationError({"__all__": f"{entity} has no transition '{name}'"})
        move = found[0][1]

        def work(connection) -> Record:
            old = self._load_readable(connection, meta, record_id)
            if not self.access.can(self.user, f"transition:{name}", entity, old):
                raise PermissionDenied(f"you may not '{name}' this {entity}")
            if move.approval is not None and self.user is not None and \
                    not runtime(self.app).approvals.gate(self, found[0][0], old, move):
                return old   # the user's approval is counted; the transition waits for the others
            if move.approval is not None and self.user is not None:
                old = self._load_readable(connection, meta, record_id)   # as it is under the gate's lock
            record = self._save(connection, meta, old, dict(values or {}), expected_version, transition=found[0])
            context = self._context()
            self._hook("after_transition", record=record, transition=move, context=context)
            self.run_transition_actions(record, move, context)
            return record

        return self._visible(self._run(entity, record_id, work))

    def run_transition_actions(self, record: Record, transition: Transition, context: Context) -> None:
        """Run ``transition.actions`` inside the transaction: the automation engine's call point.

        The automation subsystem sets ``runtime(app).transition_actions``, a callable
        ``(record, transition, context)``.
        """
        if transition.actions:
            runtime(self.app).transition_actions(record, transition, context)

    def delete(self, entity: str, record_id: int) -> None:
        """Delete a record, honouring ``on_delete`` of every link pointing at it."""
        meta = self._entity(entity)

        def work(connection) -> None:
            old = self._load_readable(connection, meta, record_id)
            if not self.access.can(self.user, "delete", entity, old):
                raise PermissionDenied(f"you may not delete this {entity}")
            self._delete(connection, meta, old)

        self._run(entity, record_id, work)

    def as_user(self, user: Any, channel: str | None = None) -> RecordService:
        """The same service acting as another user (None: the system), for the same operation."""
        return RecordService(self.app, user, channel or self.channel, operation=self.operation)

    def as_system(self, actor: str | None = None, operation: str = "system") -> RecordService:
        """A service acting as the system on behalf of ``actor`` (a plugin's name), in the same transaction.

        No permission limits; it may set ``readonly`` fields (never computed fields or
        system columns); history names ``actor`` as who made its changes. What hooks
        get as ``context.system``.
        """
        return RecordService(self.app, None, self.channel, operation=operation, actor=actor, system=True)

    # --- transactions and locks --------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[RecordService]:
        """One unit of work for read-then-write code outside a hook; yields this service.

        Every call inside the ``with`` block joins one transaction: it commits at the
        end of the block, or rolls back on any exception. Inside a hook there is one
        already (this joins it). Take locks first, then read and write::

            with records.transaction():
                account = records.lock("account", account_id)
                if account["balance"] < amount:
                    raise ValidationError({"amount": "is more than the balance"})
                records.update("account", account_id, {"balance": account["balance"] - amount})

        Not retried: a deadlock or serialization failure inside the block raises.
        """
        with self._unit():
            yield self

    def lock(self, entity: str, record_id: int) -> Record:
        """Serialise writers of one record for the rest of the current transaction; return it as stored now.

        Another transaction calling ``lock`` on the same record (and, on SQLite, any
        other writer) waits until this one commits or rolls back, so a check made
        on the returned record (a balance, a code not yet used) still holds when
        this transaction writes. PostgreSQL locks the row (``SELECT ... FOR UPDATE``);
        SQLite takes the database's write lock at once (``BEGIN IMMEDIATE``).
        Call it inside a hook or :meth:`transaction`: alone it is a transaction of
        its own, whose lock ends when it returns. NotFound when the user may not read it.
        """
        meta = self._entity(entity)
        with self._unit() as connection:
            self._take_locks(connection, meta, [record_id])
            record = self._load_readable(connection, meta, record_id)
        return self._visible(record)

    def lock_many(self, entity: str, ids: Iterable[int]) -> None:
        """:meth:`lock` for many records of ``entity`` at once, in id order, without reading them.

        One statement locks them all (on SQLite it takes the database's write lock, as
        ``lock`` does), one more per thousand checks they exist. Writers that lock
        records of one entity in several calls should lock them in one, or in id order,
        so that two of them never wait for each other. NotFound (naming the first) when
        a record does not exist or the user may not read it; read what you need after.
        """
        meta = self._entity(entity)
        wanted = sorted({int(record_id) for record_id in ids})
        with self._unit() as connection:
            self._take_locks(connection, meta, wanted)
            table = self.schema.tables[meta.name]
            where = self.access.read_filter(self.user, meta.name, table)
            found = self._existing(connection, table.c.id, set(wanted), () if where is None else (where,))
            missing = [record_id for record_id in wanted if record_id not in found]
            if missing:
                raise NotFound(f"no {meta.name} #{missing[0]}")

    def _take_locks(self, connection, meta: Entity, ids) -> None:
        """Lock the rows ``ids`` of ``meta`` (in id order, so two writers never wait for each other)."""
        if connection.dialect.name == "sqlite":
            raw = connection.connection.driver_connection
            if not raw.in_transaction:  # Python's sqlite3 would begin only at the first data change
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        wanted = []
        for value in ids:
            try:
                number = int(value)
            except (TypeError, ValueError):
                continue
            if 0 < number <= MAX_ID:
                wanted.append(number)
        if not wanted:
            return
        table = self.schema.tables[meta.name]
        connection.execute(select(table.c.id).where(table.c.id.in_(sorted(set(wanted))))
                           .order_by(table.c.id).with_for_update()).all()

    def _lock_parents(self, connection, meta: Entity, records: list[tuple[Record | None, Record | None]],
                      changes: dict | None, plan: WritePlan) -> None:
        """Lock the parents whose roll-ups writing ``records`` (``(old, new)`` pairs) changes."""
        for parent, field in plan.rollups_over:
            if changes is not None and not rollup_inputs(self.metadata, field) & set(changes):
                continue
            link = field.rollup.link
            ids = {r.get(link) for pair in records for r in pair if r is not None} - {None}
            if ids:
                self._take_locks(connection, parent, ids)

    def _run(self, entity: str, record_id: Any, work: Callable[[Any], Any]) -> Any:
        """``work(connection)`` in one unit of work, retried when a lock clash ended it before any hook ran.

        A ValidationError leaving it is marked with the record it refused
        (``refused``), so that a hook's nested write is told apart from its own refusal.
        """
        def once() -> Any:
            try:
                with self._unit() as connection:
                    return work(connection)
            except ValidationError as e:
                if getattr(e, "refused", None) is None:
                    e.refused = (entity, record_id)
                raise

        return retrying(self.app, once)

    # --- the write path ----------------------------------------------------------------

    def _save(self, connection, meta: Entity, old: Record | None, given: dict[str, Any],
              expected_version: int | None = None, *, transition: tuple[Workflow, Transition] | None = None,
              system: bool = False, operation: str | None = None) -> Record:
        """Steps 2-8 for one record; ``old`` None creates. ``system`` skips steps 1-2 and validation."""
        if old is not None and expected_version not in (None, ""):
            try:
                expected = int(expected_version)
            except (TypeError, ValueError):
                raise ValidationError({"version": "must be a whole number"}) from None
            if expected != old.version:
                raise self._conflict(connection, meta, old.id)
        context = self._context(system=system, operation=operation)
        errors: dict[str, str] = {}
        plan = plan_for(self.app, meta)
        record = self._prepared(meta, old, given, context, errors, transition=transition, system=system, plan=plan)
        changes = changes_between(meta, old, record)
        if not system:
            self._check_stored(connection, meta, record, changes, errors)
        if errors:
            raise ValidationError(errors)
        if old is not None and not changes:
            return record
        if plan.rollups_over:
            self._lock_parents(connection, meta, [(old, record)], changes if old is not None else None, plan)
        changes = self._before_write(connection, meta, old, record, changes, context, system, plan)
        if changes is None:
            return record
        if old is None:
            self._insert(connection, meta, record, plan)
        else:
            self._write(connection, meta, old, record, changes, context)
        history_rows.write_kept(connection, self.schema, meta, [(record.id, changes)],
                                user_id(context.user), context.now, context.channel, self._actor(context),
                                created=old is None)
        self._update_rollups(connection, meta, old, record, changes, plan)
        self._after_save(meta, [(record, changes)], context)
        return record

    def _prepared(self, meta: Entity, old: Record | None, given: dict[str, Any], context: Context,
                  errors: dict[str, str], *, transition: tuple[Workflow, Transition] | None = None,
                  system: bool = False, plan: WritePlan | None = None) -> Record:
        """Steps 2-4: ``old`` (or a blank record) with ``given`` coerced, defaults and computed fields.

        Problems go into ``errors``; nothing is read from or written to the database.
        """
        plan = plan or plan_for(self.app, meta)
        if not system:
            self._refuse_unsettable(meta, given, errors, plan)
        values = self._coerced(given, errors, plan)
        workflows = plan.workflows
        if not system:
            for workflow in workflows:
                if transition is None or workflow is not transition[0]:
                    state_field_guard(workflow, values, old, errors)
        record = old.copy() if old is not None else Record(meta.name, plan.blank())
        record.update(values)
        if old is None:
            record.system.update(created_at=context.now, updated_at=context.now,
                                 created_by=user_id(context.user), updated_by=user_id(context.user))
            apply_defaults(meta, record, set(given), self.metadata, user_id(self.user), context.now, errors,
                           fields=plan.defaulted, coercers=plan.plain)
            for workflow in workflows:
                if empty(record.get(workflow.field)) and workflow.states:
                    record[workflow.field] = next(iter(workflow.states))
            for field in plan.rollup_fields:  # a new parent has no children yet: counts and sums start at 0
                record[field.name] = 0 if field.rollup.function in ("sum", "count") else None
        if transition is not None:
            workflow, move = transition
            check_transition(workflow, move, old.get(workflow.field), {**old.system, **record}, context.now, errors)
            record[workflow.field] = move.target
        self._derive(meta, record, errors, context.now, validate=not system, plan=plan)
        return record

    def _before_write(self, connection, meta: Entity, old: Record | None, record: Record, changes: dict,
                      context: Context, system: bool = False, plan: WritePlan | None = None) -> dict | None:
        """Step 5: ``before_save`` hooks, then the stored checks again for what they changed.

        Returns the changes to write (None: an update the hooks left without any).
        """
        given = dict(changes)
        before = self._run_before_save(meta, record, changes, context, not system, plan or plan_for(self.app, meta))
        if before is not None or changes != given:  # else the record and its changes are as they were
            changes = changes_between(meta, old, record)
        if old is not None and not changes:
            return None
        if before is not None and not system:
            # Only what before_save hooks changed needs checking again (one query less per link).
            rechecked = {name: change for name, change in changes.items()
                         if name not in given or before.get(name) != record.get(name)}
            if rechecked:
                self._check_stored(connection, meta, record, rechecked, {}, raise_errors=True)
        return changes

    def _refuse_unsettable(self, meta: Entity, given: dict[str, Any], errors: dict[str, str],
                           plan: WritePlan) -> None:
        writable = self.access.writable_fields(self.user, meta.name)
        settable = plan.settable
        for name in given:
            if name in settable and (writable is None or name in writable):
                continue
            field = meta.fields.get(name)
            if (self.acts_as_system and field is not None and field.readonly and not field.computed
                    and field.type != "children" and field.column and name not in SYSTEM_FIELDS):
                continue  # the system (a plugin's context.system) keeps read-only fields up to date
            if name in SYSTEM_FIELDS or name == SEARCH_COLUMN:
                errors[name] = "cannot be set: the system maintains it"
            elif field is None:
                errors[name] = f"cannot be set: {meta.name} has no field '{name}'"
            elif field.computed or field.readonly or field.type == "children":
                errors[name] = "cannot be set: it is computed or read-only"
            elif writable is not None and name not in writable:
                errors[name] = "cannot be set: you may not change this field"

    def _coerced(self, given: dict[str, Any], errors: dict[str, str], plan: WritePlan) -> dict[str, Any]:
        values = {}
        coercers = plan.coercers
        for name, raw in given.items():
            coerce = coercers.get(name)
            if coerce is None or name in errors:
                continue
            try:
                values[name] = coerce(raw)
            except ValueError as e:
                errors[name] = str(e)
            except TypeError:  # e.g. a plugin coercer given a list where it expects text
                errors[name] = "has the wrong kind of value"
        return values

    def _derive(self, meta: Entity, record: Record, errors: dict[str, str], now: datetime,
                validate: bool = True, plan: WritePlan | None = None) -> None:
        """Computed fields, then (unless ``validate`` is off) per-field checks, ``required_if`` and ``rules``."""
        plan = plan or plan_for(self.app, meta)
        values = record.expression_values()
        if plan.computed:
            apply_computed(meta, values, self.metadata, now, errors, order=plan.computed, coercers=plan.plain)
            for field in plan.computed:
                if field.name in values:
                    record[field.name] = values[field.name]
        if not validate:
            return
        for field, ftype in plan.checked:  # the fields check_field may find fault with
            if field.name in errors:
                continue
            message = check_field(field, ftype, dict.get(record, field.name))
            if message:
                errors[field.name] = message
        check_record(meta, values, errors, now, plan.required_if)  # `values` holds the computed values too

    def _run_before_save(self, meta: Entity, record: Record, changes: dict, context: Context,
                         validate: bool, plan: WritePlan) -> dict[str, Any] | None:
        """``before_save`` hooks; what they changed is coerced and checked again.

        Returns the record's values as they were before the hooks, or None when the hooks changed none.
        """
        before = dict(record)
        self._hook("before_save", record=record, changes=changes, context=context)
        if record == before:
            return None
        touched = {name for name in set(before) | set(record) if before.get(name) != record.get(name)}
        if not touched:
            return None
        errors: dict[str, str] = {}
        for name in sorted(touched):
            field = meta.fields.get(name)
            if field is None or name in SYSTEM_FIELDS:
                errors[name] = f"cannot be set by a before_save hook: {meta.name} has no field '{name}'"
                continue
            try:
                record[name] = plan.coercers[name](record.get(name))
            except ValueError as e:
                errors[name] = str(e)
        self._derive(meta, record, errors, context.now, validate=validate, plan=plan)
        if errors:
            raise ValidationError(errors)
        return before

    def _check_stored(self, connection, meta: Entity, record: Record, changes: dict, errors: dict[str, str],
                      raise_errors: bool = False) -> None:
        """Changed links must point at existing records, changed ``unique`` values be unused.

        Checked here rather than left to the database so that the user gets a field
        error (and all of them at once) instead of an IntegrityError.
        """
        for name in changes:
            field = meta.fields.get(name)
            value = record.get(name)
            if field is None or name in errors or empty(value):
                continue
            target = link_target(field) if field.type in ("link", "user", "links") else None
            if target in self.schema.tables:
                wanted = set(value) if isinstance(value, list) else {value}
                table = self.schema.tables[target]
                query = select(table.c.id).where(table.c.id.in_(wanted), *self._readable_link(field, table))
                found = set(connection.execute(query).scalars())
                missing = sorted(wanted - found)
                if missing:
                    errors[name] = f"no {target} #{missing[0]}"
            if field.unique and field.column:
                table = self.schema.tables[meta.name]
                clash = select(table.c.id).where(table.c[field.column] == value)
                if record.id is not None:
                    clash = clash.where(table.c.id != record.id)
                other = connection.execute(clash.limit(1)).scalar()
                if other is not None:
                    errors[name] = f"is already used by {meta.name} #{other}"
        if raise_errors and errors:
            raise ValidationError(errors)

    def _readable_link(self, field, table) -> list:
        """The acting user's read rule on a link's target, as WHERE clauses: a link may point only at a
        record its writer may read (else "no deal #7", as for a missing one: pointing a link at ids one
        by one must not reveal records, nor let their titles show). User fields are exempt: picking a
        colleague needs no right to read user records."""
        if field.type == "user":
            return []
        allowed = self.access.read_filter(self.user, link_target(field), table)
        return [] if allowed is None else [allowed]

    def _row_of(self, meta: Entity, record: Record, plan: WritePlan, search: bool) -> dict[str, Any]:
        """The column values of a new record's row; ``search``: the table has the search column."""
        row = {column: record[name] for name, column in plan.columns if name in record}
        system = record.system
        row.update(version=1, created_at=system["created_at"], created_by=system["created_by"],
                   updated_at=system["updated_at"], updated_by=system["updated_by"])
        if search:
            row[SEARCH_COLUMN] = search_text(record, meta)
        return row

    def _insert(self, connection, meta: Entity, record: Record, plan: WritePlan | None = None) -> None:
        table = self.schema.tables[meta.name]
        row = self._row_of(meta, record, plan or plan_for(self.app, meta), SEARCH_COLUMN in table.c)
        result = connection.execute(insert(table), row)  # parameters, not .values(): the compiled form is cached
        record.system.update(id=result.inserted_primary_key[0], version=1)
        for field in many_fields(meta, self.schema):
            save_links(connection, self.schema, meta, field, record.id, record.get(field.name) or [])

    def _write(self, connection, meta: Entity, old: Record, record: Record, changes: dict,
               context: Context) -> None:
        """UPDATE ... WHERE id AND version: 0 rows means someone else wrote first."""
        table = self.schema.tables[meta.name]
        row = column_values(meta, record, set(changes))
        row.update(version=old.version + 1, updated_at=context.now, updated_by=user_id(context.user))
        if SEARCH_COLUMN in table.c and set(changes) & set(meta.search):
            row[SEARCH_COLUMN] = search_text(record, meta)
        result = connection.execute(update(table).where(table.c.id == old.id, table.c.version == old.version)
                                    .values(**row))
        if result.rowcount != 1:
            raise self._conflict(connection, meta, old.id)
        record.system.update(version=old.version + 1, updated_at=context.now, updated_by=user_id(context.user))
        for field in many_fields(meta, self.schema):
            if field.name in changes:
                save_links(connection, self.schema, meta, field, record.id, record.get(field.name) or [])

    def _conflict(self, connection, meta: Entity, record_id: int) -> ConflictError:
        current = load(connection, self.schema, meta, record_id)
        values = self._visible(current).to_dict() if current is not None else {}
        return ConflictError(f"this {meta.name} was changed by someone else since you opened it", current=values)

    # --- roll-ups ----------------------------------------------------------------------

    def _update_rollups(self, connection, child: Entity, old: Record | None, new: Record | None,
                        changes: dict | None = None, plan: WritePlan | None = None) -> None:
        """Recompute every parent roll-up this child's write may have changed (as a system write), and move
        the reporting lines a changed manager link moved (:mod:`trellis.data.reporting_lines`).

        A parent whose roll-ups changed is saved once, with all of them."""
        self._update_rollups_many(connection, child, [(old, new, changes)], plan)

    # --- delete --------------------------------------------------------------------------

    def _delete(self, connection, meta: Entity, old: Record, operation: str | None = None) -> None:
        context = self._context(operation=operation)
        plan = plan_for(self.app, meta)
        if plan.rollups_over:
            self._lock_parents(connection, meta, [(old, None)], None, plan)
        self._hook("before_delete", record=old, context=context)
        pointing = self._links_to(meta.name)
        blocked = []
        for child, field in pointing:
            if field.on_delete == "restrict":
                ids = self._children(connection, child, field, old.id)
                if ids:
                    shown = ", ".join(f"#{i}" for i in ids[:10]) + (", ..." if len(ids) > 10 else "")
                    noun = child.name if len(ids) == 1 else f"{child.name}s"
                    blocked.append(f"{len(ids)} {noun} still link to this {meta.name} ({shown})")
        if blocked:
            raise ValidationError({"__all__": "Cannot delete: " + "; ".join(blocked)})
        for child, field in pointing:
            for child_id in self._children(connection, child, field, old.id):
                current = load(connection, self.schema, child, child_id)
                if current is None:
                    continue  # already gone through another cascade
                if field.on_delete == "cascade":
                    self._delete(connection, child, current, operation="cascade")
                elif field.on_delete == "set_null":
                    self._save(connection, child, current, {field.name: None}, system=True, operation="cascade")
        for (entity_name, field_name), table in self.schema.links.items():
            owner = self.metadata.entity(entity_name)
            near, far = link_columns(entity_name, owner.fields[field_name])
            if entity_name == meta.name:
                connection.execute(delete(table).where(table.c[near] == old.id))
            if owner.fields[field_name].to == meta.name:
                connection.execute(delete(table).where(table.c[far] == old.id))
        table = self.schema.tables[meta.name]
        connection.execute(delete(table).where(table.c.id == old.id))
        history_rows.write_changes(connection, self.schema, meta.name, old.id,
                                   {history_rows.DELETED: (dict(old), None)},
                                   user_id(context.user), context.now, context.channel, self._actor(context))
        self._update_rollups(connection, meta, old, None)
        self._hook("after_delete", record=old, context=context)

    def _links_to(self, entity: str) -> list[tuple[Entity, Any]]:
        return [(e, f) for e in self.metadata.entities.values() for f in e.fields.values()
                if f.type in ("link", "user") and link_target(f) == entity and f.column]

    def _children(self, connection, child: Entity, field, parent_id: int) -> list[int]:
        table = self.schema.tables[child.name]
        return list(connection.execute(select(table.c.id).where(table.c[field.column] == parent_id)
                                       .order_by(table.c.id)).scalars())

    # --- plumbing ------------------------------------------------------------------------

    @property
    def metadata(self):
        """The application's metadata model."""
        return runtime(self.app).metadata

    @property
    def schema(self):
        """The application's tables (``trellis.data.schema.Schema``)."""
        return runtime(self.app).schema

    def _workflows(self, entity: str) -> list[Workflow]:
        return [w for w in self.metadata.workflows.values() if w.entity == entity]

    def _entity(self, name: str) -> Entity:
        metadata = self.metadata
        if metadata is None or name not in metadata.entities:
            raise NotFound(f"no entity '{name}'")
        return metadata.entities[name]

    def _load_readable(self, connection, meta: Entity, record_id: Any) -> Record:
        try:
            record_id = int(record_id)
        except (TypeError, ValueError):
            raise NotFound(f"no {meta.name} #{record_id}") from None
        if not 0 < record_id <= MAX_ID:  # a URL may carry any number; the driver cannot bind a larger one
            raise NotFound(f"no {meta.name} #{record_id}")
        where = self.access.read_filter(self.user, meta.name, self.schema.tables[meta.name])
        record = load(connection, self.schema, meta, record_id, where)
        if record is None or not self.access.can(self.user, "read", meta.name, record):
            raise NotFound(f"no {meta.name} #{record_id}")
        return record

    def _visible(self, record: Record) -> Record:
        readable = self.access.readable_fields(self.user, record.entity)
        if readable is None:
            return record
        for name in [n for n in record if n not in readable]:
            del record[name]
        return record

    def _context(self, system: bool = False, operation: str | None = None) -> Context:
        now = write_now()
        user = None if system else self.user
        operation = operation or self.operation
        records = RecordService(self.app, user, self.channel, self.access if not system else None,
                                operation=operation, actor=self.actor, system=self.acts_as_system)
        return Context(user=user, channel=self.channel, now=now, records=records, operation=operation)

    def _actor(self, context: Context) -> str | None:
        """Who history names besides the user: the plugin behind a system write."""
        return self.actor if context.user is None else None

    def _unit(self, write: bool = True):
        """The session's connection for one read or write (see :func:`trellis.data.unit.unit_of_work`)."""
        return unit_of_work(self.app, write)


def records_for(app=None, user: Any = None, channel: str = "plugin") -> RecordService:
    """The record service of ``app`` (default: the current Flask app) acting as ``user``.

    ``user`` None is the system: no permission limits. ``channel`` says where the
    write comes from (``ui``, ``api``, ``import``, ``automation``, ``plugin``).
    """
    if app is None:
        from flask import current_app

        app = current_app._get_current_object()
    return RecordService(app, user, channel)
