"""The files behind the import page: an uploaded sheet, its state, its error CSV, and the import job.

An upload lives in ``INSTANCE_DIR/imports/`` as ``<token>.<csv|xlsx>`` beside
``<token>.json``: who uploaded it, into which entity, the options chosen on the
mapping page, and the running job's progress. Each new upload first removes the
uploads untouched for ``IMPORT_KEEP_DAYS`` (default 7). Nothing goes into the session
cookie. The JSON is replaced atomically, so a page polling the progress never
reads half a file. With app servers or Celery workers on several machines, the
instance folder must be shared storage (as it already is for the SQLite file).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

JOB = "trellis.web_import"
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CHUNK = 64 * 1024


class UploadRefused(ValueError):
    """A file the page does not take (too large, wrong kind): message for the user."""


def folder(app) -> Path:
    """``INSTANCE_DIR/imports``, created when missing."""
    path = Path(app.config["INSTANCE_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes(app) -> int:
    """The largest file the page takes (the ``IMPORT_MAX_BYTES`` setting, default 20 MB)."""
    return int(app.config["IMPORT_MAX_BYTES"])


def prune(app, now: float | None = None) -> int:
    """Remove every upload (sheet, state, error CSV) none of whose files changed for ``IMPORT_KEEP_DAYS``.

    A running job rewrites its state at each batch, so it is never old. Returns the
    number of uploads removed.
    """
    cutoff = (time.time() if now is None else now) - 86400 * int(app.config["IMPORT_KEEP_DAYS"])
    newest: dict[str, float] = {}
    files: dict[str, list[Path]] = {}
    for path in folder(app).iterdir():
        token = path.name.split(".", 1)[0].removesuffix("-errors")
        files.setdefault(token, []).append(path)
        newest[token] = max(newest.get(token, 0.0), path.stat().st_mtime)
    old = [token for token, changed in newest.items() if changed < cutoff]
    for token in old:
        for path in files[token]:
            path.unlink(missing_ok=True)
    return len(old)


def save_upload(app, stream, file_name: str, entity: str, user_id: int) -> str:
    """Copy an uploaded file (at most ``max_bytes``) into the folder; returns its token.

    Uploads older than ``IMPORT_KEEP_DAYS`` are removed first (:func:`prune`).
    """
    suffix = Path(file_name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadRefused(f"choose a CSV or XLSX file ({', '.join(SUFFIXES)})")
    prune(app)
    token = secrets.token_urlsafe(18)
    target = folder(app) / f"{token}{suffix}"
    limit, size = max_bytes(app), 0
    with target.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink()
                raise UploadRefused(f"the file is larger than {limit // (1024 * 1024)} MB")
            out.write(chunk)
    write_state(app, token, {"entity": entity, "user_id": user_id, "file_name": Path(file_name).name[:200],
                             "suffix": suffix, "status": "uploaded", "options": {}})
    return token


def state(app, token: str) -> dict[str, Any] | None:
    """The upload's state, or None for a token that names nothing."""
    if not _TOKEN.match(token or ""):
        return None
    try:
        return json.loads((folder(app) / f"{token}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_state(app, token: str, values: dict[str, Any]) -> None:
    """Replace the upload's state (atomically: a reader sees the old file or the new one)."""
    path = folder(app) / f"{token}.json"
    temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    temporary.write_text(json.dumps(values, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(temporary, path)


def update_state(app, token: str, **changes) -> dict[str, Any]:
    """Change some keys of the upload's state."""
    values = {**(state(app, token) or {}), **changes}
    write_state(app, token, values)
    return values


def sheet_path(app, token: str, found: dict) -> Path:
    """The uploaded file."""
    return folder(app) / f"{token}{found['suffix']}"


def errors_path(app, token: str) -> Path:
    """Where the job writes the rows that failed."""
    return folder(app) / f"{token}-errors.csv"


def options_of(found: dict, **extra):
    """The :class:`~trellis.io.csv_import.ImportOptions` saved on the mapping page."""
    from trellis.io.csv_import import ImportOptions

    saved = found.get("options") or {}
    return ImportOptions(mapping=dict(saved.get("mapping") or {}), auto_map=False, dedupe=saved.get("dedupe"),
                         update_existing=bool(saved.get("update_existing")),
                         create_links=bool(saved.get("create_links")),
                         all_or_nothing=bool(saved.get("all_or_nothing")), again=bool(saved.get("again")), **extra)


def run_import(app, payload: dict) -> None:
    """The job: import the upload ``payload["token"]`` as the user who uploaded it, recording progress."""
    from trellis.errors import PermissionDenied
    from trellis.io.csv_import import ImportRefused, import_sheet
    from trellis.io.mapping import MappingError
    from trellis.io.reading import ReadError, read_sheet
    from trellis.security.accounts import load_account

    token = payload["token"]
    found = state(app, token)
    if found is None:
        return  # the upload was removed
    user = load_account(app, found["user_id"])
    if user is None:
        update_state(app, token, status="failed", error="the user who uploaded the file is no longer active")
        return
    counted = {"done": 0}

    def started(result):
        counted["done"] = result.resumed_from
        update_state(app, token, status="running", total=result.total, done=result.resumed_from)

    def progress(rows: int):
        counted["done"] += rows
        update_state(app, token, done=counted["done"])

    try:
        sheet = read_sheet(sheet_path(app, token, found))
        result = import_sheet(app, found["entity"], sheet, options_of(found, errors_path=errors_path(app, token)),
                              user=user, progress=progress, on_start=started, file_name=found["file_name"])
    except (ReadError, MappingError, ImportRefused, PermissionDenied) as e:
        update_state(app, token, status="failed", error=str(e))
        return
    update_state(app, token, status="done", done=result.total, total=result.total, created=result.created,
                 updated=result.updated, skipped=result.skipped, flagged=result.flagged, failed=result.failed,
                 rolled_back=result.rolled_back, has_errors=errors_path(app, token).exists())


def import_failed(app, payload: dict, error: str) -> None:
    """After the job's last attempt: the page stops waiting and shows why."""
    if state(app, payload.get("token", "")) is not None:
        update_state(app, payload["token"], status="failed", error=error)
