"""Trellis: a low-code CRM whose entities, forms, workflows and roles are YAML.

The public names a plugin or an integrator needs are importable from here.
Importing this package starts no application and reads no file: call
:func:`create_app` for that.
"""

from trellis.config import Setting, plugin_config
from trellis.errors import (
    ConflictError,
    MetadataError,
    NotFound,
    PermissionDenied,
    Problem,
    SettingsError,
    TrellisError,
    ValidationError,
)
from trellis.plugins import PluginError, PluginLoadError
from trellis.plugins.hookspecs import hookimpl
from trellis.plugins.types import (
    Action,
    DemoContext,
    MenuItem,
    RecordPanel,
    ScheduledJob,
    TimelineEntry,
    Widget,
)

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ConflictError",
    "DemoContext",
    "FieldType",
    "MenuItem",
    "MetadataError",
    "NotFound",
    "PermissionDenied",
    "PluginError",
    "PluginLoadError",
    "Problem",
    "RecordPanel",
    "ScheduledJob",
    "Setting",
    "SettingsError",
    "TimelineEntry",
    "TrellisError",
    "ValidationError",
    "Widget",
    "__version__",
    "create_app",
    "hookimpl",
    "plugin_config",
]


def __getattr__(name):
    # FieldType lives with the metadata model; importing that package on `import trellis`
    # would slow every `trellis` command down, so it is fetched on first use.
    if name == "FieldType":
        from trellis.metadata.model import FieldType

        return FieldType
    raise AttributeError(f"module 'trellis' has no attribute {name!r}")


def create_app(config=None):
    """Build the Flask application; see :func:`trellis.app.create_app`."""
    from trellis.app import create_app as build

    return build(config)
