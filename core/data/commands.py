"""``trellis migrate`` and ``trellis prune-columns``."""

from trellis.cli_support import not_available

commands = [
    not_available("migrate", "the data layer"),
    not_available("prune-columns", "the data layer"),
]
