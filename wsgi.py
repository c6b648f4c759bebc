"""Entry point for production servers: ``gunicorn wsgi:app``."""

from trellis import create_app

app = create_app()
