"""``trellis check`` and ``trellis schema``."""

from trellis.cli_support import not_available

commands = [
    not_available("check", "the metadata engine"),
    not_available("schema", "the metadata engine"),
]
