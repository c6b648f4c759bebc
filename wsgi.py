"""``gunicorn wsgi:app`` from a checkout: the same application as ``trellis.wsgi``."""

from trellis.wsgi import app

__all__ = ["app"]
