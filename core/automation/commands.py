"""``trellis worker`` and ``trellis scheduler``: Celery worker and beat for the configured broker."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from trellis.cli.support import fail


def _celery():
    app = current_app._get_current_object()
    if not app.config.get("BROKER_URL"):
        fail("no broker configured: set TRELLIS_BROKER_URL (e.g. redis://127.0.0.1:6379/0); "
             "without one, jobs and the scheduler run inside `trellis serve`")
    try:
        from trellis.automation.celery_app import celery_for
    except ImportError:
        fail("Celery is not installed: pip install 'trellis-crm[celery]'")
    return celery_for(app)


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("--concurrency", "-c", type=int, default=None, help="worker processes (default: one per CPU)")
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@with_appcontext
def worker(concurrency, loglevel):
    """Run a Celery worker: background jobs (email, webhooks) and scheduler ticks."""
    argv = ["worker", f"--loglevel={loglevel}"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    _celery().worker_main(argv)


@click.command("scheduler")
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@with_appcontext
def scheduler(loglevel):
    """Run Celery beat: sends the scheduler tick (time triggers) every minute."""
    from pathlib import Path

    state = Path(current_app.instance_path) / "celerybeat-schedule"   # not in the folder it was started from
    _celery().start(["beat", f"--loglevel={loglevel}", f"--schedule={state}"])


@click.group("workflow")
def workflow():
    """Look at workflows."""


@workflow.command("draw")
@click.argument("name")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="write to a file, not stdout")
@with_appcontext
def draw_command(name, output):
    """Print the workflow NAME as an SVG diagram (open it in a browser)."""
    from trellis.automation.diagram import draw
    from trellis.runtime import runtime

    workflows = runtime(current_app).metadata.workflows
    if name not in workflows:
        fail(f"no workflow '{name}' (known: {', '.join(sorted(workflows)) or 'none'})")
    svg = draw(workflows[name])
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(svg + "\n")
        click.echo(f"wrote {output}")
    else:
        click.echo(svg)


commands = [worker, scheduler, workflow]
