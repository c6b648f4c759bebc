"""The per-application state every subsystem shares, kept in ``app.extensions["trellis"]``.

Nothing lives in module globals: two apps in one process (tests do this) each have
their own plugins, metadata and tables. ``create_app`` builds the parts in order
(settings and plugins, metadata, the data layer with every subsystem's system
tables, security, io, automation, web, api); each part is set once, and reading
one before its step has run is an error naming it, so no code needs an
``is None`` guard.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Part(Generic[T]):
    """A runtime attribute that a step of ``create_app`` sets; read earlier, it raises ``LookupError``."""

    def __init__(self, step: str):
        self.step = step
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        try:
            return obj.__dict__[self.name]
        except KeyError:
            raise LookupError(f"runtime.{self.name} is not built yet: {self.step} sets it, "
                              "in create_app's order") from None

    def __set__(self, obj: Any, value: T) -> None:
        obj.__dict__[self.name] = value


@dataclass
class SystemTables:
    """The tables each subsystem declares besides the entities' (``trellis migrate`` creates them).

    ``credentials``: security's ``trellis_credential``; ``login_failures``: the sign-in
    limit's; ``io``: imports, duplicates, merges; ``automation``: runs, outbox, email log,
    state; ``saved_filters``: the lists' saved filters; ``recent``: the recently viewed records;
    ``api``: tokens, webhooks; ``files``: the stored files (:mod:`trellis.data.files`);
    ``sessions``: each device's sign-in (:mod:`trellis.security.sessions`); ``approvals``:
    workflow approvals, their decisions and delegations.
    """

    credentials: Any
    login_failures: Any
    io: Any
    automation: Any
    saved_filters: Any
    recent: Any
    api: Any
    files: Any = None
    sessions: Any = None
    approvals: Any = None


class Runtime:
    """What ``create_app`` builds, one step at a time (see the module docstring)."""

    plugins: Part[Any] = Part("plugins.init_app")                  # trellis.plugins.PluginSet
    metadata: Part[Any] = Part("metadata.init_app")                # trellis.metadata.model.Metadata
    schema: Part[Any] = Part("data.init_app")                      # trellis.data.schema.Schema
    tables: Part[SystemTables] = Part("data.init_app")
    access: Part[Any] = Part("data.init_app")                      # security.init_app replaces it
    html_sanitizer: Part[Callable[[str], str]] = Part("security.init_app")
    csrf: Part[Any] = Part("security.init_app")                    # flask_wtf's CSRFProtect
    jobs: Part[Any] = Part("automation.init_app")                  # trellis.automation.jobs.Jobs
    automation: Part[Any] = Part("automation.init_app")            # trellis.automation.state.AutomationState
    transition_actions: Part[Callable[..., None]] = Part("automation.init_app")
    approvals: Part[Any] = Part("automation.init_app")             # trellis.automation.approvals.Approvals
    celery: Part[Any] = Part("automation.celery_app.celery_for")   # built on first use, with a broker

    def __init__(self) -> None:
        self.totp_clock: Callable[[], float] = time.time  # seconds since the epoch; tests replace it

    def has(self, name: str) -> bool:
        """True once the part ``name`` is built."""
        return name in self.__dict__


def install(app) -> Runtime:
    """Create the runtime for ``app`` (once)."""
    return app.extensions.setdefault("trellis", Runtime())


def runtime(app=None) -> Runtime:
    """The runtime of ``app``, or of Flask's current app."""
    if app is None:
        from flask import current_app

        app = current_app
    return app.extensions["trellis"]
