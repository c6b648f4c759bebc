"""``trellis backup`` and ``trellis restore``: the database, the instance folder and a manifest in one archive.

A backup is a ``.tar.gz`` holding:

- ``manifest.json``: the format, when it was made, the Trellis and plugin versions, the
  database kind, every table's row count and every member's SHA-256;
- ``database.sqlite`` (SQLite, copied with SQLite's online backup API, so the copy is
  consistent while the app keeps serving) or ``database.dump`` (PostgreSQL, ``pg_dump
  --format=custom`` of the app's schema);
- ``instance/``: the instance folder (the secret keys), less the SQLite database itself;
- ``stored/``: the stored files (:mod:`trellis.data.files`) when ``FILE_STORAGE`` is a
  folder or an S3 bucket (in the database by default, they travel inside the database's copy); the
  manifest lists every stored file's SHA-256 either way, and a restore checks each
  file it brought back against it.

A restore checks every checksum before it changes anything, refuses a backup made
by a newer Trellis or a newer plugin (its schema may hold what this code cannot
read), and refuses to overwrite a database that holds rows unless ``force``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from trellis.data.files import DatabaseFiles, FolderFiles, file_store

FORMAT = 1
SKIPPED = {"celerybeat-schedule"}   # the beat's state: remade by itself


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, nothing was changed."""


@dataclass(frozen=True)
class Restored:
    """What a restore brought back: the manifest and the number of instance and stored files."""

    manifest: dict
    files: int


def default_name(now: datetime | None = None) -> str:
    """``trellis-backup-YYYYmmdd-HHMMSS.tar.gz`` (UTC)."""
    return f"trellis-backup-{(now or datetime.now(UTC)):%Y%m%d-%H%M%S}.tar.gz"


def backup(app, target: Path) -> dict:
    """Write the backup of ``app`` to ``target`` (atomically: a partial file never has the final name).

    Returns the manifest.
    """
    from trellis.data.database import db

    with app.app_context():
        engine = db.engine
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="trellis-backup-") as work:
        work = Path(work)
        if engine.dialect.name == "sqlite":
            database = work / "database.sqlite"
            _sqlite_copy(engine.url.database, database)
        elif engine.dialect.name == "postgresql":
            database = work / "database.dump"
            _pg_dump(engine, database)
        else:
            raise BackupError(f"cannot back up a {engine.dialect.name} database")
        members = {database.name: database}
        for path in _instance_files(app, engine):
            members[f"instance/{path.relative_to(app.instance_path).as_posix()}"] = path
        store = file_store(app)
        stored = store.listing()
        if isinstance(store, FolderFiles):
            members.update({f"stored/{f.key}": store.root / f.key for f in stored})
        elif not isinstance(store, DatabaseFiles):
            members.update(_downloaded(store, stored, work / "stored"))
            stored = [f for f in stored if f"stored/{f.key}" in members]   # less any deleted meanwhile
        manifest = _manifest(app, engine, {name: _sha256(path) for name, path in members.items()})
        manifest["stored_files"] = {f.key: f.sha256 for f in stored}
        partial = target.with_name(target.name + ".partial")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                archive.add(path, arcname=name, recursive=False)
        os.chmod(partial, 0o600)   # it holds the secret keys
        os.replace(partial, target)
    return manifest


def restore(app, source: Path, force: bool = False) -> Restored:
    """Restore the backup ``source`` into ``app``'s database and instance folder (see the module docstring)."""
    from trellis.data.database import db

    with app.app_context():
        engine = db.engine
    with tempfile.TemporaryDirectory(prefix="trellis-restore-") as work:
        work = Path(work)
        manifest = _unpack(Path(source), work)
        _check_versions(app, manifest)
        kind = manifest.get("database")
        if kind != engine.dialect.name:
            raise BackupError(f"the backup holds a {kind} database; this app uses {engine.dialect.name}")
        from trellis.data.schema import BOOKKEEPING_TABLE

        filled = {name: count for name, count in table_rows(engine).items() if count and name != BOOKKEEPING_TABLE}
        if filled and not force:
            shown = ", ".join(f"{name} ({count})" for name, count in sorted(filled.items())[:5])
            raise BackupError(f"the database is not empty ({shown}); restore with --force to replace it")
        engine.dispose()
        if kind == "sqlite":
            _sqlite_restore(work / "database.sqlite", engine.url.database)
        else:
            _pg_restore(engine, work / "database.dump")
        engine.dispose()
        files = 0
        instance = Path(app.instance_path)
        for path in sorted((work / "instance").rglob("*")) if (work / "instance").exists() else []:
            if path.is_file():
                destination = instance / path.relative_to(work / "instance")
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
                files += 1
        files += _restore_stored(app, work / "stored", manifest.get("stored_files", {}))
    return Restored(manifest, files)


