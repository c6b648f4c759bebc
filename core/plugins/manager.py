"""The plugin system: discovery through entry points, load order, and calling hooks.

A plugin is a package with a ``plugin.yaml`` registered under the entry-point group
``trellis`` (Trellis's own plugins are declared in its pyproject exactly like a
third party's). ``discover`` finds, orders and registers them in a fresh
``pluggy.PluginManager``; ``init_app`` stores the result in the app's runtime.
Nothing happens at import time.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pluggy
from trellis.errors import TrellisError, ValidationError
from trellis.plugins import hookspecs
from trellis.plugins.manifest import (
    Plugin,
    PluginLoadError,
    check_versions,
    load_order,
    plugin_from_object,
    select,
)
from trellis.runtime import runtime

GROUP = "trellis"
BUILT_IN_DISTRIBUTION = "trellis-crm"

__all__ = ["GROUP", "Plugin", "PluginError", "PluginLoadError", "PluginSet", "discover", "init_app"]


RUNNING_PLUGIN: ContextVar[str | None] = ContextVar("trellis_hook_plugin", default=None)
"""The name of the plugin whose hook runs now: set by the plugin manager around each hook call."""


def running_plugin() -> str | None:
    """The name of the plugin whose hook is running now (None outside a hook)."""
    return RUNNING_PLUGIN.get()


class PluginError(TrellisError):
    """A plugin's hook raised; ``plugin`` and ``hook`` name where, ``original`` is the exception."""

    def __init__(self, plugin: str, hook: str, original: BaseException):
        self.plugin = plugin
        self.hook = hook
        self.original = original
        super().__init__(f"plugin '{plugin}' failed in hook '{hook}': {type(original).__name__}: {original}")


