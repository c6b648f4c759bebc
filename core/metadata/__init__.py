"""YAML layers -> the typed model in :mod:`trellis.metadata.model`. No Flask, no SQL.

Public API::

    load(layers, *, field_types=(), functions=None, action_kinds=(), widgets=()) -> Metadata  # MetadataError
    layers_for(config, plugins) -> list[Layer]        # core, plugins, organisation
    init_app(app)                                      # runtime(app).metadata
    reload(app) -> list[Problem]                       # keeps the last good model on errors
"""

from __future__ import annotations

from typing import Any

from trellis.errors import MetadataError, Problem
from trellis.metadata.layers import core_layer, layers_for
from trellis.metadata.loader import load, summary
from trellis.metadata.model import Layer, Metadata

__all__ = ["Layer", "Metadata", "core_layer", "init_app", "layers_for", "load", "load_for", "reload", "summary"]


def load_for(config: Any, plugins: Any) -> Metadata:
    """Load core, the plugins' layers (``plugins``: a PluginSet or None) and ``config["METADATA_DIR"]``."""
    return load(layers_for(config, plugins), field_types=_call(plugins, "field_types", []),
                functions=_call(plugins, "expression_functions", {}),
                action_kinds=_action_kinds(plugins),
                widgets=list(_call(plugins, "dashboard_widgets", {})),
                kinds=_call(plugins, "metadata_kinds", {}))


def _action_kinds(plugins: Any) -> list[Any]:
    """The plugins' action kinds: ``trellis.Action`` objects (their ``keys``, ``main`` and
    ``options_schema`` are checked with the YAML), then kinds known by name only."""
    actions = _call(plugins, "actions", {})
    return [*actions.values(), *(kind for kind in _call(plugins, "action_kinds", []) if kind not in actions)]


def _call(plugins: Any, method: str, empty: Any) -> Any:
    # The plugin system may be absent (None) or older than a hook; either way it adds nothing.
    function = getattr(plugins, method, None)
    return (function() or empty) if function else empty


def _runtime(app: Any) -> Any:
    from trellis.runtime import runtime

    return runtime(app)


def init_app(app: Any) -> None:
    """Load the YAML layers into ``runtime(app).metadata``; raise MetadataError when they hold errors.

    Duck-typed on ``app.config`` and ``app.extensions`` (no Flask import here).
    """
    state = _runtime(app)
    state.metadata = load_for(app.config, state.plugins)


def reload(app: Any) -> list[Problem]:
    """Re-read the YAML; on errors keep the last good metadata, log the problems and return them."""
    state = _runtime(app)
    try:
        state.metadata = load_for(app.config, state.plugins)
    except MetadataError as error:
        for problem in error.problems:
            app.logger.error("metadata reload: %s", problem)
        app.logger.error("metadata reload failed (%d errors); keeping the previous metadata", len(error.problems))
        return error.problems
    return []
