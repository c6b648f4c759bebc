"""The import engine: a CSV or XLSX file -> records, through the record service, in batches.

No click and no Flask request here: the CLI (``trellis import``) and the import
page (:mod:`trellis.web.import_pages`) both call :func:`import_file` / :func:`import_sheet`.

How a run goes (bulk import uses the same write path, in batches):

- the file is read (:mod:`trellis.io.reading`), its columns mapped to fields
  (:mod:`trellis.io.mapping`), link columns resolved by name (:mod:`trellis.io.links`);
- rows are written ``batch_size`` at a time, each batch ONE transaction: new
  records through :meth:`~trellis.data.records.RecordService.create_many` (the
  whole write path per row, statements per batch), updates one by one, each in a
  SAVEPOINT; a row the record service refuses writes nothing, and is reported
  (row number, column, message) and skipped. When a refused row had already
  created link targets, the batch goes back to its SAVEPOINT and runs again
  without it, so the outcome is the one row-by-row writing would have had;
- the batch's transaction also advances the run's ``trellis_import`` row, so
  what is reported as imported is exactly what was committed; running the same
  file again (same entity, same SHA-256) resumes after the last committed batch;
- ``dry_run`` and ``all_or_nothing`` run the whole file in one transaction that
  is rolled back at the end (always, or when any row failed).
"""

from __future__ import annotations

import csv
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from trellis.data.access import user_id
from trellis.data.records import ROW_ERRORS, records_for
from trellis.data.unit import savepoint, unit_of_work
from trellis.errors import PermissionDenied, ValidationError
from trellis.io import mapping as mapping_rules
from trellis.io.dedupe import DuplicateIndex
from trellis.io.export import unneutralise
from trellis.io.links import LinkResolver
from trellis.io.reading import Sheet, read_sheet
from trellis.io.tables import ensure
from trellis.runtime import runtime

DEDUPE_MODES = ("skip", "update", "flag")
MAX_KEPT_FAILURES = 1000   # failures kept in memory for a caller to show; the error CSV has all of them


class ImportRefused(ValueError):
    """An import that cannot start (unknown entity, no usable column, already imported): message for the user."""


@dataclass
class ImportOptions:
    """How to import. ``mapping``: explicit ``{column: field}`` (``""`` ignores a column)."""

    mapping: dict[str, str] = field(default_factory=dict)
    auto_map: bool = True
    dedupe: str | None = None            # None, "skip", "update" or "flag"
    update_existing: bool = False         # rows with an ``id`` column update that record
    create_links: bool = False
    dry_run: bool = False
    all_or_nothing: bool = False
    batch_size: int = 500
    errors_path: str | Path | None = None
    encoding: str | None = None
    delimiter: str | None = None
    again: bool = False                   # import a file that was fully imported before


@dataclass
class RowFailure:
    """One refused row: its spreadsheet row number, its cells, and ``[(column, message)]``."""

    row: int
    cells: dict[str, str]
    errors: list[tuple[str, str]]

    def message(self) -> str:
        """``Email: not an email address; Company: no company named 'X'``."""
        return "; ".join(f"{column}: {text}" if column else text for column, text in self.errors)


@dataclass
class ImportResult:
    """What a run did (counts include earlier runs of a resumed import)."""

    entity: str
    total: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    flagged: int = 0
    failed: int = 0
    resumed_from: int = 0
    import_id: int | None = None
    dry_run: bool = False
    rolled_back: bool = False
    mapping: mapping_rules.Mapping | None = None
    failures: list[RowFailure] = field(default_factory=list)
    errors_path: Path | None = None

    def summary(self) -> str:
        """``1,234 created, 12 updated, 3 skipped as duplicates, 2 failed (see errors.csv)``."""
        parts = [f"{self.created:,} created", f"{self.updated:,} updated",
                 f"{self.skipped:,} skipped as duplicates"]
        if self.flagged:
            parts.append(f"{self.flagged:,} flagged as possible duplicates")
        failed = f"{self.failed:,} failed"
        if self.failed and self.errors_path is not None:
            failed += f" (see {self.errors_path})"
        parts.append(failed)
        text = ", ".join(parts)
        if self.dry_run:
            text = f"dry run, nothing written: would have {text}"
        elif self.rolled_back:
            text = f"nothing written (all or nothing, and rows failed): {text}"
        if self.resumed_from:
            text += f"; resumed after row {self.resumed_from + 1:,}"
        return text


