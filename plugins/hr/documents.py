"""Employee documents: upload on the employee's page, download with the employee's read rules.

A file is stored under the instance folder, in ``hr_documents/``, named by a random
hex ``storage_key``; the uploaded name is kept in ``filename`` for display and the
download's ``Content-Disposition`` only, never used as a path. The upload is limited
in size (``HR_DOCUMENT_MAX_BYTES``) and in kind: the type is read from the file's first
bytes (PDF, PNG, JPEG, or UTF-8 text), not from what the browser claims.

The record is created through the record service as the signed-in user (so the role's
``create`` permission and rules apply); its read-only file fields are then set by the
plugin, in the same transaction. Reading a document -- its page, the list, the
download -- goes through the same service, so the reporting line decides who may.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from trellis import NotFound, PermissionDenied, ValidationError, records_for

bp = Blueprint("hr_documents", __name__, url_prefix="/hr")
FOLDER = "hr_documents"
KEY = re.compile(r"^[0-9a-f]{32}$")
KINDS = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
"""The accepted kinds of file, recognised by their first bytes; UTF-8 text (``.txt``) is the fourth."""
MAX_TITLE = 200


def folder(app) -> Path:
    """Where the documents' files live: ``<instance folder>/hr_documents``."""
    return Path(app.instance_path) / FOLDER


def file_of(app, storage_key: str | None) -> Path | None:
    """The stored file of a key, or None for a key that is not one the plugin writes."""
    if not isinstance(storage_key, str) or not KEY.match(storage_key):
        return None
    return folder(app) / storage_key


def content_type(data: bytes, filename: str) -> str | None:
    """The type of an upload from its first bytes (None: not a kind HR keeps)."""
    for magic, kind, _suffix in KINDS:
        if data.startswith(magic):
            return kind
    if filename.lower().endswith(".txt") and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def display_name(filename: str) -> str:
    """The uploaded name as shown: its last part, without control characters, at most 200 characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "document"
    return name[-MAX_TITLE:]


@bp.post("/employee/<int:employee_id>/documents")
@login_required
def upload(employee_id: int):
    """Attach an uploaded file to an employee (a size or kind refused is shown on the page, nothing stored)."""
    app = current_app._get_current_object()
    records = records_for(current_user._get_current_object(), channel="ui")
    back = url_for("records.detail", entity="employee", record_id=employee_id)
    try:
        records.get("employee", employee_id)
    except (NotFound, PermissionDenied):
        abort(404)
    upload = request.files.get("file")
    limit = int(app.config["HR_DOCUMENT_MAX_BYTES"])
    data = upload.stream.read(limit + 1) if upload is not None else b""
    problem = None
    if not data:
        problem = _("Choose a file")
    elif len(data) > limit:
        problem = _("The file is larger than %(size)s MB", size=f"{limit / 1_000_000:g}")
    kind = content_type(data, upload.filename or "") if data and problem is None else None
    if problem is None and kind is None:
        problem = _("Only PDF, PNG, JPEG and text files are kept")
    if problem is not None:
        flash(problem, "error")
        return redirect(back), 303
    name = display_name(upload.filename)
    key = secrets.token_hex(16)
    target = folder(app)
    target.mkdir(parents=True, exist_ok=True)
    path = target / key
    path.write_bytes(data)
    try:
        with records.transaction():
            document = records.create("employee_document", {
                "employee": employee_id, "title": (request.form.get("title") or name).strip()[:MAX_TITLE] or name,
                "kind": request.form.get("kind") or "other"})
            records.as_system(actor="hr").update("employee_document", document.id, {
                "filename": name, "content_type": kind, "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(), "storage_key": key})
    except PermissionDenied:
        path.unlink(missing_ok=True)
        abort(403)
    except ValidationError as e:
        path.unlink(missing_ok=True)
        flash("; ".join(e.fields.values()), "error")
        return redirect(back), 303
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    flash(_("Document %(title)s saved.", title=name))
    return redirect(back), 303


@bp.get("/documents/<int:document_id>/download")
@login_required
def download(document_id: int):
    """The document's file, for a user who may read the document (anyone else: 404)."""
    app = current_app._get_current_object()
    records = records_for(current_user._get_current_object(), channel="ui")
    try:
        document = records.get("employee_document", document_id)
    except (NotFound, PermissionDenied):
        abort(404)
    stored = records_for(None, app).get("employee_document", document_id)
    path = file_of(app, stored.get("storage_key"))
    if path is None or not path.is_file():
        abort(404, description=_("This document has no file"))
    answer = send_file(path, mimetype=document.get("content_type") or "application/octet-stream",
                       as_attachment=True, download_name=document.get("filename") or "document", max_age=0)
    answer.headers["X-Content-Type-Options"] = "nosniff"
    answer.headers["Cache-Control"] = "private, no-store"
    return answer


def panel_values(entity: str, record) -> dict:
    """The employee page's documents panel: the documents the viewer may read, and whether they may upload."""
    records = records_for(current_user._get_current_object(), channel="ui")
    try:
        rows = records.query("employee_document").filter(employee=record.id).order_by("-created_at") \
            .page(size=100, count=False).rows
    except PermissionDenied:
        rows = []
    may_upload = records.access.can(records.user, "create", "employee_document")
    return {"documents": rows, "may_upload": may_upload}


def remove_file(record) -> None:
    """Delete a deleted document's file (the record is gone with its transaction)."""
    stored = record.get("storage_key") if hasattr(record, "get") else None
    path = file_of(current_app._get_current_object(), stored)
    if path is not None:
        path.unlink(missing_ok=True)
