"""Names a package re-exports from its modules, imported when first asked for.

``trellis.api`` offers ``create_token`` from ``trellis.api.tokens``; importing the package
should not import SQLAlchemy for that, because the ``trellis`` command imports every
subsystem's ``commands`` module, and ``trellis check`` needs no database. A package
lists its re-exports and gets a module ``__getattr__`` (PEP 562) that imports the
owning module on first use::

    __getattr__ = lazy_exports(__name__, {"create_token": "tokens", "add_webhook": "webhooks"})

``from trellis.api import create_token`` and ``trellis.api.create_token`` work as before.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``names[name]`` (a sub-module) on first use."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{module}"), name)

    return __getattr__
