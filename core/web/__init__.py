"""The web layer: blueprints for pages, plus ``/healthz``."""

from importlib.resources import files
from pathlib import Path

from trellis.runtime import runtime
from trellis.web import health


def init_app(app) -> None:
    """Register the web blueprints on ``app``, plugins' pages and templates included."""
    app.register_blueprint(health.bp)
    plugins = runtime(app).plugins
    for blueprint in plugins.blueprints() if plugins is not None else ():
        app.register_blueprint(blueprint)
    app.jinja_loader = template_loader(app)
    app.jinja_env.globals["menu_items"] = lambda user=None: menu_items(app, user)


def template_loader(app):
    """Templates from the organisation's theme, then plugins' ``template_dirs()``, then the default theme."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    plugins = runtime(app).plugins
    theme = Path(str(app.config.get("THEME") or "default"))
    org_theme = theme if theme.is_absolute() else Path(app.config["ORG_DIR"]) / "themes" / theme
    folders = [org_theme / "templates"]
    folders += plugins.template_dirs() if plugins is not None else []
    folders.append(Path(str(files("trellis.themes"))) / "default" / "templates")
    return ChoiceLoader([FileSystemLoader(str(folder)) for folder in folders])


def menu_items(app, user=None) -> list:
    """The navigation menu for ``user``: every plugin's ``menu_items(user)``, sorted."""
    plugins = runtime(app).plugins
    return plugins.menu_items(user) if plugins is not None else []
