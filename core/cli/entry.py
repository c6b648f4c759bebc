"""The ``trellis`` command: click, through Flask's CLI.

Each subsystem keeps its own sub-commands in a ``commands`` module; this file
gathers them and adds the ones that only start things (``serve``, ``demo``,
``init``). Plugins add theirs through the ``cli_commands`` hook, registered on
``app.cli`` when the app is built.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup
from trellis.errors import MetadataError, SettingsError, TrellisError


def _make_app():
    from trellis.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
@click.version_option(package_name="trellis-crm", prog_name="trellis")
def cli():
    """Trellis: a low-code CRM configured in YAML.

    Settings come from TRELLIS_* environment variables or trellis.yaml in the
    current folder (see README). Run 'trellis demo' to try it.
    """


@cli.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--debug/--no-debug", default=False, help="Reload on change and show the debugger.")
def serve(host, port, debug):
    """Run the development server (production: gunicorn wsgi:app)."""
    app = _make_app()
    click.echo(f"Trellis on http://{host}:{port}/ (database: {app.config['DATABASE_URL']})")
    _run(app, host, port, debug=debug)


@cli.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--reset", is_flag=True, help="Delete ./trellis-demo.sqlite and start afresh.")
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo data, then exit.")
@click.option("--size", type=click.Choice(["full", "small"]), default="full", show_default=True,
              help="How much demo data: thousands of records, or a few dozen of each.")
def demo(host, port, reset, no_serve, size):
    """Create (or reuse) ./trellis-demo.sqlite with demo data and serve it."""
    from trellis.demo import demo_settings, prepare

    path = Path("trellis-demo.sqlite").resolve()
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    import os

    from trellis.app import create_app

    # A demo database is throwaway: its thousands of demo rows need not wait for an fsync each.
    config = {"DATABASE_URL": f"sqlite:///{path}", "DEMO_SIZE": size, **demo_settings(Path.cwd(), os.environ)}
    if "TRELLIS_SQLITE_SYNCHRONOUS" not in os.environ:
        config["SQLITE_SYNCHRONOUS"] = "NORMAL"
    app = create_app(config)
    for line in prepare(app):
        click.echo(line)
    if no_serve:
        click.echo(f"Demo database ready: {path.name} (serve it with: trellis demo --port {port})")
        return
    click.echo(f"Trellis demo: http://{host}:{port}/  (database {path.name})")
    _run(app, host, port)


def _run(app, host: str, port: int, debug: bool = False) -> None:
    # Flask's app.run() refuses to start inside its own CLI, so call werkzeug directly.
    from werkzeug.serving import run_simple

    run_simple(host, port, app, use_reloader=debug, use_debugger=debug, threaded=True)


@cli.command(with_appcontext=False)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path):
    """Scaffold an organisation folder: metadata/, themes/, trellis.yaml, and instance/ with its secret key.

    Everything is written into DIRECTORY; no application is started (nothing lands
    in the current folder).
    """
    from trellis.config import secret_key

    template = Path(__file__).parent.parent / "scaffold"
    if directory.exists() and any(directory.iterdir()):
        from trellis.cli.support import fail

        fail(f"{directory} exists and is not empty; choose a new folder")
    shutil.copytree(template, directory, dirs_exist_ok=True)
    (directory / "themes").mkdir(exist_ok=True)
    secret_key(directory / "instance")
    click.echo(f"Created {directory}/ with metadata/, themes/, trellis.yaml and instance/ (the secret key).")
    click.echo(f"Next: cd {directory} && trellis check && trellis migrate "
               "&& trellis user add you@example.com --role admin && trellis serve")


def _add_subsystem_commands(group: click.Group) -> None:
    from trellis.api import commands as api
    from trellis.automation import commands as automation
    from trellis.data import commands as data
    from trellis.io import commands as io
    from trellis.metadata import commands as metadata
    from trellis.plugins import commands as plugin_commands
    from trellis.security import commands as security
    from trellis.web import commands as web

    for module in (metadata, data, plugin_commands, security, io, automation, api, web):
        for command in module.commands:
            group.add_command(command)


# Flask adds --app, --env-file and --debug; Trellis builds its own app, so they would only confuse.
cli.params = [p for p in cli.params if p.name not in ("app", "env_file", "debug")]
_add_subsystem_commands(cli)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs ``cli``, turning setting and YAML errors into one line."""
    try:
        cli.main(args=argv, prog_name="trellis")
    except SettingsError as e:
        click.echo(f"trellis: error: {e}", err=True)
        sys.exit(2)
    except MetadataError as e:
        for problem in e.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    except TrellisError as e:  # e.g. a plugin that fails at start-up: named, no traceback
        click.echo(f"trellis: error: {e}", err=True)
        sys.exit(2)


