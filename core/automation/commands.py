"""``trellis worker`` and ``trellis scheduler``."""

from trellis.cli_support import not_available

commands = [
    not_available("worker", "workflows and automations"),
    not_available("scheduler", "workflows and automations"),
]
