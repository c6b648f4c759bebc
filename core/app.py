"""The application factory: the one place that wires Trellis together."""

from __future__ import annotations

from flask import Flask
from trellis import api, automation, data, io, metadata, plugins, security, web
from trellis import config as settings
from trellis.runtime import install


def create_app(config: dict | None = None) -> Flask:
    """Build a Trellis application.

    ``config`` overrides every other source of settings (see :mod:`trellis.config`);
    tests pass e.g. ``{"DATABASE_URL": "sqlite://", "TESTING": True}``.
    """
    app = Flask("trellis", static_folder=None)
    enabled = settings.load(app, config)  # the plugins, then every declared setting: defaults < trellis.yaml
    install(app)                          # < TRELLIS_* < config; app.extensions["trellis"]: the shared runtime
    plugins.init_app(app, enabled)        # the pluggy manager, plugins in load order
    metadata.init_app(app)              # YAML layers -> typed model
    data.init_app(app)                  # tables, record service, query builder
    security.init_app(app)              # users, credentials, login, CSRF
    io.init_app(app)                    # import progress, duplicates, merges
    automation.init_app(app)            # workflows' actions, automations, jobs, email
    web.init_app(app)                   # pages and /healthz
    api.init_app(app)                   # /api/v1, OpenAPI, tokens, webhooks
    return app