def _downloaded(store, stored: list, folder: Path) -> dict[str, Path]:
    """Copy the stored files of a remote store (S3) into ``folder``: ``{archive name: local path}`` (a file
    deleted since the listing is left out)."""
    members = {}
    for found in stored:
        data = store.get(found.key)
        if data is not None:
            path = folder / found.key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            members[f"stored/{found.key}"] = path
    return members


def _restore_stored(app, folder: Path, expected: dict[str, str]) -> int:
    """Put the archive's ``stored/`` files into the store, then check every stored file the manifest lists."""
    store = file_store(app)
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if path.is_file():
            store.put(path.relative_to(folder).as_posix(), path.read_bytes())
    for key, digest in sorted(expected.items()):
        data = store.get(key)
        if data is None or hashlib.sha256(data).hexdigest() != digest:
            raise BackupError(f"the stored file {key} did not come back whole (checksum mismatch)")
    return len(expected)


def table_rows(engine) -> dict[str, int]:
    """``{table: row count}`` of every table of the app's schema (SQLite's own, its full-text index's shadow
    tables and Alembic's left out)."""
    with engine.connect() as connection:
        skip = {"sqlite_sequence", "alembic_version"}
        if connection.dialect.name == "sqlite":
            skip |= {row[1] for row in connection.exec_driver_sql("PRAGMA table_list") if row[2] == "shadow"}
        names = [n for n in sa.inspect(connection).get_table_names() if n not in skip]
        quote = connection.dialect.identifier_preparer.quote
        return {name: connection.exec_driver_sql(f"SELECT COUNT(*) FROM {quote(name)}").scalar()  # noqa: S608
                for name in names}


def _manifest(app, engine, files: dict[str, str]) -> dict:
    import trellis
    from trellis.runtime import runtime

    return {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "trellis_version": trellis.__version__, "database": engine.dialect.name,
            "plugins": {p.name: str(p.version) for p in runtime(app).plugins.ordered},
            "tables": table_rows(engine), "files": files}


def _check_versions(app, manifest: dict) -> None:
    import trellis
    from trellis.runtime import runtime

    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (this Trellis reads {FORMAT})")
    if _version(manifest.get("trellis_version", "0")) > _version(trellis.__version__):
        raise BackupError(f"the backup was made by Trellis {manifest['trellis_version']}, newer than this "
                          f"{trellis.__version__}: upgrade Trellis first")
    installed = {p.name: str(p.version) for p in runtime(app).plugins.ordered}
    for name, version in sorted(manifest.get("plugins", {}).items()):
        if name in installed and _version(version) > _version(installed[name]):
            raise BackupError(f"the backup was made with the plugin {name} {version}, newer than the installed "
                              f"{installed[name]}: upgrade it first")


def _version(text: str) -> tuple:
    parts = []
    for piece in str(text).split("."):
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _unpack(source: Path, work: Path) -> dict:
    """Extract ``source`` into ``work`` after checking it; returns its manifest."""
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    try:
        with tarfile.open(source, "r:gz") as archive:
            archive.extractall(work, filter="data")   # no absolute paths, no '..', no links out
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{source}: not a Trellis backup ({error})") from None
    try:
        manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{source}: no readable manifest.json ({error})") from None
    for name, digest in manifest.get("files", {}).items():
        path = work / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"{source}: {name} is missing or damaged (checksum mismatch)")
    return manifest


def _instance_files(app, engine) -> list[Path]:
    instance = Path(app.instance_path)
    database = Path(engine.url.database).resolve() if engine.dialect.name == "sqlite" and engine.url.database else None
    skip = {database, *(Path(f"{database}{s}") for s in ("-wal", "-shm", "-journal"))} if database else set()
    return [path for path in sorted(instance.rglob("*"))
            if path.is_file() and path.resolve() not in skip and path.name not in SKIPPED
            and not path.name.endswith(".partial")]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_copy(source: str, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sqlite_restore(source: Path, target: str) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)          # replaces every page of the target, in one transaction
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


def _libpq(engine) -> tuple[str, dict]:
    """The engine's URL for libpq's tools (password in the environment, not on the command line)."""
    url = engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools "
                          f"(e.g. apt-get install postgresql-client) to back up or restore PostgreSQL")
    return path


def _schema(engine) -> str:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT current_schema()").scalar()


def _pg_dump(engine, target: Path) -> None:
    url, env = _libpq(engine)
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
               f"--schema={_schema(engine)}", f"--dbname={url}"]
    _run(command, env, "pg_dump")


def _pg_restore(engine, source: Path) -> None:
    url, env = _libpq(engine)
    schema = _schema(engine)
    with engine.begin() as connection:   # the schema is emptied, then filled from the dump
        quote = connection.dialect.identifier_preparer.quote
        for name in sa.inspect(connection).get_table_names():
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(schema)}.{quote(name)} CASCADE")
    command = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               f"--schema={schema}", f"--dbname={url}", str(source)]
    _run(command, env, "pg_restore")


def _run(command: list[str], env: dict, name: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{name} failed: {done.stderr.strip()[-500:]}")
