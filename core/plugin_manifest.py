"""Deprecated: moved to :mod:`trellis.plugins.manifest`. Importing ``trellis.plugin_manifest`` still works and warns."""

import warnings

from trellis.plugins.manifest import *  # noqa: F403 - the old module's names, from their new place
from trellis.plugins.manifest import Plugin, PluginLoadError, read_manifest  # noqa: F401

warnings.warn("trellis.plugin_manifest is deprecated: import from trellis.plugins.manifest (or from trellis)",
              DeprecationWarning, stacklevel=2)