@dataclass
class PluginSet:
    """The loaded plugins of one application, and the way to call their hooks.

    ``ordered`` lists the plugins in load order (dependencies first); ``pm`` is the
    ``pluggy.PluginManager`` they are registered in and ``hook`` its hook relay;
    ``notes`` says what discovery decided on the user's behalf.
    """

    pm: pluggy.PluginManager
    ordered: list[Plugin]
    notes: list[str] = field(default_factory=list)
    # hook name -> (pluggy's implementations, ``ordered`` as it was, the pairs): see ``implementations``
    _found: dict[str, tuple[list, list[Plugin], list]] = field(default_factory=dict, init=False, repr=False,
                                                            compare=False)

    @property
    def hook(self):
        """pluggy's hook relay (``plugins.hook.before_save(...)``), for callers who want pluggy's semantics."""
        return self.pm.hook

    @property
    def names(self) -> list[str]:
        """Plugin names in load order."""
        return [p.name for p in self.ordered]

    def get(self, name: str) -> Plugin | None:
        """The plugin called ``name``, or None."""
        return next((p for p in self.ordered if p.name == name), None)

    def register(self, obj: Any, name: str, label: str = "", source: str = "built-in") -> Plugin:
        """Add ``obj``'s hooks after every loaded plugin: for a core subsystem that reacts like a plugin.

        The automation engine registers its ``after_save`` this way, so that it sees
        what every plugin's hook did. Registering the same name twice is a no-op.
        """
        existing = self.get(name)
        if existing is not None:
            return existing
        plugin = Plugin(name=name, version="0", label=label or name, source=source, module=obj)
        try:
            self.pm.register(obj, name=name)
            self.pm.check_pending()
        except pluggy.PluginValidationError as e:
            raise PluginLoadError(f"plugin '{name}': {e}") from None
        self.ordered.append(plugin)
        return plugin

    def implementations(self, hook_name: str) -> list[tuple[Plugin, Any]]:
        """``(plugin, hookimpl)`` pairs for ``hook_name``, in load order (a list the caller must not change);
        ``@hookimpl(tryfirst=True)`` comes before the others, ``trylast=True`` after.

        Worked out again only when pluggy's implementations of the hook or ``ordered``
        changed since the last call: the record service calls ``before_save`` and
        ``after_save`` for every record of an import, and a plugin may be registered
        at any time (it is seen by the next call).
        """
        impls = getattr(self.pm.hook, hook_name).get_hookimpls()
        found = self._found.get(hook_name)
        # list == compares items by identity first: the same objects make it a quick check
        if found is not None and found[0] == impls and found[1] == self.ordered:
            return found[2]
        by_name = {impl.plugin_name: impl for impl in impls}
        pairs = [(p, by_name[p.name]) for p in self.ordered if p.name in by_name]
        # pluggy's markers move an implementation to the front or the back; load order otherwise.
        pairs.sort(key=lambda pair: 0 if pair[1].tryfirst else 2 if pair[1].trylast else 1)
        self._found[hook_name] = (impls, list(self.ordered), pairs)
        return pairs

    def implemented_hooks(self, plugin: Plugin) -> list[str]:
        """The hook names ``plugin`` implements, in the order of ``hookspecs``."""
        return [name for name in hook_names() if any(p is plugin for p, _ in self.implementations(name))]

    def call(self, hook_name: str, **kwargs) -> list:
        """Call ``hook_name`` on every plugin implementing it, in load order; results that are not None.

        A ``ValidationError`` passes through unchanged (it is a refusal, meant for the
        user); any other exception becomes a ``PluginError`` naming the plugin and hook.
        """
        spec_args = _spec_arguments(hook_name)
        missing = [name for name in spec_args if name not in kwargs]
        if missing:
            raise TypeError(f"hook {hook_name} called without {', '.join(missing)}")
        results = []
        for plugin, impl in self.implementations(hook_name):
            result = _invoke(plugin, impl, hook_name, kwargs)
            if result is not None:
                results.append(result)
        return results

    def collect(self, hook_name: str, **kwargs) -> list[tuple[Plugin, Any]]:
        """Like ``call`` for hooks that return lists: ``(plugin, item)`` pairs, flattened, in load order."""
        pairs = []
        for plugin, impl in self.implementations(hook_name):
            result = _invoke(plugin, impl, hook_name, kwargs)
            if result is None:
                continue
            items = result if isinstance(result, list | tuple) else [result]
            pairs.extend((plugin, item) for item in items)
        return pairs

    def metadata_layers(self) -> list:
        """One ``Layer(kind="plugin")`` per YAML folder of each plugin, in load order.

        A plugin's ``metadata_dirs()`` results, or by default its ``metadata/`` folder.
        """
        from trellis.metadata.model import Layer

        declared: dict[str, list[Path]] = {}
        for plugin, folder in self.collect("metadata_dirs"):
            declared.setdefault(plugin.name, []).append(Path(folder))
        layers = []
        for plugin in self.ordered:
            folders = declared.get(plugin.name)
            if folders is None:
                folders = [plugin.metadata_dir] if plugin.metadata_dir else []
            layers.extend(Layer(name=plugin.name, path=str(folder), kind="plugin") for folder in folders)
        return layers

    def field_types(self) -> list:
        """Every ``FieldType`` the plugins add, in load order."""
        return [item for _, item in self.collect("field_types")]

    def expression_functions(self) -> dict[str, Any]:
        """Functions the plugins add to the expression language, by name; a name added twice is an error."""
        functions: dict[str, Any] = {}
        owners: dict[str, str] = {}
        for plugin, impl in self.implementations("expression_functions"):
            added = _invoke(plugin, impl, "expression_functions", {}) or {}
            for name, function in dict(added).items():
                if name in functions:
                    raise PluginLoadError(
                        f"expression function '{name}' is added by both {owners[name]} and {plugin.name}"
                    )
                functions[name], owners[name] = function, plugin.name
        return functions

    def actions(self) -> dict[str, Any]:
        """Automation action kinds the plugins add: name -> ``Action``; a name added twice is an error."""
        found: dict[str, Any] = {}
        owners: dict[str, str] = {}
        for plugin, action in self.collect("actions"):
            if action.name in found:
                owner = owners[action.name]
                raise PluginLoadError(f"action '{action.name}' is added by both {owner} and {plugin.name}")
            found[action.name], owners[action.name] = action, plugin.name
        return found

    def action_kinds(self) -> list[str]:
        """The names of the action kinds the plugins add."""
        return list(self.actions())

    def scheduled_jobs(self) -> list:
        """Every ``ScheduledJob`` the plugins add, in load order."""
        return [item for _, item in self.collect("scheduled_jobs")]

    def dashboard_widgets(self) -> dict[str, Any]:
        """Dashboard widgets the plugins add: name -> ``Widget``."""
        return {widget.name: widget for _, widget in self.collect("dashboard_widgets")}

    def blueprints(self) -> list:
        """Flask blueprints the plugins add, in load order."""
        return [item for _, item in self.collect("blueprints")]

    def template_dirs(self) -> list[str]:
        """Template folders the plugins add, in load order (earlier wins)."""
        return [str(item) for _, item in self.collect("template_dirs")]

    def menu_items(self, user=None) -> list:
        """Menu entries for ``user``, sorted by ``order`` then (English) label."""
        from trellis.web.labels import label

        items = [item for _, item in self.collect("menu_items", user=user)]
        return sorted(items, key=lambda item: (item.order, label(item.label, locale="en")))

    def cli_commands(self) -> list:
        """click commands the plugins add, in load order."""
        return [item for _, item in self.collect("cli_commands")]


