"""``trellis user`` and ``trellis token``."""

from trellis.cli_support import not_available

commands = [
    not_available("user", "the web UI (login)"),
    not_available("token", "the REST API"),
]
