"""What the plugins add, resolved once into a frozen :class:`Registry` when the application starts.

The hooks that return contributions (``field_types``, ``actions``,
``expression_functions``, ``dashboard_widgets``, ``scheduled_jobs``, ``blueprints``,
``template_dirs``, ``cli_commands``, and ``settings`` once that hook exists) are called
exactly once per ``PluginSet``; every later question (an action run, a dashboard
view, a scheduler tick) reads the registry. A new contribution is one line in
``RESOLVERS``.

Record hooks (``before_save``, ``after_save``...) are not contributions: their
implementations are resolved once per (hook, entity) by ``PluginSet.implementations``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from trellis.plugins.manifest import PluginLoadError


@dataclass(frozen=True)
class Registry:
    """Every contribution of the loaded plugins (built-ins first, then load order). Read-only."""

    field_types: tuple = ()
    actions: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    expression_functions: Mapping[str, Callable] = field(default_factory=lambda: MappingProxyType({}))
    dashboard_widgets: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    scheduled_jobs: tuple = ()
    blueprints: tuple = ()
    template_dirs: tuple[str, ...] = ()
    cli_commands: tuple = ()
    settings: tuple = ()


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
}
"""Registry field -> how it is resolved from a ``PluginSet`` (a hook not in hookspecs resolves to nothing)."""


def resolve(plugins) -> Registry:
    """Call every contribution hook once and freeze what they return."""
    from trellis.plugins.manager import hook_names

    known = set(hook_names())
    return Registry(**{name: resolver(plugins) for name, resolver in RESOLVERS.items() if name in known})
