"""The plugin system: discovery, load order, the hook specifications and what hooks return.

- :mod:`trellis.plugins.hookspecs`: every hook, documented (the plugin reference);
- :mod:`trellis.plugins.manifest`: ``plugin.yaml``, dependencies and load order;
- :mod:`trellis.plugins.manager`: discovery through entry points and calling hooks
  (record hooks resolved once per hook and entity);
- :mod:`trellis.plugins.registry`: what the plugins add, resolved once at start-up;
- :mod:`trellis.plugins.builtins`: ``DEFAULT_PLUGINS``, Trellis's own plugins;
- :mod:`trellis.plugins.types`: what hooks return (``Action``, ``MenuItem``, ``Widget``...);
- :mod:`trellis.plugins.commands`: ``trellis plugins``.
"""

from trellis.plugins.manager import (
    GROUP,
    Plugin,
    PluginError,
    PluginLoadError,
    PluginSet,
    discover,
    hook_names,
    init_app,
    installed,
)

__all__ = ["GROUP", "Plugin", "PluginError", "PluginLoadError", "PluginSet", "discover", "hook_names", "init_app",
           "installed"]
