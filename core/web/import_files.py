"""The files behind the import page: an uploaded sheet, its state, its error CSV, and the import job.

An upload is kept in the file store (:mod:`trellis.data.files`, the database by
default) as ``imports/<token>.<csv|xlsx>`` beside ``imports/<token>.json``: who
uploaded it, into which entity, the options chosen on the mapping page, and the
running job's progress; the rows that failed go to ``imports/<token>-errors.csv``.
So an app server or a Celery worker on another machine reads the upload another
server took. Each new upload first removes the uploads untouched for
``IMPORT_KEEP_DAYS`` (default 7). Nothing goes into the session cookie. The state
is replaced whole, so a page polling the progress never reads half of it.
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from trellis.data.files import file_store

JOB = "trellis.web_import"
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")
PREFIX = "imports/"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CHUNK = 64 * 1024


class UploadRefused(ValueError):
    """A file the page does not take (too large, wrong kind): message for the user."""


def max_bytes(app) -> int:
    """The largest file the page takes (the ``IMPORT_MAX_BYTES`` setting, default 20 MB)."""
    return int(app.config["IMPORT_MAX_BYTES"])


def _token_of(key: str) -> str:
    return key.removeprefix(PREFIX).split(".", 1)[0].removesuffix("-errors")


def prune(app, now: float | None = None) -> int:
    """Remove every upload (sheet, state, error CSV) none of whose files changed for ``IMPORT_KEEP_DAYS``.

    A running job rewrites its state at each batch, so it is never old. Returns the
    number of uploads removed.
    """
    cutoff = (time.time() if now is None else now) - 86400 * int(app.config["IMPORT_KEEP_DAYS"])
    store = file_store(app)
    newest: dict[str, float] = {}
    keys: dict[str, list[str]] = {}
    for stored in store.listing(PREFIX):
        token = _token_of(stored.key)
        keys.setdefault(token, []).append(stored.key)
        newest[token] = max(newest.get(token, 0.0), stored.updated_at.timestamp())
    old = [token for token, changed in newest.items() if changed < cutoff]
    for token in old:
        for key in keys[token]:
            store.delete(key)
    return len(old)


def save_upload(app, stream, file_name: str, entity: str, user_id: int) -> str:
    """Store an uploaded file (at most ``max_bytes``); returns its token.

    Uploads older than ``IMPORT_KEEP_DAYS`` are removed first (:func:`prune`).
    """
    suffix = Path(file_name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadRefused(f"choose a CSV or XLSX file ({', '.join(SUFFIXES)})")
    prune(app)
    limit, chunks, size = max_bytes(app), [], 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise UploadRefused(f"the file is larger than {limit // (1024 * 1024)} MB")
        chunks.append(chunk)
    token = secrets.token_urlsafe(18)
    file_store(app).put(f"{PREFIX}{token}{suffix}", b"".join(chunks))
    write_state(app, token, {"entity": entity, "user_id": user_id, "file_name": Path(file_name).name[:200],
                             "suffix": suffix, "status": "uploaded", "options": {}})
    return token


def state(app, token: str) -> dict[str, Any] | None:
    """The upload's state, or None for a token that names nothing."""
    if not _TOKEN.match(token or ""):
        return None
    data = file_store(app).get(f"{PREFIX}{token}.json")
    try:
        return None if data is None else json.loads(data)
    except ValueError:
        return None


def write_state(app, token: str, values: dict[str, Any]) -> None:
    """Replace the upload's state (whole: a reader sees the old state or the new one)."""
    data = json.dumps(values, ensure_ascii=False, default=str).encode()
    file_store(app).put(f"{PREFIX}{token}.json", data)


def update_state(app, token: str, **changes) -> dict[str, Any]:
    """Change some keys of the upload's state."""
    values = {**(state(app, token) or {}), **changes}
    write_state(app, token, values)
    return values


def read_upload(app, token: str, found: dict):
    """The uploaded sheet, read (a :class:`~trellis.io.reading.Sheet`); ReadError when it is gone or unreadable."""
    from trellis.io.reading import ReadError, read_sheet

    data = file_store(app).get(f"{PREFIX}{token}{found['suffix']}")
    if data is None:
        raise ReadError("the uploaded file is no longer kept; upload it again")
    with tempfile.TemporaryDirectory(prefix="trellis-import-") as work:
        path = Path(work) / f"upload{found['suffix']}"
        path.write_bytes(data)
        return read_sheet(path)


def error_rows(app, token: str) -> bytes | None:
    """The CSV of the rows that failed, or None when none did (or the job has not finished)."""
    return file_store(app).get(f"{PREFIX}{token}-errors.csv")


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
    from trellis.io.reading import ReadError
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

    with tempfile.TemporaryDirectory(prefix="trellis-import-") as work:
        errors = Path(work) / "errors.csv"
        try:
            sheet = read_upload(app, token, found)
            result = import_sheet(app, found["entity"], sheet, options_of(found, errors_path=errors),
                                  user=user, progress=progress, on_start=started, file_name=found["file_name"])
        except (ReadError, MappingError, ImportRefused, PermissionDenied) as e:
            update_state(app, token, status="failed", error=str(e))
            return
        errors_stored = errors.exists()
        if errors_stored:
            file_store(app).put(f"{PREFIX}{token}-errors.csv", errors.read_bytes())
    update_state(app, token, status="done", done=result.total, total=result.total, created=result.created,
                 updated=result.updated, skipped=result.skipped, flagged=result.flagged, failed=result.failed,
                 rolled_back=result.rolled_back, has_errors=errors_stored)


def import_failed(app, payload: dict, error: str) -> None:
    """After the job's last attempt: the page stops waiting and shows why."""
    if state(app, payload.get("token", "")) is not None:
        update_state(app, payload["token"], status="failed", error=error)
