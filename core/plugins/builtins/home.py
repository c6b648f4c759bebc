"""Built-in plugin: the home page's own widget, ``recently_viewed`` (``dashboard_widgets`` hook), put on
the ``home`` dashboard by its own YAML layer (``home_metadata/``, loaded after the plugins' layers)."""

from pathlib import Path

from trellis.plugins.hookspecs import hookimpl


@hookimpl
def metadata_dirs():
    """``home_metadata/``: ``extends: home`` with ``recently_viewed``."""
    return [Path(__file__).parent / "home_metadata"]


@hookimpl
def dashboard_widgets():
    """``recently_viewed``: the records the viewer opened last and may still read (on the ``home`` dashboard)."""
    from trellis.plugins.types import N_, Widget
    from trellis.web.home_widgets import recently_viewed_widget

    return [Widget("recently_viewed", N_("Recently viewed"), recently_viewed_widget)]

