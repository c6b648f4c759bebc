"""The per-application state every subsystem shares, kept in ``app.extensions["trellis"]``.

Nothing lives in module globals: two apps in one process (tests do this) each have
their own plugins, metadata and tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Runtime:
    """What ``create_app`` builds, one subsystem at a time.

    ``plugins``: the loaded plugin set (``trellis.plugins.PluginSet``);
    ``metadata``: the checked model (``trellis.metadata.model.Metadata``);
    ``schema``: the data layer's tables; ``services``: anything else a subsystem
    registers by name.
    """

    plugins: Any = None
    metadata: Any = None
    schema: Any = None
    services: dict[str, Any] = field(default_factory=dict)


def install(app) -> Runtime:
    """Create the runtime for ``app`` (once)."""
    return app.extensions.setdefault("trellis", Runtime())


def runtime(app=None) -> Runtime:
    """The runtime of ``app``, or of Flask's current app."""
    if app is None:
        from flask import current_app

        app = current_app
    return app.extensions["trellis"]
