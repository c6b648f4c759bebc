"""The ``trellis`` command: :mod:`trellis.cli.entry` builds the group from every subsystem's
``commands`` module and the plugins' ``cli_commands``; :mod:`trellis.cli.support` holds
what the commands share."""

from trellis.cli.entry import cli, main

__all__ = ["cli", "main"]
