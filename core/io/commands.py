"""``trellis import`` and ``trellis export``."""

from trellis.cli_support import not_available

commands = [
    not_available("import", "data migration"),
    not_available("export", "data migration"),
]
