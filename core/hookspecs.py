"""The plugin API: every hook Trellis calls, each documented here.

Plugins implement hooks with ``from trellis import hookimpl``.
"""

import pluggy

hookspec = pluggy.HookspecMarker("trellis")
hookimpl = pluggy.HookimplMarker("trellis")
