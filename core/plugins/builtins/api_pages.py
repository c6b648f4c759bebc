"""Built-in plugin: the API's pages in the web interface (``/preferences/tokens``: a user's API tokens)."""

from trellis.plugins.hookspecs import hookimpl


@hookimpl
def blueprints():
    """The personal API tokens page (it answers 404 when the app has no REST API)."""
    from trellis.web.tokens import bp

    return [bp]
