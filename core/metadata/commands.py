"""``trellis check`` and ``trellis schema``: neither needs a database nor builds the app."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click
from trellis.errors import MetadataError, TrellisError

_METADATA_START = re.compile(r"^(entity|extends|workflow|automation|roles|dashboard):", re.MULTILINE)


def _holds_metadata(directory: Path) -> bool:
    """True when YAML files directly in ``directory`` (or one folder down) start like metadata files."""
    for path in [*directory.glob("*.y*ml"), *directory.glob("*/*.y*ml")]:
        if path.suffix in (".yaml", ".yml") and path.is_file():
            with path.open(encoding="utf-8", errors="replace") as file:
                if _METADATA_START.search(file.read(4096)):
                    return True
    return False


def _organisation_settings(directory: Path) -> tuple[dict, Any]:
    """The settings of the organisation in ``directory`` (its trellis.yaml and TRELLIS_* variables),
    and the plugins they enable."""
    from trellis.config import resolve_with_plugins

    settings, plugins = resolve_with_plugins({"ORG_DIR": str(directory)})
    if not Path(settings["METADATA_DIR"]).is_dir() and _holds_metadata(directory):
        settings["METADATA_DIR"] = directory  # a folder that holds the YAML itself
    return settings, plugins


@click.command("check")
@click.argument("directory", required=False, default=".",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
def check(directory: Path) -> None:
    """Validate every YAML layer: core, enabled plugins, and DIR's metadata/ (default: current folder).

    Prints each problem as path:line:col: error: message and exits 1, or a
    one-line summary and exits 0.
    """
    from trellis.metadata import load_for, summary

    try:
        settings, plugins = _organisation_settings(directory.resolve())
        metadata = load_for(settings, plugins)
    except MetadataError as error:
        for problem in error.problems:
            click.echo(str(problem))
        click.echo(f"{len(error.problems)} error{'s' * (len(error.problems) != 1)}", err=True)
        sys.exit(1)
    except TrellisError as error:  # a bad setting or a broken plugin set: one line, not a traceback
        click.echo(f"trellis: error: {error}", err=True)
        sys.exit(2)
    click.echo(summary(metadata))


@click.command("schema")
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the metadata YAML (with installed plugins' field types)."""
    from trellis.metadata.json_schema import metadata_schema
    from trellis.plugins import discover

    try:
        plugins = discover()
    except TrellisError as error:
        click.echo(f"trellis: error: {error}", err=True)
        sys.exit(2)
    field_types = getattr(plugins, "field_types", None)
    kinds = getattr(plugins, "metadata_kinds", None)
    schema = metadata_schema(field_types() if field_types else (), kinds().values() if kinds else ())
    click.echo(json.dumps(schema, indent=2, ensure_ascii=False))


commands = [check, schema]
