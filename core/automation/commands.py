"""``trellis worker`` and ``trellis scheduler`` (Celery worker and beat), ``trellis workflow``, ``trellis mail``."""

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
@click.option("--locale", default="en", show_default=True,
              help="labels in this language; a right-to-left one (fa) mirrors the drawing")
@with_appcontext
def draw_command(name, output, locale):
    """Print the workflow NAME as an SVG diagram (open it in a browser)."""
    from trellis.automation.diagram import draw
    from trellis.runtime import runtime

    workflows = runtime(current_app).metadata.workflows
    if name not in workflows:
        fail(f"no workflow '{name}' (known: {', '.join(sorted(workflows)) or 'none'})")
    svg = draw(workflows[name], locale[:35])
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(svg + "\n")
        click.echo(f"wrote {output}")
    else:
        click.echo(svg)


@click.group("mail")
def mail():
    """Receive email: an SMTP receiver, or one message from an MTA's pipe."""


@mail.command("ingest")
@with_appcontext
def mail_ingest():
    """Read one message on stdin and deliver it (exit 65: refused for good, 75: try again later)."""
    import sys

    from trellis.automation.inbound_mail import Limits, MailRejected, deliver

    raw = sys.stdin.buffer.read(Limits.of(current_app).message + 1)  # one byte more tells "too big"
    try:
        outcomes = deliver(current_app._get_current_object(), raw)
    except MailRejected as refused:
        click.echo(f"refused: {refused.code} {refused.reason}", err=True)
        sys.exit(65 if refused.permanent else 75)
    for outcome in outcomes:
        click.echo(outcome)


@mail.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def mail_serve(host, port):
    """Run an SMTP receiver: every message it accepts is delivered to the plugins (Ctrl+C stops)."""
    import threading

    try:
        from trellis.automation.mail_server import controller
        server = controller(current_app._get_current_object(), host, port)
    except ImportError:
        fail("aiosmtpd is not installed: pip install 'trellis-crm[mail]'")
    server.start()
    click.echo(f"receiving mail on smtp://{host}:{port}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


commands = [worker, scheduler, workflow, mail]
