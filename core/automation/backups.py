"""The scheduled backup: with ``BACKUP_DIR`` set, a backup runs on ``BACKUP_SCHEDULE``, ``BACKUP_KEEP`` are kept.

The scheduler's tick claims the occurrence (once across schedulers, like any time
trigger) and queues the ``trellis.backup`` job, which writes
``BACKUP_DIR/trellis-backup-<time>.tar.gz`` outside any transaction (a backup never
holds a write lock) and then removes the oldest backups beyond ``BACKUP_KEEP``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

log = logging.getLogger("trellis.backup")
BACKUP_JOB = "trellis.backup"
PATTERN = "trellis-backup-*.tar.gz"


def run_backup(app, payload: dict) -> None:
    """The job: back up into ``BACKUP_DIR``, then keep only the newest ``BACKUP_KEEP``."""
    from trellis.data.backup import backup, default_name

    folder = Path(app.config["BACKUP_DIR"])
    at = datetime.fromisoformat(payload["at"]) if payload.get("at") else None
    target = folder / default_name(at)
    backup(app, target)
    removed = prune(folder, int(app.config.get("BACKUP_KEEP") or 7))
    log.info("scheduled backup written to %s (%d old one(s) removed)", target, len(removed))


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups in ``folder`` (by name: they carry their UTC time)."""
    backups = sorted(Path(folder).glob(PATTERN))
    old = backups[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


def due(app, now: datetime, minute_key: str, matches: bool) -> list:
    """Queue the backup job when ``BACKUP_DIR`` is set and the schedule ``matches`` this minute; returns fired."""
    from trellis.automation.jobs import enqueue
    from trellis.automation.schedule import Fired, _claim
    from trellis.automation.state import transaction

    if not app.config.get("BACKUP_DIR") or not matches:
        return []
    with transaction(app):
        if not _claim(app, "job:backup", 0, minute_key, now):
            return []
        enqueue(app, BACKUP_JOB, {"at": now.isoformat()})
    return [Fired("job:backup", 0, minute_key, "ok")]
