"""The pluggy plugin manager: discovery, manifests, load order (filled in by the plugin system)."""

from trellis.runtime import runtime


def init_app(app) -> None:
    """Load the enabled plugins into ``app``'s runtime (none yet)."""
    runtime(app).plugins = None
