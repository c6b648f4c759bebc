"""``trellis migrate``, ``trellis prune-columns``, ``trellis backup`` and ``trellis restore``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError
from trellis.cli.support import fail


def _engine_and_schema():
    from trellis.data.database import db
    from trellis.runtime import runtime

    return db.engine, runtime(current_app).schema


@click.command("migrate")
@click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
@click.option("--convert", is_flag=True,
              help="Also change column types that could lose data, when every existing value converts.")
@with_appcontext
def migrate(dry_run: bool, convert: bool) -> None:
    """Bring the database in line with the metadata: new tables, columns and indexes.

    Additive only: a column or table that the metadata no longer has is kept with its
    data and reported as orphaned (see prune-columns). A type change that could lose
    data is refused, with the values that would not convert. Exit status 1 when
    something was refused.
    """
    from trellis.data.data_migrations import pending, run_pending
    from trellis.data.files import move_instance_uploads
    from trellis.data.migrate import apply, plan

    engine, schema = _engine_and_schema()
    try:
        the_plan = plan(engine, schema, convert=convert)
    except SQLAlchemyError as e:
        fail(f"cannot read the database: {_first_line(e)}")
    if dry_run:
        for line in the_plan.lines():
            click.echo(line)
        for key, _ in pending(current_app._get_current_object()):
            click.echo(f"would run data migration {key.removeprefix('data_migration:')}")
        count = len(the_plan.steps)
        click.echo(f"Dry run: {count} step{'s' * (count != 1)} planned, nothing changed.")
    else:
        try:
            apply(engine, schema, the_plan, echo=click.echo)
        except (SQLAlchemyError, RuntimeError) as e:
            fail(f"migration failed and was rolled back, nothing changed: {_first_line(e)}")
        for line in (*the_plan.orphaned, *the_plan.refused):
            click.echo(str(line))
        try:
            run_pending(current_app._get_current_object(), echo=click.echo)
        except Exception as e:  # noqa: BLE001 - a plugin's code: any error stops the command, rolled back
            fail(f"a data migration failed and was rolled back: {type(e).__name__}: {_first_line(e)}")
        moved = move_instance_uploads(current_app._get_current_object())
        if moved:
            click.echo(f"Moved {moved} import upload file{'s' * (moved != 1)} from the instance folder "
                       "to the file store.")
        if the_plan.steps:
            count = len(the_plan.steps)
            click.echo(f"Applied {count} step{'s' * (count != 1)}.")
        elif the_plan.orphaned or the_plan.refused:
            click.echo("Nothing to add.")
        else:
            click.echo("The database is up to date.")
    if the_plan.orphaned:
        click.echo("Orphaned columns and tables keep their data; 'trellis prune-columns --dry-run' lists them.")
    if the_plan.refused:
        sys.exit(1)


@click.command("prune-columns")
@click.option("--dry-run", is_flag=True, help="List what would be dropped, with value counts; drop nothing.")
@click.option("--yes", is_flag=True, help="Back the data up, then drop the orphaned columns and tables.")
@with_appcontext
def prune_columns(dry_run: bool, yes: bool) -> None:
    """Drop columns and tables that the metadata no longer has, after a backup.

    The only command that ever drops data. SQLite: the backup is a copy of the
    database file; PostgreSQL: one CSV per table. Both go under instance/backups/.
    """
    from trellis.data import prune

    if dry_run == yes:
        raise click.UsageError("give either --dry-run (list what would be dropped) or --yes (back up, then drop)")
    engine, schema = _engine_and_schema()
    try:
        found = prune.find(engine, schema)
    except SQLAlchemyError as e:
        fail(f"cannot read the database: {_first_line(e)}")
    for orphan, reason in found.kept:
        click.echo(f"! not dropping {_name(orphan)}: {reason}")
    if not found.orphans:
        click.echo("Nothing to prune: no orphaned columns or tables.")
        return
    for orphan in found.orphans:
        click.echo(f"- {_name(orphan)} ({orphan.count})")
    if dry_run:
        click.echo(f"Dry run: {len(found.orphans)} would be dropped, nothing changed.")
        return
    try:
        path = prune.backup(engine, found.orphans, Path(current_app.instance_path) / "backups")
    except (OSError, RuntimeError) as e:
        fail(f"backup failed, nothing was dropped: {e}")
    click.echo(f"Backup written to {path}")
    try:
        prune.drop(engine, found.orphans, echo=click.echo)
    except (SQLAlchemyError, RuntimeError) as e:
        fail(f"dropping failed and was rolled back, nothing dropped (backup kept at {path}): {_first_line(e)}")
    click.echo(f"Dropped {len(found.orphans)}.")


def _first_line(error: Exception) -> str:
    # SQLAlchemy appends the statement and a link; the driver's first line says what went wrong.
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def _name(orphan) -> str:
    return f"table {orphan.table}" if orphan.column is None else f"column {orphan.table}.{orphan.column}"


@click.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path | None) -> None:
    """Back up the database, the instance folder (uploads, keys) and a manifest into FILE (.tar.gz).

    FILE defaults to trellis-backup-<UTC time>.tar.gz in the current folder. SQLite is
    copied with its online backup API (safe while serving); PostgreSQL with pg_dump.
    """
    from trellis.data.backup import BackupError, backup, default_name

    target = file or Path(default_name())
    try:
        manifest = backup(current_app._get_current_object(), target)
    except (BackupError, SQLAlchemyError) as e:
        fail(f"backup failed, nothing written: {_first_line(e)}")
    rows = sum(manifest["tables"].values())
    click.echo(f"wrote {target}: {len(manifest['tables'])} tables, {rows} rows, "
               f"{len(manifest['files']) - 1} instance files")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds rows.")
@with_appcontext
def restore_command(file: Path, force: bool) -> None:
    """Restore a backup made by 'trellis backup' into this app's database and instance folder.

    Refuses a backup from a newer Trellis or plugin, a damaged archive, and (without
    --force) a database that is not empty. Stop the app servers and workers first.
    """
    from trellis.data.backup import BackupError, restore

    try:
        done = restore(current_app._get_current_object(), file, force=force)
    except (BackupError, SQLAlchemyError) as e:
        fail(f"restore refused: {_first_line(e)}")
    click.echo(f"restored {file} (made {done.manifest['created_at']} by Trellis {done.manifest['trellis_version']}): "
               f"{sum(done.manifest['tables'].values())} rows, {done.files} instance files")


commands = [migrate, prune_columns, backup_command, restore_command]
