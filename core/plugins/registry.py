"""What the plugins add, resolved once into a frozen :class:`Registry` when the application starts.

The hooks that return contributions (``field_types``, ``actions``,
``expression_functions``, ``dashboard_widgets``, ``scheduled_jobs``, ``blueprints``,
``template_dirs``, ``cli_commands``, and ``settings`` once that hook exists) are called
exactly once per ``PluginSet`` (at start-up: ``create_app`` resolves them all); every
later question (an action run, a dashboard view, a scheduler tick) reads the registry.
A new contribution is one line in ``RESOLVERS``.

Record hooks (``before_save``, ``after_save``...) are not contributions: their
implementations are resolved once per (hook, entity) by ``PluginSet.implementations``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from trellis.plugins.manifest import PluginLoadError


def _items(hook: str) -> Callable:
    def resolve(plugins) -> tuple:
        return tuple(item for _, item in plugins.collect(hook))

    return resolve


def _unique(hook: str, what: str, key: Callable[[Any], str]) -> Callable:
    def resolve(plugins) -> Mapping[str, Any]:
        found: dict[str, Any] = {}
        owners: dict[str, str] = {}
        for plugin, item in plugins.collect(hook):
            name = key(item)
            if name in found:
                raise PluginLoadError(f"{what} '{name}' is added by both {owners[name]} and {plugin.name}")
            found[name], owners[name] = item, plugin.name
        return MappingProxyType(found)

    return resolve


def _functions(plugins) -> Mapping[str, Callable]:
    functions: dict[str, Callable] = {}
    owners: dict[str, str] = {}
    for plugin, added in plugins.call_each("expression_functions"):
        for name, function in dict(added or {}).items():
            if name in functions:
                raise PluginLoadError(f"expression function '{name}' is added by both {owners[name]} "
                                      f"and {plugin.name}")
            functions[name], owners[name] = function, plugin.name
    return MappingProxyType(functions)


def _widgets(plugins) -> Mapping[str, Any]:
    return MappingProxyType({widget.name: widget for _, widget in plugins.collect("dashboard_widgets")})


def _template_dirs(plugins) -> tuple[str, ...]:
    return tuple(str(item) for _, item in plugins.collect("template_dirs"))


RESOLVERS: dict[str, Callable[[Any], Any]] = {
    "field_types": _items("field_types"),
    "actions": _unique("actions", "action", lambda action: action.name),
    "expression_functions": _functions,
    "dashboard_widgets": _widgets,
    "scheduled_jobs": _items("scheduled_jobs"),
    "blueprints": _items("blueprints"),
    "template_dirs": _template_dirs,
    "cli_commands": _items("cli_commands"),
    "settings": _items("settings"),
    "metadata_kinds": _unique("metadata_kinds", "metadata kind", lambda kind: kind.name),
}
"""Registry field -> how it is resolved from a ``PluginSet`` (a hook not in hookspecs resolves to nothing)."""


_EMPTY = {"actions": MappingProxyType({}), "expression_functions": MappingProxyType({}),
          "dashboard_widgets": MappingProxyType({}), "metadata_kinds": MappingProxyType({})}


class Registry:
    """Every contribution of the loaded plugins (built-ins first, then load order). Read-only.

    Attributes are the keys of ``RESOLVERS`` (``registry.actions``, ``registry.field_types``...):
    tuples, or read-only mappings by name. Each is resolved the first time it is asked
    for, then kept; ``create_app`` asks for all of them at start-up (:meth:`resolve_all`),
    while ``trellis check`` asks only for what the YAML needs, and so stays lean.
    """

    __slots__ = ("_plugins", "_values")

    def __init__(self, plugins):
        object.__setattr__(self, "_plugins", plugins)
        object.__setattr__(self, "_values", {})

    def __getattr__(self, name: str) -> Any:
        resolver = RESOLVERS.get(name)
        if resolver is None:
            raise AttributeError(f"the plugin registry has no '{name}'")
        values = object.__getattribute__(self, "_values")
        if name not in values:
            from trellis.plugins.manager import hook_names

            known = name in hook_names()
            values[name] = resolver(object.__getattribute__(self, "_plugins")) if known else _EMPTY.get(name, ())
        return values[name]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the plugin registry is read-only")

    def resolve_all(self) -> Registry:
        """Call every contribution hook not called yet (once each); returns the registry."""
        for name in RESOLVERS:
            getattr(self, name)
        return self


def resolve(plugins) -> Registry:
    """The registry of ``plugins`` (contribution hooks are called on first use, once each)."""
    return Registry(plugins)
