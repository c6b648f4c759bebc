"""``/app/<entity>/import``: upload a CSV or XLSX file, map its columns, preview, then import in a job.

The steps, each a page: upload (``GET``/``POST /app/<entity>/import``) -> mapping
(``/import/<token>``: a select per column, suggested by :func:`trellis.io.mapping.suggest`,
and the dedupe mode) -> preview (the first rows checked by :func:`trellis.io.csv_import.preview`,
per-cell errors) -> run (a background job, :mod:`trellis.web.import_files`) -> the status page,
which polls ``/import/<token>/progress`` until the summary and the error CSV are ready.

Who may import is the record service's answer to "may this user create <entity>?";
the job imports as the uploading user, so every row meets the same permissions.
"""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from trellis.errors import PermissionDenied
from trellis.io import mapping as mapping_rules
from trellis.io.csv_import import DEDUPE_MODES, ImportRefused, preview
from trellis.io.mapping import MappingError
from trellis.io.reading import ReadError
from trellis.web import import_files as files
from trellis.web.labels import entity_label
from trellis.web.pages import current_user_object, entity_or_404, register_errors, service

bp = Blueprint("imports", __name__)
register_errors(bp)

PREVIEW_ROWS = 10
SAMPLE_ROWS = 3
FLAGS = ("create_links", "update_existing", "all_or_nothing", "again")


def init_app(app) -> None:
    """Register the import job (the page itself is the blueprint ``bp``)."""
    from trellis.automation import register_job

    register_job(app, files.JOB, files.run_import, max_attempts=3, failed=files.import_failed)


def _importable(entity: str):
    """The entity, when the signed-in user may create its records (else 404 / 403)."""
    meta = entity_or_404(entity)
    user = current_user_object()
    if not service().access.can(user, "create", entity):
        raise PermissionDenied(_("You may not create %(what)s records.", what=entity_label(meta)))
    return meta


def _upload(meta, token: str) -> dict:
    """The signed-in user's upload ``token`` into ``meta``, or 404."""
    found = files.state(current_app._get_current_object(), token)
    if found is None or found.get("entity") != meta.name or found.get("user_id") != current_user_object().id:
        abort(404, description=_("There is no such upload."))
    return found


def _sheet(token: str, found: dict):
    return files.read_upload(current_app._get_current_object(), token, found)


@bp.get("/app/<entity>/import")
def start(entity: str):
    """The upload form."""
    meta = _importable(entity)
    return _start_page(meta, None)


def _start_page(meta, error, status=200):
    limit = files.max_bytes(current_app._get_current_object()) // (1024 * 1024)
    return render_template("import/upload.html", entity=meta, error=error, limit=limit,
                           title=_("Import %(what)s", what=entity_label(meta, plural=True))), status


