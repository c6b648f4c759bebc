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
from trellis.plugins.builtins import builtin_plugins
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


class _Manager(pluggy.PluginManager):
    """pluggy's manager, counting registrations so that resolved hooks know when to look again."""

    generation = 0

    def register(self, plugin, name=None):
        """pluggy's ``register``; the next hook call resolves its implementations again."""
        self.generation += 1
        return super().register(plugin, name)

    def unregister(self, plugin=None, name=None):
        """pluggy's ``unregister``; the next hook call resolves its implementations again."""
        self.generation += 1
        return super().unregister(plugin, name)


@dataclass
class PluginSet:
    """The loaded plugins of one application, and the way to call their hooks.

    ``builtins`` are Trellis's own plugins (``DEFAULT_PLUGINS``: field types, actions,
    automations, webhooks, the write guard), registered before every other;
    ``ordered`` lists the other plugins in load order (dependencies first); ``pm`` is
    the ``pluggy.PluginManager`` they are registered in and ``hook`` its hook relay;
    ``notes`` says what discovery decided on the user's behalf. ``registry`` is what
    the plugins add, resolved once.
    """

    pm: pluggy.PluginManager
    ordered: list[Plugin]
    notes: list[str] = field(default_factory=list)
    builtins: list[Plugin] = field(default_factory=list)
    # (hook, entity) -> (pluggy's registration count, len(ordered), the pairs): see ``implementations``
    _found: dict[tuple[str, str | None], tuple[int, int, list]] = field(default_factory=dict, init=False,
                                                                        repr=False, compare=False)
    _registry: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def hook(self):
        """pluggy's hook relay (``plugins.hook.before_save(...)``), for callers who want pluggy's semantics."""
        return self.pm.hook

    @property
    def names(self) -> list[str]:
        """Plugin names in load order (built-ins left out)."""
        return [p.name for p in self.ordered]

    @property
    def everything(self) -> list[Plugin]:
        """Built-in plugins, then the others in load order, then the ``late`` built-ins: the call order."""
        return [*(p for p in self.builtins if not p.late), *self.ordered, *(p for p in self.builtins if p.late)]

    def get(self, name: str) -> Plugin | None:
        """The plugin called ``name`` (built-ins included), or None."""
        return next((p for p in self.everything if p.name == name), None)

    @property
    def registry(self):
        """What the plugins add (``trellis.plugins.registry.Registry``), resolved on first use, then kept."""
        if self._registry is None:
            from trellis.plugins.registry import resolve

            self._registry = resolve(self)
        return self._registry

    def register(self, obj: Any, name: str, label: str = "", source: str = "built-in") -> Plugin:
        """Add ``obj``'s record hooks after every loaded plugin (tests, late subsystems).

        Its hooks are seen by the next call; what it would add through contribution
        hooks (``actions()``...) is not, once ``registry`` was resolved. Registering the
        same name twice is a no-op.
        """
        existing = self.get(name)
        if existing is not None:
            return existing
        plugin = Plugin(name=name, version="0", label=label or name, source=source, module=obj)
        try:
            self.pm.register(obj, name=name)
            self.pm.check_pending()
            _check_implementations(self.pm, [plugin])
        except (pluggy.PluginValidationError, PluginLoadError) as e:
            if self.pm.get_plugin(name) is not None:
                self.pm.unregister(name=name)  # refused: leave nothing of it behind
            if isinstance(e, PluginLoadError):
                raise
            raise PluginLoadError(f"plugin '{name}': {e}") from None
        self.ordered.append(plugin)
        return plugin

    def implementations(self, hook_name: str, entity: str | None = None) -> list[tuple[Plugin, Any]]:
        """``(plugin, hookimpl)`` pairs for ``hook_name``, built-ins first, then load order (a list the
        caller must not change); ``@hookimpl(tryfirst=True)`` comes before the others, ``trylast=True`` after.

        With ``entity``, implementations scoped to other entities (``@hookimpl(entities=[...])``)
        are left out. Worked out once per (hook, entity), and again only after a plugin was
        registered or unregistered: the record service calls ``before_save`` and
        ``after_save`` for every record of an import.
        """
        def build() -> list[tuple[Plugin, Any]]:
            by_name: dict[str, list] = {}
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                by_name.setdefault(impl.plugin_name, []).append(impl)  # several: @hookimpl(specname=...)
            pairs = [(p, impl) for p in self.everything for impl in by_name.get(p.name, ())]
            if entity is not None:
                pairs = [(p, impl) for p, impl in pairs if _serves(impl, entity)]
            # pluggy's markers move an implementation to the front or the back; load order otherwise.
            pairs.sort(key=lambda pair: _place(pair[1]))
            return pairs

        return self._cached((hook_name, entity), build)

    def batch_stages(self, hook_name: str, batch_name: str, entity: str) -> list[tuple[bool, list]]:
        """How a batch of ``entity`` records meets a record hook and its batch form (``after_save`` and
        ``after_save_many``): the implementations of both in call order, as consecutive stages.

        A stage is ``(True, [(plugin, impl)])``, one batch implementation called once for
        the batch, or ``(False, pairs)``, a run of per-record implementations called for
        each record in turn. A plugin with a batch implementation for ``entity`` has its
        per-record ones for ``entity`` left out. Worked out once, like ``implementations``.
        """
        def build() -> list[tuple[bool, list]]:
            batched = self.implementations(batch_name, entity)
            by_batch = {plugin.name for plugin, _ in batched}
            rank = {plugin.name: position for position, plugin in enumerate(self.everything)}
            merged = [(False, plugin, impl) for plugin, impl in self.implementations(hook_name, entity)
                      if plugin.name not in by_batch] + [(True, plugin, impl) for plugin, impl in batched]
            merged.sort(key=lambda item: (_place(item[2]), rank.get(item[1].name, len(rank))))
            stages: list[tuple[bool, list]] = []
            for batch, plugin, impl in merged:
                if batch or not stages or stages[-1][0]:
                    stages.append((batch, [(plugin, impl)]))
                else:
                    stages[-1][1].append((plugin, impl))
            return stages

        return self._cached((f"{hook_name}+{batch_name}", entity), build)

    def _cached(self, key: tuple[str, str | None], build):
        """``build()``, kept until a plugin is registered or unregistered."""
        found = self._found.get(key)
        generation = getattr(self.pm, "generation", None)
        if found is not None and found[0] == generation and generation is not None and found[1] == len(self.ordered):
            return found[2]
        value = build()
        self._found[key] = (generation, len(self.ordered), value)
        return value

    def invoke(self, plugin: Plugin, impl: Any, hook_name: str, **kwargs) -> Any:
        """Call one implementation (a pair of ``implementations`` or ``batch_stages``) as ``call`` would."""
        return _invoke(plugin, impl, hook_name, kwargs)

    def implemented_hooks(self, plugin: Plugin) -> list[str]:
        """The hook names ``plugin`` implements, in the order of ``hookspecs``."""
        return [name for name in hook_names() if any(p is plugin for p, _ in self.implementations(name))]

    def call(self, hook_name: str, **kwargs) -> list:
        """Call ``hook_name`` on every plugin implementing it, in load order; results that are not None.

        For a record hook (one with a ``record`` or ``entity`` argument) only the
        implementations for that entity (``record.entity``, or ``entity``) run. A
        ``ValidationError`` passes through unchanged (it is a refusal, meant for the
        user); any other exception becomes a ``PluginError`` naming the plugin and hook.
        """
        spec_args = _spec_arguments(hook_name)
        missing = [name for name in spec_args if name not in kwargs]
        if missing:
            raise TypeError(f"hook {hook_name} called without {', '.join(missing)}")
        results = []
        for plugin, impl in self.implementations(hook_name, _entity_of(hook_name, kwargs)):
            result = _invoke(plugin, impl, hook_name, kwargs)
            if result is not None:
                results.append(result)
        return results

    def call_each(self, hook_name: str, **kwargs) -> list[tuple[Plugin, Any]]:
        """Like ``call``, keeping who returned what: ``(plugin, result)`` pairs, None results left out."""
        pairs = []
        for plugin, impl in self.implementations(hook_name, _entity_of(hook_name, kwargs)):
            result = _invoke(plugin, impl, hook_name, kwargs)
            if result is not None:
                pairs.append((plugin, result))
        return pairs

    def collect(self, hook_name: str, **kwargs) -> list[tuple[Plugin, Any]]:
        """Like ``call`` for hooks that return lists: ``(plugin, item)`` pairs, flattened, in load order."""
        pairs = []
        for plugin, result in self.call_each(hook_name, **kwargs):
            items = result if isinstance(result, list | tuple) else [result]
            pairs.extend((plugin, item) for item in items)
        return pairs

    def metadata_layers(self) -> list:
        """One ``Layer(kind="plugin")`` per YAML folder of each plugin, in load order.

        A plugin's ``metadata_dirs()`` results, or by default its ``metadata/`` folder. A built-in
        plugin has layers only through ``metadata_dirs()`` (the ``late`` ones load after the others).
        """
        from trellis.metadata.model import Layer

        declared: dict[str, list[Path]] = {}
        for plugin, folder in self.collect("metadata_dirs"):
            declared.setdefault(plugin.name, []).append(Path(folder))
        layers = []
        for plugin in self.everything:
            folders = declared.get(plugin.name)
            if folders is None:
                folders = [plugin.metadata_dir] if plugin.metadata_dir else []
            layers.extend(Layer(name=plugin.name, path=str(folder), kind="plugin") for folder in folders)
        return layers

    def field_types(self) -> list:
        """Every ``FieldType`` the plugins add, built-ins first (from ``registry``)."""
        return list(self.registry.field_types)

    def expression_functions(self) -> dict[str, Any]:
        """Functions the plugins add to the expression language, by name (from ``registry``)."""
        return dict(self.registry.expression_functions)

    def actions(self) -> dict[str, Any]:
        """Automation action kinds the plugins add: name -> ``Action`` (from ``registry``)."""
        return dict(self.registry.actions)

    def action_kinds(self) -> list[str]:
        """The names of the action kinds the plugins add."""
        return list(self.registry.actions)

    def scheduled_jobs(self) -> list:
        """Every ``ScheduledJob`` the plugins add, in load order (from ``registry``)."""
        return list(self.registry.scheduled_jobs)

    def metadata_kinds(self) -> dict[str, Any]:
        """YAML document kinds the plugins declare: name -> ``MetadataKind`` (from ``registry``)."""
        return dict(self.registry.metadata_kinds)

    def dashboard_widgets(self) -> dict[str, Any]:
        """Dashboard widgets the plugins add: name -> ``Widget`` (from ``registry``)."""
        return dict(self.registry.dashboard_widgets)

    def blueprints(self) -> list:
        """Flask blueprints the plugins add, in load order (from ``registry``)."""
        return list(self.registry.blueprints)

    def template_dirs(self) -> list[str]:
        """Template folders the plugins add, in load order, earlier wins (from ``registry``)."""
        return list(self.registry.template_dirs)

    def menu_items(self, user=None) -> list:
        """Menu entries for ``user``, sorted by ``order`` then (English) label."""
        from trellis.web.labels import label

        items = [item for _, item in self.collect("menu_items", user=user)]
        return sorted(items, key=lambda item: (item.order, label(item.label, locale="en")))

    def cli_commands(self) -> list:
        """click commands the plugins add, in load order (from ``registry``)."""
        return list(self.registry.cli_commands)


