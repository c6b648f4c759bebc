"""The web layer: blueprints for pages, plus ``/healthz``."""

from trellis.web import health


def init_app(app) -> None:
    """Register the web blueprints on ``app``."""
    app.register_blueprint(health.bp)
