"""Deprecated: moved to :mod:`trellis.plugins.types`. Importing ``trellis.plugin_types`` still works and warns."""

import warnings

from trellis.plugins.types import *  # noqa: F403 - the old module's names, from their new place
from trellis.plugins.types import Action, DemoContext, MenuItem, ScheduledJob, Widget  # noqa: F401

warnings.warn("trellis.plugin_types is deprecated: import from trellis.plugins.types (or from trellis)",
              DeprecationWarning, stacklevel=2)
