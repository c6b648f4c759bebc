"""Stored files (import uploads, their state and error CSVs) where every app server and worker reads them.

``FILE_STORAGE`` chooses where:

- ``database`` (the default): the ``trellis_file`` table, so a second app server or a
  Celery worker on another machine reads what the first one stored, and a backup of
  the database holds every file;
- an absolute folder path: one file per key under that folder, which must then be
  shared storage (NFS, a mounted volume) when there is more than one machine;
- ``s3://bucket/prefix``: objects in S3-compatible object storage
  (:mod:`trellis.data.s3files`).

A key is a relative name of letters, digits, ``._-`` and ``/`` (``imports/<token>.csv``).
Every stored file keeps its SHA-256, so a restore can prove each came back whole.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Column, MetaData, Table

FILE_TABLE = "trellis_file"
DATABASE = "database"
_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")


def declare_table(metadata: MetaData) -> Table:
    """Define ``trellis_file`` on the schema's ``metadata`` (once; a second call returns the same table)."""
    if FILE_TABLE in metadata.tables:
        return metadata.tables[FILE_TABLE]
    return Table(
        FILE_TABLE, metadata,
        Column("key", sa.String(300), primary_key=True),
        Column("data", sa.LargeBinary, nullable=False),
        Column("size", sa.BigInteger, nullable=False),
        Column("sha256", sa.String(64), nullable=False),
        Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


@dataclass(frozen=True)
class StoredFile:
    """One stored file's key, size, SHA-256 and when it last changed (UTC)."""

    key: str
    size: int
    sha256: str
    updated_at: datetime


def check_key(key: str) -> str:
    """``key`` when it is a safe relative name; ValueError otherwise (never a path out of the store)."""
    if not isinstance(key, str) or len(key) > 300 or not _KEY.match(key) or ".." in key.split("/"):
        raise ValueError(f"not a stored file's name: {key!r}")
    return key


class DatabaseFiles:
    """Files in the ``trellis_file`` table."""

    def __init__(self, engine, table: Table):
        self.engine, self.table = engine, table

    def put(self, key: str, data: bytes) -> StoredFile:
        """Store ``data`` under ``key``, replacing what was there."""
        stored = StoredFile(check_key(key), len(data), hashlib.sha256(data).hexdigest(), datetime.now(UTC))
        values = {"data": data, "size": stored.size, "sha256": stored.sha256, "updated_at": stored.updated_at}
        t = self.table
        with self.engine.begin() as connection:
            changed = connection.execute(sa.update(t).where(t.c.key == key).values(**values)).rowcount
            if not changed:
                connection.execute(sa.insert(t).values(key=key, **values))
        return stored

    def get(self, key: str) -> bytes | None:
        """The file's bytes, or None when nothing is stored under ``key``."""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(self.table.c.data).where(self.table.c.key == check_key(key))).scalar()

    def delete(self, key: str) -> None:
        """Remove the file (nothing happens when there is none)."""
        with self.engine.begin() as connection:
            connection.execute(sa.delete(self.table).where(self.table.c.key == check_key(key)))

    def listing(self, prefix: str = "") -> list[StoredFile]:
        """Every stored file whose key starts with ``prefix``, by key."""
        t = self.table
        statement = sa.select(t.c.key, t.c.size, t.c.sha256, t.c.updated_at).order_by(t.c.key)
        if prefix:
            statement = statement.where(t.c.key.startswith(prefix, autoescape=True))
        with self.engine.connect() as connection:
            return [StoredFile(r.key, r.size, r.sha256, _utc(r.updated_at)) for r in connection.execute(statement)]


class FolderFiles:
    """Files under one folder (shared storage when there are several machines)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> StoredFile:
        """Store ``data`` under ``key`` (atomically: a reader sees the old file or the new one)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        return StoredFile(key, len(data), hashlib.sha256(data).hexdigest(), datetime.now(UTC))

    def get(self, key: str) -> bytes | None:
        """The file's bytes, or None when nothing is stored under ``key``."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        """Remove the file (nothing happens when there is none)."""
        self._path(key).unlink(missing_ok=True)

    def listing(self, prefix: str = "") -> list[StoredFile]:
        """Every stored file whose key starts with ``prefix``, by key."""
        found = []
        for path in sorted(self.root.rglob("*")) if self.root.exists() else []:
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and not path.name.startswith(".") and key.startswith(prefix):
                data = path.read_bytes()
                found.append(StoredFile(key, len(data), hashlib.sha256(data).hexdigest(),
                                        datetime.fromtimestamp(path.stat().st_mtime, UTC)))
        return found


def file_store(app):
    """The store ``FILE_STORAGE`` names for ``app``: a :class:`DatabaseFiles`, :class:`FolderFiles` or
    :class:`~trellis.data.s3files.S3Files`."""
    where = app.config.get("FILE_STORAGE") or DATABASE
    if where.startswith("s3://"):
        from trellis.data.s3files import s3_store

        return s3_store(app, where)
    if where != DATABASE:
        return FolderFiles(Path(where))
    from trellis.data.database import db
    from trellis.runtime import runtime

    with app.app_context():
        engine = db.engine
    return DatabaseFiles(engine, runtime(app).tables.files)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def move_instance_uploads(app) -> int:
    """Move import uploads an older Trellis kept in ``INSTANCE_DIR/imports/`` into the store; returns how many.

    ``trellis migrate`` calls it. A file is removed from the folder only once it is stored.
    """
    folder = Path(app.config["INSTANCE_DIR"]) / "imports"
    if not folder.is_dir():
        return 0
    store, moved = file_store(app), 0
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.endswith(".tmp"):
            store.put(f"imports/{path.name}", path.read_bytes())
            path.unlink()
            moved += 1
    return moved
