"""``trellis backup`` / ``trellis restore``: a round trip brings back every row, history entry and upload."""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from trellis.data.backup import table_rows
from trellis.data.database import db
from trellis.data.files import file_store
from trellis.data.migrate import upgrade


def _everything(app) -> dict[str, list]:
    """Every row of every table, sorted, as text: what a restore must bring back exactly."""
    with app.app_context(), db.engine.connect() as connection:
        tables = sorted(sa.inspect(connection).get_table_names())
        metadata = sa.MetaData()
        metadata.reflect(connection, only=tables)
        return {name: sorted(tuple(map(str, row)) for row in connection.execute(sa.select(metadata.tables[name])))
                for name in tables if name not in ("sqlite_sequence", "alembic_version")}


def _wipe(app) -> None:
    """An empty database where the old one was: a new SQLite file, or an emptied PostgreSQL schema."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{engine.url.database}{suffix}").unlink(missing_ok=True)
        else:
            with engine.begin() as connection:
                for name in sa.inspect(connection).get_table_names():
                    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE')
    upgrade(app)


def _upload(app) -> tuple[str, str]:
    """An import upload in the file store: its key and SHA-256."""
    data = "name,amount\nÄnne,12.50\n".encode() * 1000
    key = "imports/a1b2c3a1b2c3a1b2c3a1b2c3.csv"
    file_store(app).put(key, data)
    return key, hashlib.sha256(data).hexdigest()


def _member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive, "r:gz") as opened:
        return opened.extractfile(name).read()


def _run(app, name, *args):
    from trellis.cli import entry

    return app.test_cli_runner().invoke(entry.cli, [name, *map(str, args)])


def _empty_bucket(s3_bucket) -> None:
    client, bucket = s3_bucket
    for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        client.delete_object(Bucket=bucket, Key=item["Key"])


@pytest.mark.parametrize("storage", ["database", "folder", "s3"])
def test_backup_wipe_restore_brings_back_every_row_history_entry_and_upload(app, records, tmp_path, storage,
                                                                           request):
    shared = tmp_path / "shared-files"
    if storage == "folder":
        app.config["FILE_STORAGE"] = str(shared)
    s3_bucket = request.getfixturevalue("s3_bucket") if storage == "s3" else None
    for n in range(20):
        record = records.create("customer", {"name": f"Customer {n}", "amount": f"{n}.25"})
        records.update("customer", record.id, {"amount": f"{n}.75"}, expected_version=record.version)
    records.delete("customer", records.query("customer").page().rows[0]["id"])
    key, checksum = _upload(app)
    before = _everything(app)
    assert len(before["trellis_history"]) >= 41

    archive = tmp_path / "nightly.tar.gz"
    made = _run(app, "backup", archive)
    assert made.exit_code == 0, made.output
    assert "wrote" in made.output
    assert json.loads(_member(archive, "manifest.json"))["stored_files"] == {key: checksum}
    if storage != "database":
        assert hashlib.sha256(_member(archive, f"stored/{key}")).hexdigest() == checksum
    _wipe(app)
    shutil.rmtree(shared, ignore_errors=True)
    if s3_bucket:
        _empty_bucket(s3_bucket)
    assert table_rows(db.engine)["customer"] == 0 and file_store(app).get(key) is None

    done = _run(app, "restore", archive)
    assert done.exit_code == 0, done.output
    assert _everything(app) == before
    assert hashlib.sha256(file_store(app).get(key)).hexdigest() == checksum
    if s3_bucket:
        client, bucket = s3_bucket
        restored = client.get_object(Bucket=bucket, Key=f"trellis/{key}")["Body"].read()
        assert hashlib.sha256(restored).hexdigest() == checksum
    # the restored database takes writes again (its sequences came back too)
    created = records.create("customer", {"name": "After"})
    assert created.id > max(int(row[0]) for row in before["customer"])


def test_restore_refuses_a_database_with_rows_unless_forced(app, records, tmp_path):
    records.create("customer", {"name": "Kept"})
    archive = tmp_path / "b.tar.gz"
    assert _run(app, "backup", archive).exit_code == 0
    records.create("customer", {"name": "Newer"})
    refused = _run(app, "restore", archive)
    assert refused.exit_code == 1
    assert "the database is not empty (customer (2)" in refused.output and "--force" in refused.output
    assert _run(app, "restore", archive, "--force").exit_code == 0
    assert [r["name"] for r in records.query("customer").page().rows] == ["Kept"]


def _rewrite(archive: Path, target: Path, change) -> None:
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            data = change(member.name, data)
            member.size = len(data)
            import io

            out.addfile(member, io.BytesIO(data))


def test_restore_refuses_a_backup_from_a_newer_trellis_and_a_damaged_one(app, records, tmp_path):
    records.create("customer", {"name": "Ann"})
    archive = tmp_path / "b.tar.gz"
    assert _run(app, "backup", archive).exit_code == 0
    _wipe(app)

    def newer(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["trellis_version"] = "99.0.0"
        return json.dumps(manifest).encode()

    _rewrite(archive, tmp_path / "newer.tar.gz", newer)
    refused = _run(app, "restore", tmp_path / "newer.tar.gz")
    assert refused.exit_code == 1 and "made by Trellis 99.0.0, newer than this" in refused.output

    _rewrite(archive, tmp_path / "damaged.tar.gz",
             lambda name, data: data[:-10] + b"0" * 10 if name.startswith("database") else data)
    refused = _run(app, "restore", tmp_path / "damaged.tar.gz")
    assert refused.exit_code == 1 and "is missing or damaged (checksum mismatch)" in refused.output
    assert table_rows(db.engine)["customer"] == 0     # nothing was touched


def test_the_scheduled_backup_runs_once_per_occurrence_and_keeps_the_newest(trellis_config, tmp_path):
    from datetime import UTC, datetime

    from trellis.app import create_app
    from trellis.automation import drain, tick

    folder = tmp_path / "backups"
    app = create_app({**trellis_config, "BACKUP_DIR": str(folder), "BACKUP_KEEP": 2, "JOB_RUNNER": "manual"})
    upgrade(app)
    for day in (1, 2, 3):
        at = datetime(2026, 3, day, 3, 0, tzinfo=UTC)
        tick(app, at)
        tick(app, at)                     # a second scheduler: the same occurrence, nothing more
        assert drain(app) == 1             # queued now, so due now
        tick(app, datetime(2026, 3, day, 3, 1, tzinfo=UTC))   # not the schedule's minute
        assert drain(app) == 0
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == ["trellis-backup-20260302-030000.tar.gz", "trellis-backup-20260303-030000.tar.gz"]
    with tarfile.open(folder / kept[-1]) as archive:
        assert json.loads(archive.extractfile("manifest.json").read())["database"] == app.config[
            "DATABASE_URL"].split(":")[0].split("+")[0]