def _place(impl: Any) -> int:
    return 0 if impl.tryfirst else 2 if impl.trylast else 1


def _serves(impl: Any, entity: str) -> bool:
    scope = getattr(impl.function, "trellis_entities", None)
    return scope is None or entity in scope


@functools.cache
def scoped_hooks() -> frozenset[str]:
    """The record hooks: those whose implementations may be scoped with ``@hookimpl(entities=[...])``."""
    return frozenset(name for name in hook_names() if {"record", "entity"} & set(_spec_arguments(name)))


def _entity_of(hook_name: str, kwargs: dict[str, Any]) -> str | None:
    if hook_name not in scoped_hooks():
        return None
    if "entity" in kwargs:
        return kwargs["entity"]
    return getattr(kwargs.get("record"), "entity", None)


def _check_implementations(pm: pluggy.PluginManager, plugins: list[Plugin]) -> None:
    """Refuse what our call loop cannot honour: pluggy wrappers, and ``entities`` on a hook without an entity."""
    names = {p.name for p in plugins}
    for hook_name in hook_names():
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            if impl.plugin_name not in names:
                continue
            if impl.hookwrapper or getattr(impl, "wrapper", False):
                raise PluginLoadError(f"plugin '{impl.plugin_name}': hook '{hook_name}' is marked "
                                      f"wrapper=True/hookwrapper=True, which Trellis does not support; "
                                      f"use tryfirst=True or trylast=True")
            if getattr(impl.function, "trellis_entities", None) is not None and hook_name not in scoped_hooks():
                raise PluginLoadError(f"plugin '{impl.plugin_name}': hook '{hook_name}' does not receive a "
                                      f"record, so @hookimpl(entities=...) cannot apply to it")


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
    builtins = builtin_plugins()
    return PluginSet(pm=_register([*builtins, *ordered]), ordered=ordered, notes=notes, builtins=builtins)


def _register(ordered: list[Plugin]) -> pluggy.PluginManager:
    pm = _Manager(GROUP)
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
    _check_implementations(pm, ordered)
    return pm


def _unknown_hook_message(pluggy_message: str) -> str:
    match = re.search(r"unknown hook '(\w+)'", pluggy_message)
    if match is None:
        return pluggy_message
    close = difflib.get_close_matches(match.group(1), hook_names(), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known hooks: {', '.join(hook_names())}"
    return f"unknown hook '{match.group(1)}' ({hint})"


def init_app(app, plugins: PluginSet | None = None) -> None:
    """Keep the built-in and the enabled plugins (``plugins``, as the settings found them; else ``PLUGINS``
    plus ``EXTRA_PLUGINS`` objects) in the runtime, resolve what they add once (``PluginSet.registry``)
    and add their CLI commands."""
    if plugins is None:
        plugins = discover(app.config.get("PLUGINS"), extra=app.config.get("EXTRA_PLUGINS", ()))
    runtime(app).plugins = plugins
    plugins.registry.resolve_all()  # every contribution hook is called here, once, at start-up
    for command in plugins.cli_commands():
        app.cli.add_command(command)