@bp.post("/app/<entity>/import")
def upload(entity: str):
    """Keep the uploaded file (size-limited) and go on to the mapping."""
    meta = _importable(entity)
    app = current_app._get_current_object()
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _start_page(meta, _("Choose a file."), 422)
    if request.content_length and request.content_length > files.max_bytes(app) + 64 * 1024:
        return _start_page(meta, _("The file is larger than %(mb)s MB.", mb=files.max_bytes(app) // 2**20), 413)
    try:
        token = files.save_upload(app, sent.stream, sent.filename, entity, current_user_object().id)
        _sheet(token, files.state(app, token))
    except (files.UploadRefused, ReadError) as e:
        return _start_page(meta, str(e), 422)
    return redirect(url_for(".mapping", entity=entity, token=token))


@bp.get("/app/<entity>/import/<token>")
def mapping(entity: str, token: str):
    """A select per column (the suggested field chosen), the dedupe mode and the options."""
    meta = _importable(entity)
    found = _upload(meta, token)
    return _mapping_page(meta, token, found)


def _mapping_page(meta, token, found, error=None, status=200):
    sheet = _sheet(token, found)
    saved = found.get("options") or {}
    chosen = saved.get("mapping") or mapping_rules.suggest(meta, sheet.headers)
    fields = mapping_rules.importable_fields(meta)
    samples = [[row[i] for row in sheet.rows[:SAMPLE_ROWS]] for i in range(len(sheet.headers))]
    return render_template("import/mapping.html", entity=meta, token=token, file_name=found["file_name"],
                           headers=sheet.headers, samples=samples, chosen=chosen, fields=fields, rows=len(sheet.rows),
                           id_column=mapping_rules.ID_COLUMN, modes=DEDUPE_MODES, options=saved, flags=FLAGS,
                           error=error, title=_("Import %(what)s", what=entity_label(meta, plural=True))), status


def _posted_options(headers: list[str]) -> dict:
    """The mapping page's answers: ``{"mapping": {header: field or ""}, "dedupe": ..., flags...}``."""
    chosen = {header: request.form.get(f"map-{i}", "") for i, header in enumerate(headers)}
    dedupe = request.form.get("dedupe") or None
    return {"mapping": chosen, "dedupe": dedupe if dedupe in DEDUPE_MODES else None,
            **{flag: request.form.get(flag) == "on" for flag in FLAGS}}


@bp.post("/app/<entity>/import/<token>")
def check(entity: str, token: str):
    """Save the mapping and show the first rows as the import would take them, with per-cell errors."""
    meta = _importable(entity)
    app = current_app._get_current_object()
    found = _upload(meta, token)
    sheet = _sheet(token, found)
    found = files.update_state(app, token, options=_posted_options(sheet.headers))
    try:
        result = preview(app, entity, sheet, files.options_of(found), user=current_user_object(),
                         limit=PREVIEW_ROWS)
    except (MappingError, ImportRefused) as e:
        return _mapping_page(meta, token, found, error=str(e), status=422)
    by_row = {f.row: f for f in result.failures}
    rows = []
    for index, cells in enumerate(sheet.rows[:PREVIEW_ROWS]):
        failure = by_row.get(index + 2)   # spreadsheet numbering: the header is row 1
        errors = dict(failure.errors) if failure else {}
        rows.append({"number": index + 2, "values": dict(zip(sheet.headers, cells, strict=False)), "errors": errors,
                     "other": [f"{c}: {m}" if c else m for c, m in (failure.errors if failure else [])
                               if c not in result.mapping.columns]})
    fields = meta.fields
    used = [(h, fields.get(result.mapping.columns[h])) for h in sheet.headers if h in result.mapping.columns]
    return render_template("import/preview.html", entity=meta, token=token, headers=sheet.headers, used=used,
                           rows=rows, total=len(sheet.rows), failed=len(by_row), id_column=mapping_rules.ID_COLUMN,
                           title=_("Import %(what)s", what=entity_label(meta, plural=True)))


@bp.post("/app/<entity>/import/<token>/run")
def run(entity: str, token: str):
    """Queue the import job and show its progress."""
    from trellis.automation import enqueue

    meta = _importable(entity)
    app = current_app._get_current_object()
    found = _upload(meta, token)
    if found.get("status") in ("queued", "running"):
        return redirect(url_for(".status", entity=entity, token=token))
    files.update_state(app, token, status="queued", done=0, total=0, error=None)
    enqueue(app, files.JOB, {"token": token})
    return redirect(url_for(".status", entity=entity, token=token))


@bp.get("/app/<entity>/import/<token>/status")
def status(entity: str, token: str):
    """The progress bar while the job runs; the summary and the error CSV link when it is done."""
    meta = _importable(entity)
    found = _upload(meta, token)
    return render_template("import/status.html", entity=meta, token=token, job=found,
                           title=_("Import %(what)s", what=entity_label(meta, plural=True)))


@bp.get("/app/<entity>/import/<token>/progress")
def progress(entity: str, token: str):
    """``{"status", "done", "total", "created", ...}`` for the status page's script."""
    meta = _importable(entity)
    found = _upload(meta, token)
    keys = ("status", "done", "total", "created", "updated", "skipped", "flagged", "failed", "error")
    return jsonify({k: found.get(k) for k in keys})


@bp.get("/app/<entity>/import/<token>/errors.csv")
def errors(entity: str, token: str):
    """The rows that failed: their columns, ``_row`` and ``_errors``."""
    meta = _importable(entity)
    _upload(meta, token)
    data = files.error_rows(current_app._get_current_object(), token)
    if data is None:
        abort(404, description=_("No row failed."))
    return send_file(BytesIO(data), mimetype="text/csv", as_attachment=True,
                     download_name=f"{entity}-import-errors.csv")
