"""What a plugin says about itself (``plugin.yaml``) and the order plugins load in.

No Flask and no pluggy here: reading manifests and ordering plugins by ``depends``
are plain data problems, tested on their own.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trellis.errors import SettingsError
from trellis.metadata.yaml_loader import YAMLProblem, plain, read_file

MANIFEST = "plugin.yaml"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class PluginLoadError(SettingsError):
    """Plugins cannot be loaded as installed or enabled; the message names the plugins.

    A missing or circular dependency, a ``min_trellis`` above this version, an unknown
    name in ``TRELLIS_PLUGINS``, a plugin that fails to import or a misspelled hook.
    It is a kind of ``SettingsError`` so that the ``trellis`` command prints it as one line.
    """


@dataclass
class Plugin:
    """One plugin: its manifest, where it came from and the object pluggy registers.

    ``source`` is ``"built-in"`` for Trellis's own plugins, else the name of the
    distribution (pip package) that installed it, or ``"extra"`` for an object passed
    to ``discover(extra=...)``. ``path`` is the folder holding ``plugin.yaml``. ``late``
    (built-in plugins only) calls its hooks after every other plugin's.
    """

    name: str
    version: str = "0"
    label: str = ""
    depends: list[str] = field(default_factory=list)
    optional: list[str] = field(default_factory=list)
    min_trellis: str | None = None
    source: str = "built-in"
    module: Any = None
    path: Path | None = None
    late: bool = False

    @property
    def translations_dir(self) -> Path | None:
        """The plugin's ``translations/`` folder (gettext catalogues for its pages), if it has one."""
        if self.path is not None and (self.path / "translations").is_dir():
            return self.path / "translations"
        return None

    @property
    def metadata_dir(self) -> Path | None:
        """The plugin's ``metadata/`` folder, if it has one."""
        if self.path is not None and (self.path / "metadata").is_dir():
            return self.path / "metadata"
        return None


