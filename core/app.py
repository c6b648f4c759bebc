"""The application factory: the one place that wires Trellis together."""

from __future__ import annotations

from flask import Flask
from trellis import api, automation, data, io, metadata, plugins, security, web
from trellis import config as settings
from trellis.runtime import install


def create_app(config: dict | None = None) -> Flask:
    """Build a Trellis application.

    ``config`` overrides every other source of settings (see :mod:`trellis.config`);
    tests pass e.g. ``{"DATABASE_URL": "sqlite://", "TESTING": True}``. Each step sets
    parts of the runtime (:mod:`trellis.runtime`) that the later steps read.
    """
    app = Flask("trellis", static_folder=None)
    enabled = settings.load(app, config)   # the enabled plugins, then every setting they and the core declare
    install(app)                           # app.extensions["trellis"]: the runtime, built by the steps below
    plugins.init_app(app, enabled)         # .plugins: the pluggy manager, plugins in load order
    metadata.init_app(app)                 # .metadata: YAML layers -> typed model
    data.init_app(app, {                   # .schema, .tables: the entities' tables and each subsystem's own
        "credentials": security.declare_credentials, "login_failures": security.declare_login_failures,
        "io": io.declare_tables, "automation": automation.declare_tables,
        "saved_filters": web.declare_tables, "recent": web.declare_recent, "api": api.declare_tables,
        "files": data.declare_files, "sessions": security.declare_sessions,
        "approvals": automation.declare_approval_tables})
    security.init_app(app)                 # .access, .csrf, .html_sanitizer: login, roles, the write guard
    automation.init_app(app)               # .jobs, .automation, .transition_actions: workflows' actions, email
    web.init_app(app)                      # pages and /healthz
    api.init_app(app)                      # /api/v1, OpenAPI, tokens, webhooks
    return app