def import_file(app, entity: str, path: str | Path, options: ImportOptions | None = None, user: Any = None,
                progress: Callable[[int], None] | None = None,
                on_start: Callable[[ImportResult], None] | None = None) -> ImportResult:
    """Import ``path`` (CSV or XLSX) into ``entity`` as ``user`` (None: the system).

    ``on_start(result)`` is called once the file is read and mapped (``result.total``
    rows, ``result.resumed_from`` already done); ``progress(n)`` after each batch
    with the rows it covered. Raises ``ReadError``, ``MappingError`` or
    ``ImportRefused`` (messages for the user) when the import cannot start.
    """
    options = options or ImportOptions()
    sheet = read_sheet(path, options.encoding, options.delimiter)
    if options.errors_path is None and not options.dry_run:
        path = Path(path)
        options.errors_path = path.with_name(f"{path.stem}-errors.csv")
    return import_sheet(app, entity, sheet, options, user, progress, on_start, file_name=Path(path).name)


def import_sheet(app, entity: str, sheet: Sheet, options: ImportOptions | None = None, user: Any = None,
                 progress: Callable[[int], None] | None = None,
                 on_start: Callable[[ImportResult], None] | None = None, file_name: str = "") -> ImportResult:
    """Import an already read :class:`~trellis.io.reading.Sheet` (see :func:`import_file`)."""
    options = options or ImportOptions()
    meta = (runtime(app).metadata.entities if runtime(app).metadata else {}).get(entity)
    if meta is None:
        raise ImportRefused(f"no entity '{entity}'")
    if options.dedupe not in (None, *DEDUPE_MODES):
        raise ImportRefused(f"--dedupe must be one of {', '.join(DEDUPE_MODES)}")
    if options.batch_size < 1:
        raise ImportRefused("--batch-size must be at least 1")
    chosen = mapping_rules.build(meta, sheet.headers, options.mapping, options.auto_map)
    if not [name for name in chosen.columns.values() if name != mapping_rules.ID_COLUMN]:
        raise ImportRefused(f"no column of the file matches a field of {entity} "
                           f"(columns: {', '.join(sheet.headers)}); map them with --map COLUMN=FIELD")
    access = records_for(app, user, channel="import").access
    if not access.can(user, "create", entity) and not (options.update_existing or options.dedupe == "update"):
        raise PermissionDenied(f"you may not create {entity} records")
    tables = ensure(app)
    with app.app_context():
        run = _Run(app, meta, sheet, options, user, tables, chosen)
        run.start(file_name)
        if on_start is not None:
            on_start(run.result)
        run.go(progress)
    return run.result


def preview(app, entity: str, sheet: Sheet, options: ImportOptions | None = None, user: Any = None,
            limit: int = 20) -> ImportResult:
    """Check the first ``limit`` rows as an import would, writing nothing: for the import page's preview.

    Returns the mapping used and, in ``failures``, each refused row with
    ``[(column, message)]`` per cell, so a page can mark the cells.
    """
    options = options or ImportOptions()
    trial = ImportOptions(**{**options.__dict__, "dry_run": True, "errors_path": None})
    head = Sheet(sheet.headers, sheet.rows[:limit], sheet.encoding, sheet.delimiter, sheet.sha256)
    return import_sheet(app, entity, head, trial, user)


