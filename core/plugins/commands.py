"""``trellis plugins``: the plugins, in load order, and what each adds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click
from trellis.metadata.yaml_loader import YAMLProblem, read_file


@dataclass
class Contribution:
    """What a plugin's YAML adds: entities it defines, fields it adds to others' entities, and more."""

    defines: list[str] = field(default_factory=list)
    extends: dict[str, list[str]] = field(default_factory=dict)
    workflows: list[str] = field(default_factory=list)
    automations: list[str] = field(default_factory=list)
    dashboards: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def contribution(folders: list[str]) -> Contribution:
    """Read the YAML files under ``folders`` just enough to say what they add (no validation)."""
    found = Contribution()
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.y*ml")):
            try:
                document = read_file(path)  # the loader's limits: size, nesting, no aliases
            except (OSError, YAMLProblem):
                found.unreadable.append(str(path))
                continue
            if not isinstance(document, dict):
                continue
            fields = document.get("fields")
            names = list(fields) if isinstance(fields, dict) else []
            # Workflow and automation files also hold 'entity:' (the entity they act on), so that key
            # means "defines an entity" only when none of the others is there (as the loader reads it).
            if document.get("workflow"):
                found.workflows.append(str(document["workflow"]))
            elif document.get("automation"):
                found.automations.append(str(document["automation"]))
            elif document.get("dashboard"):
                found.dashboards.append(str(document["dashboard"]))
            elif document.get("extends"):
                found.extends.setdefault(str(document["extends"]), []).extend(map(str, names))
            elif document.get("entity"):
                found.defines.append(str(document["entity"]))
    return found


def describe(plugins) -> list[str]:
    """The lines ``trellis plugins`` prints for a ``PluginSet``."""
    builtins = getattr(plugins, "builtins", [])
    lines = [f"{len(builtins)} built-in plugin(s), loaded first:"] if builtins else []
    for plugin in builtins:
        when = ", after the others" if plugin.late else ""
        lines.append(f"-  {plugin.name} (built-in{when}) - {plugin.label}; hooks: "
                     f"{', '.join(plugins.implemented_hooks(plugin)) or '-'}")
    if not plugins.ordered:
        return [*lines, "No plugins enabled."]
    lines.append(f"{len(plugins.ordered)} plugin(s), in load order:")
    for index, plugin in enumerate(plugins.ordered, start=1):
        adds = contribution([layer.path for layer in plugins.metadata_layers() if layer.name == plugin.name])
        lines.append(f"{index}. {plugin.name} {plugin.version} ({plugin.source}) - {plugin.label}")
        lines.append(f"   depends: {', '.join(plugin.depends) or '-'}")
        lines.append(f"   entities: {', '.join(sorted(adds.defines)) or '-'}")
        if adds.extends:
            extended = "; ".join(f"{entity} + {', '.join(names) or '(views)'}"
                                 for entity, names in sorted(adds.extends.items()))
            lines.append(f"   extends: {extended}")
        if adds.workflows:
            lines.append(f"   workflows: {', '.join(sorted(adds.workflows))}")
        if adds.automations:
            lines.append(f"   automations: {', '.join(sorted(adds.automations))}")
        if adds.dashboards:
            lines.append(f"   dashboards: {', '.join(sorted(adds.dashboards))}")
        lines.append(f"   hooks: {', '.join(plugins.implemented_hooks(plugin)) or '-'}")
        for path in adds.unreadable:
            lines.append(f"   unreadable YAML: {path} (run 'trellis check')")
    lines.extend(f"note: {note}" for note in plugins.notes)
    return lines


@click.command("plugins")
def plugins_command():
    """List plugins in load order: version, source, dependencies and what each adds."""
    from trellis.config import resolve
    from trellis.plugins import discover

    for line in describe(discover(resolve()["PLUGINS"])):
        click.echo(line)


commands = [plugins_command]
