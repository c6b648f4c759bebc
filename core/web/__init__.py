"""The web layer: generated pages per entity, login, themes and ``/healthz``.

Every page needs a signed-in user except ``/login``, ``/healthz``, ``/static`` and the
views a plugin marks with ``trellis.public_view`` (pages reached by a signed link): one
``before_request`` check (:func:`require_login`) covers the core's pages and plugins'
blueprints alike. What a user may see or change is not checked here but
by the record service each view calls.
"""

from importlib.resources import files
from pathlib import Path
from typing import Any

from trellis.runtime import runtime

PUBLIC_ENDPOINTS = {"security.login", "security.login_code", "health.healthz", "health.readyz", "metrics.metrics_page",
                    "static", "favicon", "user_admin.welcome"}
API_PREFIX = "/api/"  # the REST API signs callers in with bearer tokens itself, and answers in JSON


def declare_tables(metadata: Any) -> Any:
    """Define the lists' saved filters table on the schema's ``metadata``."""
    from trellis.web.saved_filters import add_table

    return add_table(metadata)


def declare_recent(metadata: Any) -> Any:
    """Define the recently viewed records' table on the schema's ``metadata``."""
    from trellis.web.recent import add_table

    return add_table(metadata)


def init_app(app) -> None:
    """Register the web blueprints on ``app``, plugins' pages and templates included."""
    from trellis.web import (
        admin,
        boards,
        bulk,
        calendar,
        dashboards,
        error_pages,
        health,
        i18n,
        import_pages,
        lines,
        lists,
        merge_pages,
        metrics,
        pages,
        pivot_pages,
        recent,
        record_pages,
        report_pages,
        request_ids,
        saved_filters,
        search,
        session_pages,
        theme,
        user_admin,
        workflow_pages,
    )

    request_ids.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(session_pages.bp)
    app.register_blueprint(lists.bp)
    app.register_blueprint(record_pages.bp)
    app.register_blueprint(lines.bp)
    app.register_blueprint(boards.bp)
    app.register_blueprint(calendar.bp)
    app.register_blueprint(dashboards.bp)
    app.register_blueprint(report_pages.bp)
    app.register_blueprint(pivot_pages.bp)
    app.register_blueprint(bulk.bp)
    app.register_blueprint(saved_filters.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(user_admin.bp)
    app.register_blueprint(workflow_pages.bp)
    app.register_blueprint(import_pages.bp)
    app.register_blueprint(merge_pages.bp)
    app.register_blueprint(search.bp)
    import_pages.init_app(app)
    for blueprint in runtime(app).plugins.blueprints():
        if getattr(blueprint, "trellis_public", False):
            runtime(app).csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    app.jinja_loader = template_loader(app)
    app.jinja_env.globals["menu_items"] = lambda user=None: menu_items(app, user)
    theme.init_theme(app, static_folders(app))
    i18n.init_i18n(app)
    app.before_request(require_login)
    app.after_request(recent.record_view)
    from trellis.plugins import PluginError

    error_pages.init_app(app)
    app.register_error_handler(PluginError, pages.plugin_failed)  # under /api the API's JSON handler answers


def require_login():
    """Send anonymous visitors of any page but the public ones to ``/login`` (401 for JSON callers), and
    administrators who must turn on two-step sign-in to its page
    (:func:`trellis.security.totp_pages.enrolment_required`)."""
    from flask import g, redirect, request, url_for
    from flask_login import current_user
    from trellis.security.totp_pages import enrolment_required

    # flask-login caches the user, flask-wtf the CSRF token, in ``g``; when a request shares an
    # app context pushed earlier (tests holding one open), they would be a previous request's.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    g.pop("_trellis_preferences", None)   # the user's locale and time zone (trellis.web.labels)
    if request.endpoint in PUBLIC_ENDPOINTS or request.path.startswith(API_PREFIX) or _is_public(request):
        return None
    if current_user.is_authenticated:
        return enrolment_required()
    if request.endpoint is None:
        return None  # a 404 stays a 404
    if request.accept_mimetypes.best == "application/json":
        return {"error": {"code": "unauthenticated", "message": "sign in first"}}, 401
    return redirect(url_for("security.login", next=request.full_path.rstrip("?")))


def _is_public(request) -> bool:
    """Whether a plugin opened this page to visitors: a ``trellis.public_view`` view, or any view of a
    ``trellis.public_blueprint`` (both check their own signed token)."""
    from flask import current_app

    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    blueprint = current_app.blueprints.get(request.blueprint or "")
    return bool(getattr(view, PUBLIC_MARK, False) or getattr(blueprint, "trellis_public", False))


PUBLIC_MARK = "_trellis_public_view"


def template_loader(app):
    """Templates from the organisation's theme, then plugins' ``template_dirs()``, then the default theme."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    plugins = runtime(app).plugins
    theme = Path(str(app.config.get("THEME") or "default"))
    org_theme = theme if theme.is_absolute() else Path(app.config["ORG_DIR"]) / "themes" / theme
    folders = [org_theme / "templates"]
    folders += plugins.template_dirs()
    folders.append(Path(str(files("trellis.themes"))) / "default" / "templates")
    return ChoiceLoader([FileSystemLoader(str(folder)) for folder in folders])


def static_folders(app) -> list[Path]:
    """Where ``/static/<file>`` is looked for, in the same order as templates: the organisation's
    theme, a ``static`` folder beside each plugin template folder, then the default theme."""
    plugins = runtime(app).plugins
    theme = Path(str(app.config.get("THEME") or "default"))
    org_theme = theme if theme.is_absolute() else Path(app.config["ORG_DIR"]) / "themes" / theme
    folders = [org_theme / "static"]
    folders += [Path(d).parent / "static" for d in plugins.template_dirs()]
    folders.append(Path(str(files("trellis.themes"))) / "default" / "static")
    return folders


def menu_items(app, user=None) -> list:
    """The navigation menu for ``user``: every plugin's ``menu_items(user)``, sorted."""
    return runtime(app).plugins.menu_items(user)
