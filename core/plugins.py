"""The pluggy plugin manager: discovery, manifests, load order (filled in by the plugin system)."""

from trellis.runtime import runtime


def discover(enabled=None):
    """The enabled plugins as a ``PluginSet``, without an app (``trellis check`` uses this); None yet."""
    return None


def init_app(app) -> None:
    """Load the enabled plugins into ``app``'s runtime (none yet)."""
    runtime(app).plugins = discover(app.config.get("PLUGINS"))
