"""Child lines edited inside the parent's form: a form block's ``lines: <child entity>`` grid.

The grid posts one ``<prefix>`` input per row, in the rows' order (its value is the row's key),
and the row's cells as ``<prefix>-<key>-<field>`` (with ``-id``, ``-version`` and ``-delete``).
:func:`save` writes the parent and every line through the record service in ONE transaction:
a refused line (a bad quantity, a row the user may not change) saves nothing at all, and the
form comes back with each error on its cell. ``POST /app/<entity>/_lines`` answers the grid's
computed cells and the parent's roll-ups for the unsaved rows, as the browser types: the
server's expressions, never a JavaScript twin (see :mod:`trellis.web.conditions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from trellis.data.compute import apply_computed, rollup_of
from trellis.data.query import QueryError
from trellis.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from trellis.runtime import runtime
from trellis.web import form_fields as forms
from trellis.web.conditions import typed_values
from trellis.web.labels import display
from trellis.web.pages import entity_or_404, register_errors, service

bp = Blueprint("lines", __name__)
register_errors(bp)

MAX_ROWS = 500
"""The most rows one grid shows and takes in one save (a form is not an import)."""


@dataclass
class Row:
    """One line as the grid shows it: its input ``values``, the text of its computed cells, its errors."""

    key: str
    id: int | None = None
    version: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    deleted: bool = False
    kept: bool = False        # a line the user may not change: posted without its cells, left as stored
    editable: bool = True
    deletable: bool = True
    record: Any = None        # the stored line (the read view shows it)


@dataclass
class Grid:
    """A form block's grid: the child entity, its columns (fields), its rows and what the user may do."""

    block: Any
    child: Any
    columns: list
    rows: list[Row]
    can_create: bool = True
    blank: Row | None = None   # what "Add a line" adds (its key is replaced in the browser)

    @property
    def prefix(self) -> str:
        """What the names of the grid's inputs start with."""
        return f"lines-{self.child.name}"


def blocks_of(meta) -> list:
    """The form blocks of ``meta`` that edit child lines (resolved by the metadata: ``lines_via`` set)."""
    return [b for b in meta.form if b.lines and b.lines_via]


def _grid(block, rows: list[Row]) -> Grid:
    metadata = runtime().metadata
    child = metadata.entities[block.lines]
    svc = service()
    columns = [child.fields[name] for name in block.line_columns]
    blank = Row("__KEY__", values=forms.initial_values(child, None, metadata, columns))
    return Grid(block, child, columns, rows, can_create=svc.access.can(svc.user, "create", child.name),
                blank=blank)


def grids_of(meta, record) -> dict[str, Grid]:
    """The grids of ``meta``'s form with ``record``'s stored lines (none for a new record), by child entity."""
    grids = {}
    for block in blocks_of(meta):
        rows = _stored_rows(block, record.id) if record is not None else []
        grids[block.lines] = _grid(block, [_row_of(block, r) for r in rows])
    return grids


def _stored_rows(block, parent_id: int) -> list:
    """The lines of the parent the user may read, in the grid's order."""
    try:
        query = service().query(block.lines).filter(**{block.lines_via: parent_id})
        query = query.order_by(*([block.line_order] if block.line_order else []), "id")
        return list(islice(query.iterate(), MAX_ROWS))
    except (PermissionDenied, QueryError):
        return []


def _row_of(block, record) -> Row:
    metadata = runtime().metadata
    child = metadata.entities[block.lines]
    svc = service()
    columns = [child.fields[name] for name in block.line_columns]
    row = Row(str(record.id), record.id, record.version, forms.initial_values(child, record, metadata, columns))
    row.shown = {f.name: display(f, record.get(f.name)) for f in columns if not forms.editable(f)}
    row.record = record
    row.editable = svc.access.can(svc.user, "write", child.name, record)
    row.deletable = svc.access.can(svc.user, "delete", child.name, record)
    return row


def posted_grids(meta, form) -> dict[str, Grid]:
    """The grids as the browser posted them (rows in their posted order), to save or to show again."""
    metadata = runtime().metadata
    grids = {}
    for block in blocks_of(meta):
        child = metadata.entities[block.lines]
        columns = [child.fields[name] for name in block.line_columns]
        prefix = f"lines-{child.name}"
        rows = []
        for key in list(dict.fromkeys(form.getlist(prefix)))[:MAX_ROWS]:
            cell = f"{prefix}-{key}-"
            row = Row(key, _number(form.get(cell + "id")), _number(form.get(cell + "version")),
                      forms.posted_values(child, form, metadata, columns, prefix=cell),
                      deleted=bool(form.get(cell + "delete")), kept=bool(form.get(cell + "keep")))
            row.shown = _computed_cells(child, columns, row)[1]
            rows.append(row)
        grids[block.lines] = _grid(block, rows)
    return grids


def _computed_cells(child, columns: list, row: Row) -> tuple[dict[str, Any], dict[str, str]]:
    """``row``'s typed values with the child's computed fields, and the computed cells' text."""
    metadata = runtime().metadata
    raw = {k: (v.get("id") if isinstance(v, dict) else v) for k, v in row.values.items()}
    values = typed_values(child, raw, metadata)
    apply_computed(child, values, metadata, datetime.now(UTC), {})
    return values, {f.name: display(f, values.get(f.name)) for f in columns if f.computed}


