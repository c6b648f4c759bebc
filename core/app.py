"""The application factory: the one place that wires Trellis together."""

from __future__ import annotations

from flask import Flask
from trellis import config as settings
from trellis import data, web
from trellis.runtime import install


def create_app(config: dict | None = None) -> Flask:
    """Build a Trellis application.

    ``config`` overrides every other source of settings (see :mod:`trellis.config`);
    tests pass e.g. ``{"DATABASE_URL": "sqlite://", "TESTING": True}``.
    """
    app = Flask("trellis", static_folder=None)
    settings.load(app, config)
    install(app)
    data.init_app(app)
    web.init_app(app)
    return app