def _invoke(plugin: Plugin, impl: Any, hook_name: str, kwargs: dict[str, Any]) -> Any:
    """Call one implementation with the arguments it asks for; name the plugin if it fails."""
    running = RUNNING_PLUGIN.set(plugin.name)  # what ``context.system`` records as the actor
    try:
        return impl.function(**{name: kwargs[name] for name in impl.argnames})
    except (ValidationError, PluginError):
        # A refusal is meant for the user; a PluginError from a nested write already names its plugin.
        raise
    except Exception as e:
        raise PluginError(plugin.name, hook_name, e) from e
    finally:
        RUNNING_PLUGIN.reset(running)


def hook_names() -> list[str]:
    """Every hook in :mod:`trellis.plugins.hookspecs`, in the order they are documented there."""
    return [name for name, value in vars(hookspecs).items() if hasattr(value, "trellis_spec")]


@functools.cache
def _spec_arguments(hook_name: str) -> tuple[str, ...]:
    spec = getattr(hookspecs, hook_name, None)
    if spec is None or not hasattr(spec, "trellis_spec"):
        raise TypeError(f"no hook called {hook_name}")
    return tuple(spec.__code__.co_varnames[: spec.__code__.co_argcount])


def installed() -> list[Plugin]:
    """Every plugin registered under the entry-point group ``trellis``, imported, unordered."""
    found: dict[str, Plugin] = {}
    for entry_point in importlib_metadata.entry_points(group=GROUP):
        distribution = entry_point.dist.name if entry_point.dist else "unknown"
        source = "built-in" if _normal(distribution) == _normal(BUILT_IN_DISTRIBUTION) else distribution
        try:
            module = entry_point.load()
        except Exception as e:
            raise PluginLoadError(
                f"plugin '{entry_point.name}' (from {distribution}) failed to import: {type(e).__name__}: {e}"
            ) from e
        plugin = plugin_from_object(module, source, fallback_name=entry_point.name)
        if plugin.name != entry_point.name:
            raise PluginLoadError(f"{distribution}: the entry point '{entry_point.name}' loads a plugin named "
                                  f"'{plugin.name}' in its plugin.yaml; use one name for both")
        _add(found, plugin)
    return list(found.values())


def _normal(name: str) -> str:
    return name.lower().replace("_", "-")


def _add(found: dict[str, Plugin], plugin: Plugin) -> None:
    if plugin.name in found and found[plugin.name].module is not plugin.module:
        other = found[plugin.name]
        raise PluginLoadError(f"two plugins are called '{plugin.name}': from {other.source} and from {plugin.source}")
    found[plugin.name] = plugin


def discover(enabled: list[str] | None = None, extra: Iterable[Any] = ()) -> PluginSet:
    """Find, order and register the plugins; return them as a ``PluginSet``.

    ``enabled`` (``TRELLIS_PLUGINS``) limits the set, dependencies included; ``None``
    loads every installed plugin. ``extra`` adds plugin objects that are not installed
    (modules with a ``plugin.yaml``, or objects with ``name``/``depends`` attributes
    and hook functions); tests use it. Raises ``PluginLoadError`` naming the plugins
    when they cannot be loaded.
    """
    import trellis

    found: dict[str, Plugin] = {}
    for plugin in installed():
        _add(found, plugin)
    extra_names = []
    for obj in extra:
        plugin = plugin_from_object(obj, "extra")
        _add(found, plugin)
        extra_names.append(plugin.name)
    # Extra plugins were asked for explicitly, so an enable list does not leave them out.
    wanted = list(dict.fromkeys([*enabled, *extra_names])) if enabled is not None else None
    names, notes = select(found, wanted)
    ordered = load_order(found, names)
    check_versions(ordered, trellis.__version__)
    return PluginSet(pm=_register(ordered), ordered=ordered, notes=notes)


def _register(ordered: list[Plugin]) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    for plugin in ordered:
        try:
            pm.register(plugin.module, name=plugin.name)
        except pluggy.PluginValidationError as e:
            raise PluginLoadError(f"plugin '{plugin.name}': {e}") from None
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as e:
        culprit = next((p.name for p in ordered if p.module is e.plugin), e.plugin)
        raise PluginLoadError(f"plugin '{culprit}': {_unknown_hook_message(str(e))}") from None
    return pm


def _unknown_hook_message(pluggy_message: str) -> str:
    match = re.search(r"unknown hook '(\w+)'", pluggy_message)
    if match is None:
        return pluggy_message
    close = difflib.get_close_matches(match.group(1), hook_names(), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known hooks: {', '.join(hook_names())}"
    return f"unknown hook '{match.group(1)}' ({hint})"


def init_app(app, plugins: PluginSet | None = None) -> None:
    """Keep the enabled plugins (``plugins``, as the settings found them; else ``PLUGINS`` plus
    ``EXTRA_PLUGINS`` objects) in the runtime and add their CLI commands."""
    if plugins is None:
        plugins = discover(app.config.get("PLUGINS"), extra=app.config.get("EXTRA_PLUGINS", ()))
    runtime(app).plugins = plugins
    for command in plugins.cli_commands():
        app.cli.add_command(command)