def _number(text: Any) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


class LinesRefused(ValidationError):
    """A line of the form was refused: nothing was saved; the errors are on the grids' rows."""


def save(meta, record, changes: dict[str, Any], version: Any, grids: dict[str, Grid]):
    """Create (``record`` None) or update the parent with ``changes``, then write its grids' lines, in
    ONE transaction through the record service; returns the parent as saved.

    A refused parent raises its ValidationError; a refused line raises :class:`LinesRefused`
    after every row was tried (each row's errors on it), and nothing at all is written.
    """
    svc = service()
    with svc.transaction():
        if record is None:
            saved = svc.create(meta.name, changes)
        else:
            saved = svc.update(meta.name, record.id, changes, expected_version=version)
        failed = False
        for grid in grids.values():
            failed = _save_grid(svc, grid, saved.id) or failed
        if failed:
            raise LinesRefused({"__all__": _("A line could not be saved, so nothing was saved: see the marked cells.")})
    return saved


def _save_grid(svc, grid: Grid, parent_id: int) -> bool:
    """Write one grid's rows for the parent ``parent_id``; True when a row was refused (see its errors)."""
    metadata = runtime().metadata
    block, child = grid.block, grid.child
    stored = {r.id: r for r in _stored_rows(block, parent_id)}
    failed = False
    position = 0
    for row in grid.rows:
        try:
            if row.deleted:
                if row.id is not None:
                    svc.delete(child.name, _own(stored, row))
                continue
            position += 1
            if row.kept:
                continue
            if row.id is not None:
                current = stored[_own(stored, row)]
                before = forms.initial_values(child, current, metadata, grid.columns)
                values = forms.changed_values(child, row.values, before, metadata)
                if block.line_order and current.get(block.line_order) != position:
                    values[block.line_order] = position
                if values:
                    svc.update(child.name, row.id, values, expected_version=row.version)
            else:
                blank = forms.initial_values(child, None, metadata, grid.columns)
                values = forms.changed_values(child, row.values, blank, metadata)
                if not values:
                    position -= 1
                    continue  # a row added and left empty is no line
                values[block.lines_via] = parent_id
                if block.line_order:
                    values[block.line_order] = position
                svc.create(child.name, values)
        except ValidationError as e:
            shown = {f.name for f in grid.columns}
            row.errors = {name: message for name, message in e.fields.items() if name in shown}
            others = [f"{name}: {message}" if name != "__all__" else message
                      for name, message in e.fields.items() if name not in shown]
            if others:
                row.errors["__all__"] = "; ".join(others)
            failed = True
        except (PermissionDenied, NotFound) as e:
            row.errors = {"__all__": str(e)}
            failed = True
        except ConflictError:
            row.errors = {"__all__": _("This line was changed by someone else since you opened the form.")}
            failed = True
    return failed


def _own(stored: dict, row: Row) -> int:
    """``row``'s id when it is a line of this parent the user may read; NotFound otherwise (an id typed
    into the form must not reach another record's line)."""
    if row.id not in stored:
        raise NotFound(_("This line is not one of this record's lines."))
    return row.id


@bp.post("/app/<entity>/_lines")
def preview(entity: str):
    """The grids' computed cells and the parent's computed fields and roll-ups for the posted, unsaved
    form: ``{"rows": {"<prefix>-<key>": {field: text}}, "fields": {field: text}}``."""
    meta = entity_or_404(entity)
    svc = service()
    if not (svc.access.can(svc.user, "create", entity) or svc.access.can(svc.user, "write", entity)):
        raise PermissionDenied(f"you may not edit {entity} records")
    metadata = runtime().metadata
    now = datetime.now(UTC)
    parent = typed_values(meta, {k: (v.get("id") if isinstance(v, dict) else v)
                                 for k, v in forms.posted_values(meta, request.form, metadata).items()}, metadata)
    answer: dict[str, dict] = {"rows": {}, "fields": {}}
    children: dict[str, list[dict]] = {}
    for grid in posted_grids(meta, request.form).values():
        values_of_rows = []
        for row in grid.rows:
            if row.deleted:
                continue
            values, shown = _computed_cells(grid.child, grid.columns, row)
            values_of_rows.append(values)
            answer["rows"][f"{grid.prefix}-{row.key}"] = shown
        children[grid.child.name] = values_of_rows
    for fld in meta.fields.values():
        rollup = fld.rollup
        if rollup is not None and rollup.entity in children and any(
                b.lines == rollup.entity and b.lines_via == rollup.link for b in blocks_of(meta)):
            parent[fld.name] = rollup_of(fld, metadata, children[rollup.entity])
            answer["fields"][fld.name] = display(fld, parent[fld.name])
    apply_computed(meta, parent, metadata, now, {})
    for fld in meta.fields.values():
        if fld.compute is not None:
            answer["fields"][fld.name] = display(fld, parent.get(fld.name))
    return jsonify(answer)
