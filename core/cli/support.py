"""Small pieces shared by the ``trellis`` sub-commands of every subsystem."""

from __future__ import annotations

import sys

import click


def not_available(name: str, arrives_with: str) -> click.Command:
    """A placeholder command: says the subsystem is not there yet and exits 2."""

    @click.command(name, context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
                   help=f"(not available yet: arrives with {arrives_with})", add_help_option=True)
    def placeholder(**_):
        click.echo(f"trellis {name}: not available yet (arrives with {arrives_with})", err=True)
        sys.exit(2)

    return placeholder


def fail(message: str, code: int = 1) -> None:
    """Print ``trellis: error: message`` to stderr and exit with ``code``."""
    click.echo(f"trellis: error: {message}", err=True)
    sys.exit(code)
