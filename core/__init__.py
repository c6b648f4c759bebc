"""Trellis: a low-code CRM whose entities, forms, workflows and roles are YAML.

The public names a plugin or an integrator needs are importable from here.
Importing this package starts no application and reads no file: call
:func:`create_app` for that.
"""

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
from trellis.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = [
    "ConflictError",
    "MetadataError",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "SettingsError",
    "TrellisError",
    "ValidationError",
    "__version__",
    "create_app",
    "hookimpl",
]


def create_app(config=None):
    """Build the Flask application; see :func:`trellis.app.create_app`."""
    from trellis.app import create_app as build

    return build(config)
