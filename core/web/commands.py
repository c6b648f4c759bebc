"""``trellis report export NAME``: a report saved on the pivot page, as ``report:`` YAML for ``metadata/``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("report")
def report_group():
    """Reports saved on the pivot page (/app/<entity>/report)."""


@report_group.command("export")
@click.argument("name")
@with_appcontext
def export_report(name: str) -> None:
    """Print the saved report NAME as report: YAML (checked), to put in the organisation's metadata/."""
    from trellis.cli.support import fail  # here: trellis.cli imports this module to build the command
    from trellis.data.records import records_for
    from trellis.metadata.reports import report_from_mapping, report_yaml
    from trellis.runtime import runtime
    from trellis.web.saved_reports import ENTITY, definition_of

    saved = records_for().query(ENTITY).filter(name=name).first()
    if saved is None:
        fail(f"no saved report called '{name}'")
    definition = definition_of(saved)
    if saved.get("shared_with"):
        definition["roles"] = [r.strip() for r in saved["shared_with"].split(",") if r.strip()]
    _, problems = report_from_mapping(definition, runtime().metadata)
    if problems:
        fail(f"saved report '{name}' no longer fits the metadata: " + "; ".join(problems))
    click.echo(f"# metadata/reports/{name}.yaml (from the report saved as '{name}')")
    click.echo(report_yaml(definition), nl=False)


commands = [report_group]
