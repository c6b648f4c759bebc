"""``/app/<entity>/duplicates`` (pairs flagged as possible duplicates) and ``/app/<entity>/merge?ids=1,2``.

The merge screen shows the fields where the records differ, with a radio button
per record; the POST hands the survivor and the choices to :func:`trellis.io.merge.merge`,
which checks (through the record service) that the user may change the survivor and
delete the others, moves links, notes, activities and history, and keeps the audit.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from trellis.errors import ValidationError
from trellis.io.mapping import importable_fields
from trellis.io.merge import merge, possible_duplicates
from trellis.web.labels import display, entity_label
from trellis.web.pages import current_user_object, entity_or_404, register_errors, service

bp = Blueprint("merges", __name__)
register_errors(bp)

MAX_RECORDS = 10


def _rows(meta, ids: list[int]) -> dict[int, object]:
    """``{id: row}`` of the records the user may read among ``ids`` (link fields carry names)."""
    if not ids:
        return {}
    rows = service().query(meta.name).filter(id__in=ids).page(size=len(ids), count=False).rows
    return {row.id: row for row in rows}


def _name(meta, row) -> str:
    title = meta.fields.get(meta.title) if meta.title else None
    text = display(title, row.get(title.name)) if title is not None else ""
    return text.strip() or f"#{row.id}"


@bp.get("/app/<entity>/duplicates")
def duplicates(entity: str):
    """The flagged pairs the user may see, newest first, each with a link to the merge screen."""
    meta = entity_or_404(entity)
    pairs = possible_duplicates(current_app._get_current_object(), entity)
    rows = _rows(meta, sorted({p["record_id"] for p in pairs} | {p["other_id"] for p in pairs}))
    shown = [{**p, "record": rows[p["record_id"]], "other": rows[p["other_id"]]} for p in pairs
             if p["record_id"] in rows and p["other_id"] in rows]
    return render_template("merge/duplicates.html", entity=meta, pairs=shown, name=lambda row: _name(meta, row),
                           title=_("Possible duplicates: %(what)s", what=entity_label(meta, plural=True)))


def _is_id(text: str) -> bool:
    # ASCII digits, few of them: int() of "²" raises, and of thousands of digits is refused by Python.
    return text.isascii() and text.isdigit() and len(text) <= 10


def _ids(text: str) -> list[int]:
    ids = list(dict.fromkeys(int(part) for part in text.replace(" ", "").split(",") if _is_id(part)))
    if not 2 <= len(ids) <= MAX_RECORDS:
        abort(400, description=_("Name two to %(count)s records to merge (?ids=1,2).", count=MAX_RECORDS))
    return ids


def _plain(value):
    return value.get("id") if isinstance(value, dict) else value


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def _differing(meta, records: list) -> list:
    """Fields a merge can set whose values are not all the same."""
    return [f for f in importable_fields(meta)
            if len({repr(_plain(r.get(f.name))) for r in records}) > 1]


def _merge_page(meta, ids: list[int], survivor: int | None = None, taken: dict | None = None,
                errors: dict | None = None, status: int = 200):
    rows = _rows(meta, ids)
    missing = [i for i in ids if i not in rows]
    if missing:
        abort(404, description=_("There is no %(what)s #%(id)s, or you may not see it.",
                                 what=entity_label(meta), id=missing[0]))
    records = [rows[i] for i in ids]
    survivor = survivor if survivor in rows else ids[0]
    fields = _differing(meta, records)
    chosen = {}
    for f in fields:
        # The merge's own default: the survivor's value, or the first other record's when it is empty.
        default = survivor if not _empty(rows[survivor].get(f.name)) else next(
            (r.id for r in records if not _empty(r.get(f.name))), survivor)
        chosen[f.name] = (taken or {}).get(f.name, default)
    return render_template("merge/merge.html", entity=meta, records=records, fields=fields, survivor=survivor,
                           chosen=chosen, errors=errors or {}, display=display, name=lambda row: _name(meta, row),
                           ids=",".join(str(i) for i in ids),
                           title=_("Merge %(what)s", what=entity_label(meta, plural=True))), status


@bp.get("/app/<entity>/merge")
def compare(entity: str):
    """The records side by side: pick the survivor and, per differing field, whose value wins."""
    meta = entity_or_404(entity)
    return _merge_page(meta, _ids(request.args.get("ids", "")))


@bp.post("/app/<entity>/merge")
def run(entity: str):
    """Merge the others into the chosen survivor; a refused merge comes back with its messages (422)."""
    meta = entity_or_404(entity)
    ids = _ids(request.form.get("ids", ""))
    survivor = int(request.form["survivor"]) if _is_id(request.form.get("survivor", "")) else ids[0]
    taken = {name[len("take-"):]: int(value) for name, value in request.form.items()
             if name.startswith("take-") and _is_id(value)}
    try:
        result = merge(current_app._get_current_object(), entity, survivor, [i for i in ids if i != survivor],
                       taken, user=current_user_object(), channel="ui")
    except ValidationError as e:
        return _merge_page(meta, ids, survivor, taken, e.fields, 422)
    merged = ngettext("Merged %(num)s record into #%(id)s.", "Merged %(num)s records into #%(id)s.",
                      len(result.loser_ids), id=result.survivor_id)
    moved = ngettext("%(num)s reference moved to it.", "%(num)s references moved to it.", sum(result.moved.values()))
    flash(f"{merged} {moved}")
    return redirect(url_for("records.detail", entity=entity, record_id=result.survivor_id))
