"""``trellis import``, ``trellis export`` and ``trellis merge``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from trellis.cli.support import fail
from trellis.errors import NotFound, PermissionDenied, ValidationError


@click.command("import")
@click.argument("entity")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "pairs", multiple=True, metavar="COLUMN=FIELD",
              help="Feed FIELD from COLUMN (repeatable); 'COLUMN=' ignores a column. Others are matched by name/label.")
@click.option("--no-auto-map", is_flag=True, help="Use only the --map pairs, suggest nothing.")
@click.option("--dedupe", type=click.Choice(["skip", "update", "flag"]),
              help="A row matching a record by the entity's dedupe rules: skip it, update the record, "
                   "or create it and flag the pair as possible duplicates.")
@click.option("--update-existing", is_flag=True, help="A row with an 'id' column updates that record.")
@click.option("--create-links", is_flag=True, help="Create a missing link target (the linked record) by its name.")
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing.")
@click.option("--all-or-nothing", is_flag=True, help="Write nothing if any row fails.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write failed rows (default: FILE-errors.csv next to the file).")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000),
              help="Rows per transaction.")
@click.option("--encoding", help="The file's encoding (default: UTF-8 with or without BOM, else Windows-1251).")
@click.option("--delimiter", help="The CSV delimiter (default: sniffed among , ; TAB |).")
@click.option("--again", is_flag=True, help="Import a file that was completely imported before once more.")
@with_appcontext
def import_command(entity, file, pairs, no_auto_map, dedupe, update_existing, create_links, dry_run,
                   all_or_nothing, errors_path, batch_size, encoding, delimiter, again):
    """Import a CSV or XLSX FILE into ENTITY through the record service.

    Rows are written in batches (one transaction each); a row that fails is
    skipped and written, with its row number and messages, to the error file.
    Running the same file again resumes after the last committed batch.
    Exit status 1 when rows failed.
    """
    from trellis.io.csv_import import ImportOptions, ImportRefused, import_file
    from trellis.io.mapping import MappingError, parse_pairs
    from trellis.io.reading import ReadError

    try:
        options = ImportOptions(mapping=parse_pairs(pairs), auto_map=not no_auto_map, dedupe=dedupe,
                                update_existing=update_existing, create_links=create_links, dry_run=dry_run,
                                all_or_nothing=all_or_nothing, batch_size=batch_size, errors_path=errors_path,
                                encoding=encoding, delimiter=delimiter.replace("\\t", "\t") if delimiter else None,
                                again=again)
    except MappingError as e:
        fail(str(e))
    bar = {}

    def started(result):
        mapped = ", ".join(f"{c} -> {f}" for c, f in result.mapping.columns.items())
        click.echo(f"Columns: {mapped}", err=True)
        if result.mapping.ignored:
            click.echo(f"Ignored: {', '.join(result.mapping.ignored)}", err=True)
        if result.resumed_from:
            click.echo(f"Resuming import #{result.import_id} after {result.resumed_from:,} rows", err=True)
        bar["bar"] = click.progressbar(length=max(result.total - result.resumed_from, 0), label="Importing",
                                       file=sys.stderr, show_pos=True, show_eta=True)
        bar["bar"].__enter__()

    try:
        result = import_file(current_app._get_current_object(), entity, file, options,
                             progress=lambda n: bar["bar"].update(n), on_start=started)
    except (ReadError, MappingError, ImportRefused, PermissionDenied) as e:
        fail(str(e))
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)
    click.echo(result.summary())
    for failure in result.failures[:5]:
        click.echo(f"  row {failure.row}: {failure.message()}", err=True)
    if result.failed:
        sys.exit(1)


@click.command("export")
@click.argument("entity")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), help="Default: from -o's suffix, else csv.")
@click.option("--filter", "filters", multiple=True, metavar="FIELD__OP=VALUE", help="Only matching records.")
@click.option("--columns", help="Comma-separated fields (default: every field you may read).")
@click.option("--order", help="Sort by these fields ('-amount' descending).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: standard output.")
@with_appcontext
def export_command(entity, fmt, filters, columns, order, output):
    """Export ENTITY as CSV or XLSX (formula-like cells neutralised)."""
    from trellis.io.export import export_rows, write_csv, write_xlsx

    conditions = {}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"--filter {item!r}: write FIELD=VALUE or FIELD__OP=VALUE")
        conditions[name.strip()] = value
    fmt = fmt or ("xlsx" if output is not None and output.suffix.lower() == ".xlsx" else "csv")
    if fmt == "xlsx" and output is None:
        fail("XLSX needs a file: add -o FILE.xlsx")
    app = current_app._get_current_object()
    try:
        headers, rows = export_rows(app, entity, filters=conditions,
                                    columns=columns.split(",") if columns else None, order=order)
        if fmt == "xlsx":
            count = write_xlsx(headers, rows, output)
        elif output is None:
            count = write_csv(headers, rows, sys.stdout)
        else:
            with output.open("w", encoding="utf-8-sig", newline="") as out:
                count = write_csv(headers, rows, out)
    except ValidationError as e:
        fail("; ".join(f"{k}: {v}" for k, v in e.fields.items()))
    except (NotFound, PermissionDenied) as e:
        fail(str(e))
    if output is not None:
        click.echo(f"Exported {count:,} {entity} records to {output}")


@click.command("merge")
@click.argument("entity")
@click.argument("survivor", type=int)
@click.argument("losers", type=int, nargs=-1, required=True)
@click.option("--take", "takes", multiple=True, metavar="FIELD=ID",
              help="Take FIELD's value from record ID (default: the survivor's, or a loser's when it is empty).")
@with_appcontext
def merge_command(entity, survivor, losers, takes):
    """Merge duplicate LOSERS into SURVIVOR: links, notes, activities and history move over."""
    from trellis.io.merge import merge

    choices = {}
    for item in takes:
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            fail(f"--take {item!r}: write FIELD=RECORD_ID")
        choices[name.strip()] = int(value)
    try:
        result = merge(current_app._get_current_object(), entity, survivor, list(losers), choices)
    except ValidationError as e:
        fail("; ".join(f"{k}: {v}" if k != "__all__" else v for k, v in e.fields.items()))
    except (NotFound, PermissionDenied) as e:
        fail(str(e))
    click.echo(result.summary())


commands = [import_command, export_command, merge_command]
