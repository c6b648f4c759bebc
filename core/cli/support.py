"""Small pieces shared by the ``trellis`` sub-commands of every subsystem."""

from __future__ import annotations

import sys

import click


def fail(message: str, code: int = 1) -> None:
    """Print ``trellis: error: message`` to stderr and exit with ``code``."""
    click.echo(f"trellis: error: {message}", err=True)
    sys.exit(code)
