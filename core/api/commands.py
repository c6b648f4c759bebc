"""``trellis token``: personal API tokens."""

from trellis.cli_support import not_available

commands = [not_available("token", "the REST API")]
