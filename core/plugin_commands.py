"""``trellis plugins``."""

from trellis.cli_support import not_available

commands = [not_available("plugins", "the plugin system")]
