"""Trellis's own plugins: registered before every installed plugin, called through the same hooks.

``DEFAULT_PLUGINS`` lists them as pytest and Datasette do: each is a module of hook
implementations (field types, action kinds, the API's pages, business calendars, workflow approvals,
the home page's widget, automations, webhooks, the write guard). ``late`` ones are called after every
other plugin's implementations of a hook (as if loaded last), so the automation engine and webhooks see what every
plugin's ``after_save`` did, and the write guard checks the record as every
``before_save`` left it. ``trellis plugins`` lists them as built-in.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from trellis.plugins.manifest import Plugin


@dataclass(frozen=True)
class Builtin:
    """One built-in plugin: its name, the module holding its hooks, a label and whether it runs late."""

    name: str
    module: str
    label: str
    late: bool = False


DEFAULT_PLUGINS: tuple[Builtin, ...] = (
    Builtin("trellis.field_types", "trellis.plugins.builtins.field_types", "Built-in field types"),
    Builtin("trellis.actions", "trellis.plugins.builtins.actions", "Built-in automation actions"),
    Builtin("trellis.api", "trellis.plugins.builtins.api_pages", "API pages (personal tokens)"),
    Builtin("trellis.calendars", "trellis.plugins.builtins.calendars", "Business calendars (business_calendar: YAML)"),
    Builtin("trellis.approvals", "trellis.plugins.builtins.approvals", "Workflow approvals"),
    Builtin("trellis.automation", "trellis.plugins.builtins.automation", "Automations", late=True),
    Builtin("trellis.home", "trellis.plugins.builtins.home", "Home page widget (recently viewed)", late=True),
    Builtin("trellis.api.webhooks", "trellis.plugins.builtins.webhooks", "Webhooks", late=True),
    Builtin("trellis.security", "trellis.plugins.builtins.write_guard", "Write guard (role rules)", late=True),
)
"""The built-in plugins, in the order they are registered."""


def builtin_plugins() -> list[Plugin]:
    """``DEFAULT_PLUGINS`` as ``Plugin`` objects (source ``built-in``), their modules imported."""
    from trellis import __version__

    return [Plugin(name=b.name, version=__version__, label=b.label, source="built-in",
                   module=importlib.import_module(b.module), late=b.late) for b in DEFAULT_PLUGINS]
