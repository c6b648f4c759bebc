"""The data layer's settings (see :mod:`trellis.config`)."""

from __future__ import annotations

import os
from typing import Any

from trellis.config import Setting, check_database_url, choice, positive_integer, url


def settings() -> list[Setting]:
    """The database, and the lists' count cap."""
    return [
        Setting("DATABASE_URL", None, "SQLAlchemy URL; default: SQLite file in the instance folder",
                check_database_url),
        Setting("LIST_COUNT_CAP", 1000, "lists count matching records exactly up to this many, then show 'N+'",
                positive_integer),
        Setting("SQLITE_SYNCHRONOUS", "FULL", "SQLite's fsync on commit: FULL (a committed save survives power "
                "loss) or NORMAL (about 1 ms faster per save; the last commits may be lost on power loss)",
                choice("FULL", "NORMAL")),
        Setting("FILE_STORAGE", "database", "where uploaded files are kept: 'database' (every app server and worker "
                "reads them), an absolute folder path (shared storage when there are several machines) or "
                "s3://bucket/prefix (S3-compatible object storage; the s3 extra)",
                _storage),
        Setting("S3_ENDPOINT_URL", None, "the S3 server when FILE_STORAGE is s3://... and it is not AWS "
                "(MinIO, Ceph: https://s3.example.com); credentials from the AWS_* environment variables", url),
        Setting("REPORT_CACHE_SECONDS", 300, "reports' results are kept per process until a table they read is "
                "written, and at most this many seconds (0: no cache)", whole_seconds),
    ]


def _storage(value: Any) -> str:
    """``database``, an absolute folder path or ``s3://bucket/prefix`` (the ``FILE_STORAGE`` setting's parser)."""
    shown = str(value).strip()
    if shown == "database":
        return shown
    if shown.startswith("s3://"):
        from trellis.data.s3files import parse_location, require_boto3

        parse_location(shown)
        require_boto3()
        return shown
    if not os.path.isabs(shown):
        raise ValueError(f"expected 'database', an absolute folder path or s3://bucket/prefix, not '{value}'")
    return shown


def whole_seconds(value: object) -> int:
    """A whole number of seconds from 0 to a day (``"300"`` or ``300``)."""
    try:
        seconds = int(str(value).strip())
    except ValueError:
        seconds = -1
    if not 0 <= seconds <= 86_400:
        raise ValueError(f"expected a whole number of seconds from 0 to 86400, not '{value}'")
    return seconds