class _Run:
    """One import run: the state that lives from the first batch to the last."""

    def __init__(self, app, meta, sheet: Sheet, options: ImportOptions, user: Any, tables, chosen):
        self.app, self.meta, self.sheet, self.options, self.user = app, meta, sheet, options, user
        self.tables = tables
        self.service = records_for(app, user, channel="import")
        self.result = ImportResult(meta.name, total=len(sheet.rows), dry_run=options.dry_run, mapping=chosen)
        self.links = LinkResolver(self.service, create=options.create_links)
        self.index: DuplicateIndex | None = None
        self.pending_failures: list[RowFailure] = []
        self.exact_dedupe = False   # create rows one at a time: a later row may duplicate one not yet final
        self.finds = 0              # rows judged for duplicates so far
        self.errors = _ErrorFile(options.errors_path, sheet.headers) if options.errors_path else None

    # --- bookkeeping -----------------------------------------------------------------

    def start(self, file_name: str) -> None:
        """Find the run to resume, or record a new one (not for a dry run)."""
        if self.options.dry_run:
            return
        imports = self.tables.imports
        with unit_of_work(self.app) as connection:
            previous = connection.execute(
                select(imports).where(imports.c.entity == self.meta.name, imports.c.file_sha256 == self.sheet.sha256,
                                      imports.c.status.in_(("running", "done")))
                .order_by(imports.c.id.desc()).limit(1)).mappings().first()
            if previous is not None and previous["status"] == "done" and not self.options.again:
                raise ImportRefused(f"this file was already imported into {self.meta.name} "
                                   f"(import #{previous['id']}); pass --again to import it once more")
            if previous is not None and previous["status"] == "running":
                r = self.result
                r.import_id, r.resumed_from = previous["id"], previous["rows_done"]
                r.created, r.updated, r.skipped = previous["created"], previous["updated"], previous["skipped"]
                r.flagged, r.failed = previous["flagged"], previous["failed"]
            else:
                self.result.import_id = connection.execute(insert(imports).values(
                    entity=self.meta.name, file_name=file_name[:500], file_sha256=self.sheet.sha256, rows_done=0,
                    created=0, updated=0, skipped=0, flagged=0, failed=0, status="running",
                    user_id=user_id(self.user), started_at=datetime.now(UTC))).inserted_primary_key[0]
        if self.errors is not None:
            self.errors.open(append=self.result.resumed_from > 0)
        self.result.errors_path = Path(self.options.errors_path) if self.options.errors_path else None

    def go(self, progress: Callable[[int], None] | None) -> None:
        """Write the rows after ``resumed_from``, batch by batch."""
        rows = list(enumerate(self.sheet.rows))[self.result.resumed_from:]
        size = self.options.batch_size
        batches = [rows[i:i + size] for i in range(0, len(rows), size)] or [[]]
        try:
            with _frozen():
                if self.options.dry_run or self.options.all_or_nothing:
                    self._in_one_transaction(batches, progress)
                else:
                    for batch in batches:
                        with unit_of_work(self.app) as connection:
                            self._batch(connection, batch)
                        self._flush_failures()  # only now: a batch that rolled back runs again on resume
                        if progress is not None and batch:
                            progress(len(batch))
            if not self.result.rolled_back:
                self._mark("done")
        finally:
            if self.errors is not None:
                self.errors.close()

    def _in_one_transaction(self, batches: list, progress: Callable[[int], None] | None) -> None:
        """Dry run and all-or-nothing: every batch in one transaction, rolled back at the end when it must be."""
        try:
            with unit_of_work(self.app) as connection:
                for batch in batches:
                    self._batch(connection, batch)
                    if progress is not None and batch:
                        progress(len(batch))  # rows checked so far; nothing is committed before the end
                if self.options.dry_run or self.result.failed:
                    raise _RollBack
        except _RollBack:
            self.result.rolled_back = not self.options.dry_run
            self._mark("rolled_back")
        self._flush_failures()

    def _batch(self, connection, batch: list[tuple[int, list[str]]]) -> None:
        imports = self.tables.imports
        # A write first: SQLite's driver only opens a transaction before a write, and the
        # batch's SAVEPOINTs must sit inside one or a rollback would not undo them.
        connection.execute(update(imports).where(imports.c.id == (self.result.import_id or 0))
                           .values(status="running"))
        if self.index is None and self.options.dedupe:
            table = self.service.schema.tables[self.meta.name]
            # Only records the importer may read: a duplicate found among the others would reveal them.
            readable = self.service.access.read_filter(self.user, self.meta.name, table)
            self.index = DuplicateIndex(self.meta).load(connection, table, where=readable)
        refused: dict[int, list[tuple[str, str]]] = {}
        while True:
            nested = savepoint()
            mark = self.index.mark() if self.index is not None else 0
            try:
                attempt = _Attempt(refused)
                self._attempt(connection, batch, attempt)
            except BaseException:
                nested.rollback()
                raise
            if not attempt.again:
                break
            # A refused row had created link targets (or a duplicate was judged on values that were
            # not yet final): undo the batch and write it again without the refused rows.
            nested.rollback()
            self.links.forget()
            if self.index is not None:
                self.index.undo(mark)
            refused.update(attempt.refused)
        nested.commit()
        self.links.keep()
        if self.index is not None:
            self.index.keep()
        attempt.apply(self)
        if self.result.import_id is not None and not self.options.dry_run:
            r = self.result
            done = batch[-1][0] + 1 if batch else r.resumed_from
            connection.execute(update(imports).where(imports.c.id == r.import_id).values(
                rows_done=done, created=r.created, updated=r.updated, skipped=r.skipped, flagged=r.flagged,
                failed=r.failed))

    def _mark(self, status: str) -> None:
        if self.result.import_id is None or self.options.dry_run:
            return
        imports = self.tables.imports
        with unit_of_work(self.app) as connection:
            connection.execute(update(imports).where(imports.c.id == self.result.import_id)
                               .values(status=status, finished_at=datetime.now(UTC)))

    # --- the rows of a batch ----------------------------------------------------------------

    def _attempt(self, connection, batch: list[tuple[int, list[str]]], attempt: _Attempt) -> None:
        """Write the rows of ``batch``: new records gathered and created together, updates one by one.

        Rows in ``attempt.known`` were refused by an earlier try of this batch and are
        only reported again. New records wait in ``pending`` until a row needs them
        stored (an update, a duplicate of one of them) or the batch ends.
        """
        pending: list[_Pending] = []
        for index, cells in batch:
            number = index + 2
            cells = dict(zip(self.sheet.headers, cells, strict=False))
            if not any(str(v).strip() for v in cells.values()):
                continue  # a blank line in the middle of a file is not a failed row
            if number in attempt.known:
                attempt.fail(number, cells, attempt.known[number], again=False)
                continue
            created = self.links.created()
            try:
                values, target_id = self._values(connection, cells)
            except _RowRefused as e:
                attempt.fail(number, cells, e.errors, again=self.links.created() > created)
                continue
            if self.options.update_existing and target_id:
                self._flush(connection, pending, attempt)
                self._update(number, cells, target_id, values, attempt, created)
                continue
            match = self._find(values)
            if match is not None and match[0] < 0:  # a row waiting in this batch: store it to know its id
                self._flush(connection, pending, attempt)
                match = self._find(values)
            mode = self.options.dedupe
            if match is not None and mode == "skip":
                attempt.skipped += 1
                continue
            if match is not None and mode == "update":
                self._flush(connection, pending, attempt)
                self._update(number, cells, match[0], values, attempt, created)
                continue
            if self.index is not None:
                if not pending:
                    attempt.window = self.index.mark()
                self.index.add(-1 - len(pending), values)  # so later rows of the batch find it
            pending.append(_Pending(number, cells, values, match, self.links.created() > created, self.finds))
            if self.exact_dedupe:
                self._flush(connection, pending, attempt)
        self._flush(connection, pending, attempt)

    def _values(self, connection, cells: dict[str, str]) -> tuple[dict[str, Any], str | None]:
        """The row's ``{field: value}`` (link names resolved to ids) and its ``id`` column; _RowRefused."""
        values, target_id, errors = {}, None, []
        for header, name in self.result.mapping.columns.items():
            text = cells.get(header, "")
            if not str(text).strip():
                continue  # an empty cell sets nothing: defaults apply, existing values stay
            text = unneutralise(text)  # our own export's "'+7 999..." comes back as "+7 999..."
            if name == mapping_rules.ID_COLUMN:
                target_id = text.strip()
                continue
            fld = self.meta.fields[name]
            if fld.storage in ("link", "links"):
                try:
                    values[name] = self.links.resolve(connection, fld, text)
                except ValueError as e:
                    errors.append((header, str(e)))
            else:
                values[name] = text
        if errors:
            raise _RowRefused(errors)
        return values, target_id

    def _update(self, number: int, cells: dict[str, str], record_id: Any, values: dict[str, Any],
                attempt: _Attempt, created: int) -> None:
        """Update one record in a SAVEPOINT of its own: a refused update is rolled back alone."""
        nested = savepoint()
        try:
            record = self.service.update(self.meta.name, record_id, values)
        except ROW_ERRORS as e:
            nested.rollback()
            attempt.fail(number, cells, self._errors_of(e), again=self.links.created() > created)
            return
        except BaseException:
            nested.rollback()
            raise
        nested.commit()
        attempt.updated += 1
        self._remember(record)

    def _flush(self, connection, pending: list[_Pending], attempt: _Attempt) -> None:
        """Create the records ``pending`` holds, through the record service's batch path."""
        if not pending:
            return
        try:
            results = self.service.create_many(self.meta.name, [row.values for row in pending])
        except PermissionDenied as e:  # an import that may only update (checked before anything is written)
            results = [e] * len(pending)
        if self.index is not None:
            self.index.undo(attempt.window)  # the stand-ins with negative ids; the records replace them
        flags = []
        for row, result in zip(pending, results, strict=True):
            if isinstance(result, Exception):
                attempt.fail(row.number, row.cells, self._errors_of(result), again=row.created_links)
                continue
            attempt.created += 1
            if (self.index is not None and self.finds > row.finds
                    and self.index.keys(row.values) != self.index.keys(result)):
                # Later rows were compared with values the service then changed: judge them again, one by one.
                self.exact_dedupe = attempt.again = True
            if row.match is not None and self.options.dedupe == "flag":
                flags.append({"entity": self.meta.name, "record_id": result.id, "other_id": row.match[0],
                              "rule": row.match[1], "at": datetime.now(UTC)})
                attempt.flagged += 1
            self._remember(result)
        if flags:
            connection.execute(insert(self.tables.duplicates), flags)
        pending.clear()

    def _find(self, values: dict[str, Any]) -> tuple[int, str] | None:
        if self.index is None:
            return None
        self.finds += 1
        return self.index.find(values)

    def _remember(self, record) -> None:
        if self.index is not None:
            self.index.add(record.id, record)

    def _errors_of(self, error: Exception) -> list[tuple[str, str]]:
        if isinstance(error, ValidationError):
            return self._columns(error.fields)
        return [("", str(error))]

    def _columns(self, fields: dict[str, str]) -> list[tuple[str, str]]:
        """Field errors -> ``[(column header, message)]``; errors of unmapped fields keep the field name."""
        found = []
        for name, message in fields.items():
            if name == "__all__":
                found.append(("", message))
            else:
                found.append((self.result.mapping.column_of(name) or name, message))
        return found

    def _flush_failures(self) -> None:
        """Write the failures of a committed batch (a rolled-back batch's rows run again on resume)."""
        if self.errors is not None:
            for failure in self.pending_failures:
                self.errors.write(failure)
        self.pending_failures.clear()