def read_manifest(path: Path) -> dict[str, Any]:
    """Read and check ``plugin.yaml`` at ``path``; errors name the file."""
    try:
        data = plain(read_file(path))  # the loader's limits: size, nesting, no aliases
    except OSError as e:
        raise PluginLoadError(f"{path}: cannot read the plugin manifest ({e.strerror})") from None
    except YAMLProblem as e:
        raise PluginLoadError(f"{e.source}: {e.message}") from None
    if not isinstance(data, dict):
        raise PluginLoadError(f"{path}: expected a mapping with name, version, label, depends")
    unknown = set(data) - {"name", "version", "label", "depends", "optional", "min_trellis", "description"}
    if unknown:
        raise PluginLoadError(f"{path}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    name = data.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise PluginLoadError(f"{path}: 'name' must be lower-case letters, digits and _ (got {name!r})")
    depends = data.get("depends") or []
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        raise PluginLoadError(f"{path}: 'depends' must be a list of plugin names")
    optional = data.get("optional") or []
    if not isinstance(optional, list) or not all(isinstance(d, str) for d in optional):
        raise PluginLoadError(f"{path}: 'optional' must be a list of plugin names")
    return {
        "name": name,
        "version": str(data.get("version", "0")),
        "label": str(data.get("label") or name),
        "depends": list(depends),
        "optional": list(optional),
        "min_trellis": str(data["min_trellis"]) if data.get("min_trellis") is not None else None,
    }


def plugin_from_object(obj: Any, source: str, fallback_name: str | None = None) -> Plugin:
    """Describe ``obj`` (a module or any object with hook functions) as a Plugin.

    A module's ``plugin.yaml`` sits in its package folder. An object without one may
    carry the manifest as attributes (``name``, ``version``, ``label``, ``depends``,
    ``min_trellis``); tests use that to register a plugin without installing it.
    """
    path = _package_folder(obj)
    if path is not None and (path / MANIFEST).is_file():
        return Plugin(**read_manifest(path / MANIFEST), source=source, module=obj, path=path)
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not NAME.match(name):
        where = f"{path / MANIFEST} not found" if path else "no plugin.yaml and no 'name' attribute"
        label = f"'{fallback_name}'" if fallback_name else repr(obj)
        raise PluginLoadError(f"plugin {label}: no manifest ({where})")
    return Plugin(
        name=name,
        version=str(getattr(obj, "version", "0")),
        label=str(getattr(obj, "label", "") or name),
        depends=list(getattr(obj, "depends", []) or []),
        min_trellis=getattr(obj, "min_trellis", None),
        source=source,
        module=obj,
        path=Path(obj.path) if isinstance(getattr(obj, "path", None), str | Path) else path,
    )


def _package_folder(obj: Any) -> Path | None:
    filename = getattr(obj, "__file__", None)
    if not filename:
        return None
    return Path(filename).resolve().parent


def version_tuple(version: str) -> tuple[int, ...]:
    """``"1.10.2"`` -> ``(1, 10, 2)``; a non-numeric part (``rc1``) counts as its leading digits."""
    parts = []
    for part in str(version).split("."):
        digits = re.match(r"\d*", part).group()
        parts.append(int(digits or 0))
    return tuple(parts)


def check_versions(plugins: list[Plugin], trellis_version: str) -> None:
    """Refuse plugins whose ``min_trellis`` is above ``trellis_version``."""
    too_new = [p for p in plugins if p.min_trellis and version_tuple(p.min_trellis) > version_tuple(trellis_version)]
    if too_new:
        named = ", ".join(f"{p.name} needs Trellis >= {p.min_trellis}" for p in too_new)
        raise PluginLoadError(f"incompatible plugin(s): {named}; this is Trellis {trellis_version}")


def select(plugins: dict[str, Plugin], enabled: list[str] | None) -> tuple[list[str], list[str]]:
    """The names to load for the ``enabled`` list, with their dependencies; and notes.

    ``None`` enables every plugin. A name that is not installed is an error; a
    dependency not listed is enabled too, with a note (``sales needs contacts:
    enabled it too``).
    """
    if enabled is None:
        return sorted(plugins), []
    unknown = [name for name in enabled if name not in plugins]
    if unknown:
        installed = ", ".join(sorted(plugins)) or "none"
        raise PluginLoadError(f"TRELLIS_PLUGINS names unknown plugin(s) {', '.join(unknown)} (installed: {installed})")
    chosen: list[str] = []
    notes: list[str] = []
    pending = list(dict.fromkeys(enabled))
    while pending:
        name = pending.pop(0)
        if name in chosen:
            continue
        chosen.append(name)
        for dep in plugins[name].depends:
            if dep in plugins and dep not in chosen and dep not in pending:
                if dep not in enabled:
                    notes.append(f"{name} needs {dep}: enabled it too")
                pending.append(dep)
    return sorted(chosen), notes


def load_order(plugins: dict[str, Plugin], names: list[str]) -> list[Plugin]:
    """``names`` sorted so that every plugin comes after its dependencies (and its loaded ``optional`` ones).

    Stable: among plugins whose dependencies are loaded, alphabetical order. A
    missing dependency or a cycle raises one ``PluginLoadError`` naming the plugins.
    """
    missing = [(name, dep) for name in names for dep in plugins[name].depends if dep not in plugins]
    if missing:
        listed = "; ".join(f"{name} needs {dep}, which is not installed" for name, dep in missing)
        raise PluginLoadError(f"missing plugin dependency: {listed}")
    # An optional dependency that is loaded too comes first, like a required one.
    waiting = {name: set(plugins[name].depends) | (set(plugins[name].optional) & set(names)) for name in names}
    ready = [name for name, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for other, deps in waiting.items():
            if name in deps:
                deps.discard(name)
                if not deps:
                    heapq.heappush(ready, other)
    if len(order) < len(names):
        cycle = _find_cycle({n: plugins[n].depends for n in names if n not in order})
        raise PluginLoadError(f"circular plugin dependency: {' -> '.join(cycle)}")
    return [plugins[name] for name in order]


def _find_cycle(graph: dict[str, list[str]]) -> list[str]:
    # Every node left here is on or behind a cycle: walk dependencies until one repeats.
    start = min(graph)
    path = [start]
    while True:
        following = sorted(d for d in graph[path[-1]] if d in graph)
        node = following[0]
        if node in path:
            return path[path.index(node):] + [node]
        path.append(node)
