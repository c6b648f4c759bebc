"""The home page (the ``home`` dashboard), navigation and what every page's view shares (the service,
entity lookup, errors)."""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from trellis.errors import NotFound, PermissionDenied, ValidationError
from trellis.runtime import runtime
from trellis.web.error_pages import denied, not_found, render_error
from trellis.web.labels import entity_label, label

bp = Blueprint("pages", __name__)


def current_user_object():
    """The signed-in user (an :class:`trellis.security.accounts.Account`), not flask-login's proxy."""
    return current_user._get_current_object()


def service():
    """The record service acting as the signed-in user, channel ``ui``: every view reads and writes through it."""
    from trellis.data.records import records_for

    return records_for(current_app._get_current_object(), user=current_user._get_current_object(), channel="ui")


def entity_or_404(name: str):
    """The entity ``name`` of the loaded metadata, or a 404 page."""
    metadata = runtime().metadata
    if name not in metadata.entities:
        abort(404, description=f"There is no '{name}' here.")
    return metadata.entities[name]


def navigation(user) -> list[dict]:
    """Menu groups for ``user``: plugins' ``menu_items(user)`` first, the dashboards they may see,
    then every other entity but the technical ones (``menu: false`` in their YAML).

    Each group is ``{"title": str | None, "items": [{"label", "url"}]}``. An entry for an
    entity's pages (``/app/<entity>...``) is left out when ``user`` may not read that entity.
    """
    from trellis.web import menu_items
    from trellis.web.dashboards import menu

    metadata, access = runtime().metadata, runtime().access

    def readable(url: str) -> bool:
        parts = url.split("?", 1)[0].split("/")
        entity = parts[2] if len(parts) > 2 and parts[1] == "app" else None
        return user is None or entity not in metadata.entities or access.can(user, "read", entity)

    groups: dict[str | None, list[dict]] = {}
    covered = set()
    for item in menu_items(current_app._get_current_object(), user):
        covered.add(item.url.rstrip("/"))
        if not readable(item.url):
            continue
        title = label(item.group) if item.group else None
        groups.setdefault(title, []).append({"label": label(item.label), "url": item.url})
    boards = menu(user) if user is not None else []
    if boards:
        groups.setdefault(_("Dashboards"), []).extend(boards)
    others = []
    for entity in metadata.entities.values():
        url = f"/app/{entity.name}"
        if url not in covered and entity.menu and readable(url):
            others.append({"label": entity_label(entity, plural=True), "url": url})
    if others:
        groups.setdefault(_("Records"), []).extend(sorted(others, key=lambda i: i["label"].casefold()))
    return [{"title": title, "items": items} for title, items in groups.items()]


@bp.get("/")
def home():
    """The ``home`` dashboard: the widgets plugins put on it for the signed-in user."""
    from trellis.web.dashboards import HOME, panels_of

    user = current_user_object()
    board = runtime().metadata.dashboards.get(HOME)
    panels = panels_of(board, user) if board is not None and board.shown_to(user) else []
    return render_template("home.html", panels=panels)


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    """The signed-in user's own language and time zone (saved on their ``user`` record)."""
    from zoneinfo import available_timezones

    errors = {}
    if request.method == "POST":
        values = {"locale": request.form.get("locale") or None, "timezone": request.form.get("timezone") or None}
        if values["timezone"] and values["timezone"] not in available_timezones():
            errors["timezone"] = _("unknown time zone")
        else:
            try:
                service().update("user", current_user.id, values)
            except ValidationError as e:
                errors = e.fields
            else:
                _use_now(values)
                flash(_("Preferences saved."))   # in the language just chosen
                return redirect(url_for(".preferences"))
    return _preferences_page(errors)


def _use_now(values: dict) -> None:
    """Make the rest of this request speak the language (and use the time zone) the user just saved."""
    user = current_user._get_current_object()
    user.locale, user.timezone = values["locale"], values["timezone"]
    g.pop("_trellis_preferences", None)
    refresh()


def _preferences_page(errors: dict, password_errors: dict | None = None):
    from zoneinfo import available_timezones

    from trellis.config import LOCALES

    status = 422 if errors or password_errors else 200
    return render_template("preferences.html", locales=LOCALES, zones=sorted(available_timezones()),
                           errors=errors, password_errors=password_errors or {}, title=_("Preferences")), status


@bp.post("/preferences/password")
def change_password():
    """The signed-in user's own new password (the current one proves it is them); every other session ends."""
    from flask_login import login_user
    from trellis.security.accounts import AccountError, change_own_password, load_account

    app = current_app._get_current_object()
    new = request.form.get("new_password", "")
    if new != request.form.get("new_password_again", ""):
        return _preferences_page({}, {"new_password_again": _("The two new passwords differ.")})
    try:
        token = change_own_password(app, current_user.id, request.form.get("current_password", ""), new)
    except AccountError as e:
        return _preferences_page({}, {"current_password": str(e)})
    login_user(load_account(app, current_user.id, token))  # this browser keeps going on the new token
    flash(_("Password changed; every other session has been signed out."))
    return redirect(url_for(".preferences"))


def register_errors(blueprint) -> None:
    """Error pages for what a user can cause on ``blueprint``'s pages: no such record (404), not allowed (403).

    Registered per blueprint, not on the app, so that the REST API keeps its JSON errors.
    """

    blueprint.register_error_handler(NotFound, not_found)
    blueprint.register_error_handler(PermissionDenied, denied)


def plugin_failed(error):
    """The 500 page for a plugin's failing hook: the plugin named, a reference to find it in the log.

    Registered on the app by :func:`trellis.web.init_app`; the API answers in JSON instead.
    """
    reference = uuid.uuid4().hex[:12]
    logging.getLogger("trellis.web").error("plugin %s failed in hook %s (reference %s) on %s %s", error.plugin,
                                           error.hook, reference, request.method, request.path, exc_info=error)
    message = _("The plugin “%(plugin)s” failed; nothing was saved. The error is logged.", plugin=error.plugin)
    return render_error(500, reference, message)


register_errors(bp)