@dataclass
class _Pending:
    """A row waiting to be created with the next ``create_many`` of its batch."""

    number: int
    cells: dict[str, str]
    values: dict[str, Any]
    match: tuple[int, str] | None
    created_links: bool
    finds: int          # rows judged for duplicates before this one was added to the index


class _Attempt:
    """What one try at a batch did; added to the run's result only when the batch is kept."""

    def __init__(self, known: dict[int, list[tuple[str, str]]]):
        self.known = known
        self.created = self.updated = self.skipped = self.flagged = 0
        self.failures: list[RowFailure] = []
        self.refused: dict[int, list[tuple[str, str]]] = {}
        self.again = False
        self.window = 0

    def fail(self, number: int, cells: dict[str, str], errors: list[tuple[str, str]], again: bool) -> None:
        """Row ``number`` is refused; ``again``: it changed something first, so the batch must be tried again."""
        self.failures.append(RowFailure(number, cells, errors))
        self.refused[number] = errors
        self.again = self.again or again

    def apply(self, run: _Run) -> None:
        """Count the kept batch into ``run.result`` and queue its failures for the error file."""
        r = run.result
        r.created += self.created
        r.updated += self.updated
        r.skipped += self.skipped
        r.flagged += self.flagged
        r.failed += len(self.failures)
        for failure in self.failures:
            if len(r.failures) < MAX_KEPT_FAILURES:
                r.failures.append(failure)
            run.pending_failures.append(failure)


