"""The layers of YAML (core -> plugins -> organisation) and the documents they hold."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trellis.metadata.model import Layer, Source
from trellis.metadata.problems import Report, shown_path
from trellis.metadata.yaml_loader import YAMLProblem, YMap, read_file

CORE_DIR = Path(__file__).parent / "builtin"
KINDS = ("entity", "extends", "workflow", "automation", "roles", "dashboard", "report")


@dataclass
class Document:
    """One YAML file's content, recognised by its top-level key (``kind``)."""

    kind: str
    body: YMap
    layer: Layer

    @property
    def source(self) -> Source:
        """Where the document starts."""
        return self.body.source


def core_layer() -> Layer:
    """The YAML shipped with Trellis (``user`` and ``team``)."""
    return Layer("core", str(CORE_DIR), "core")


def layers_for(config: Any, plugins: Any) -> list[Layer]:
    """core, then each plugin's layers in dependency order, then the organisation's ``METADATA_DIR``.

    ``config`` is ``app.config`` or a settings dict; ``plugins`` a PluginSet or None.
    """
    layers = [core_layer()]
    layers.extend(plugin_layers(plugins))
    metadata_dir = config.get("METADATA_DIR") if config is not None else None
    if metadata_dir:
        layers.append(Layer("metadata", str(metadata_dir), "organisation"))
    return layers


def plugin_layers(plugins: Any) -> list[Layer]:
    """The plugins' layers (none when the plugin system is absent or returns nothing)."""
    method = getattr(plugins, "metadata_layers", None)
    return list(method() or []) if method else []


def yaml_files(layer: Layer) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` under the layer's folder, sorted by relative path."""
    root = Path(layer.path)
    if not root.is_dir():
        return []
    # trellis.yaml at the top is the organisation's settings file, not metadata.
    files = [p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
             and p.relative_to(root).as_posix() != "trellis.yaml"]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def documents(layers: list[Layer], report: Report, plugin_kinds: tuple[str, ...] = ()) -> Iterator[Document]:
    """Read every file of every layer, in order; unreadable or unrecognised files become problems.

    ``plugin_kinds`` are the top-level keys of the kinds plugins declare (``loyalty``)."""
    here = Path(os.getcwd()).resolve()  # once, not once per file
    for layer in layers:
        for path in yaml_files(layer):
            name = shown_path(path, here)
            try:
                body = read_file(path, name)
            except YAMLProblem as problem:
                report.error(problem.source, problem.message)
                continue
            except OSError as error:
                report.error(Source(name), f"cannot read file: {error.strerror or error}")
                continue
            if body is None:
                continue  # an empty file, or one holding only comments
            kind = _kind(body, name, report, plugin_kinds)
            if kind:
                yield Document(kind, body, layer)


def _kind(body: Any, name: str, report: Report, plugin_kinds: tuple[str, ...] = ()) -> str | None:
    known = (*KINDS, *plugin_kinds)
    if not isinstance(body, YMap):
        report.error(getattr(body, "source", Source(name)),
                     "a metadata file must be a mapping starting with one of: " + ", ".join(f"'{k}:'" for k in known))
        return None
    # workflow and automation files also hold an 'entity:' key (the entity they act on),
    # and dashboards and reports (and their extensions) a 'roles:' key (who sees them).
    found = [key for key in ("workflow", "automation", "extends", "roles", "dashboard", "report", *plugin_kinds)
             if key in body]
    if ("dashboard" in found or "extends" in found or "report" in found) and "roles" in found:
        found.remove("roles")
    if not found and "entity" in body:
        found = ["entity"]
    if len(found) == 1:
        return found[0]
    if not found:
        report.error(body.source, "cannot tell what this file defines: expected one of the top-level keys "
                                  + ", ".join(f"'{k}:'" for k in known))
    else:
        report.error(body.key_at(found[1]), f"a file defines one thing: found both '{found[0]}:' and '{found[1]}:'")
    return None
