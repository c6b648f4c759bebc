"""Deprecated: moved to :mod:`trellis.plugins.hookspecs`. Importing ``trellis.hookspecs`` still works and warns."""

import warnings

from trellis.plugins.hookspecs import *  # noqa: F403 - the old module's names, from their new place
from trellis.plugins.hookspecs import hookimpl, hookspec  # noqa: F401

warnings.warn("trellis.hookspecs is deprecated: import from trellis.plugins.hookspecs (or from trellis)",
              DeprecationWarning, stacklevel=2)