@contextmanager
def _frozen() -> Iterator[None]:
    """Keep Python's cycle collector off the objects that exist now (the app, the sheet) while it lasts.

    Every record written allocates dicts and lists; each time enough of them
    survive, the collector walks every tracked object in the process, the whole
    file's rows included, so without this the cost per row grows with the file
    (at 100,000 rows about a sixth of the import's time went there). Frozen objects
    are not freed while frozen, and go back to the collector at the end.

    The freeze is process-wide, and imports may run side by side as jobs in a web
    process: the first to start freezes, the last to end unfreezes.
    """
    global _freezers
    with _freezing:
        if _freezers == 0:
            gc.freeze()
        _freezers += 1
    try:
        yield
    finally:
        with _freezing:
            _freezers -= 1
            if _freezers == 0:
                gc.unfreeze()


_freezing = threading.Lock()
_freezers = 0   # imports running in this process under _frozen()


class _RollBack(Exception):
    """Raised inside the transaction of a dry run (or a failed all-or-nothing run) to undo it."""


class _RowRefused(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors)
        self.errors = errors


class _ErrorFile:
    """The error CSV: the original columns plus ``_row`` and ``_errors``, UTF-8 with a BOM (Excel reads it)."""

    def __init__(self, path: str | Path, headers: list[str]):
        self.path = Path(path)
        self.headers = headers
        self._file = None
        self._writer = None
        self._append = False

    def open(self, append: bool) -> None:
        """Start afresh (a new import) or add to the file (a resumed one); created at the first failure."""
        self._append = append and self.path.exists()
        if not self._append:
            self.path.unlink(missing_ok=True)

    def write(self, failure: RowFailure) -> None:
        """Add one failed row."""
        if self._writer is None:
            self._file = self.path.open("a" if self._append else "w", encoding="utf-8-sig" if not self._append
                                        else "utf-8", newline="")
            self._writer = csv.writer(self._file)
            if not self._append:
                self._writer.writerow([*self.headers, "_row", "_errors"])
        self._writer.writerow([*(failure.cells.get(h, "") for h in self.headers), failure.row, failure.message()])

    def close(self) -> None:
        """Close the file if it was opened."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._writer = None
