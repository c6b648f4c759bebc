"""What every template can use (labels, the user's locale and direction) and ``/static/`` from the theme folders."""

from __future__ import annotations

from pathlib import Path

from flask import abort, send_from_directory
from trellis.web.labels import display, entity_label, field_label, label, option_label, text_direction, user_locale
from werkzeug.security import safe_join


def init_theme(app, folders: list[Path]) -> None:
    """Register ``/static/<path>`` over ``folders`` (first match wins), ``/favicon.ico`` (the theme's
    ``favicon.svg``) and the template globals."""

    def static(filename: str):
        for folder in folders:
            path = safe_join(str(folder), filename)
            if path is not None and Path(path).is_file():
                return send_from_directory(str(folder), filename, max_age=3600)
        abort(404)

    def favicon():
        return static("favicon.svg")

    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static)
    app.add_url_rule("/favicon.ico", endpoint="favicon", view_func=favicon)   # asked for by browsers unprompted
    app.jinja_env.globals.update(label=label, entity_label=entity_label, field_label=field_label,
                                 option_label=option_label, display=display, text_direction=text_direction,
                                 user_locale=user_locale, navigation=_navigation, initials=initials)


def initials(name: str | None) -> str:
    """Up to two letters for a user's avatar: the first letters of the first and last words of ``name``."""
    words = [w for w in str(name or "").split() if w[:1].isalpha()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def _navigation():
    from flask_login import current_user
    from trellis.web.pages import navigation

    return navigation(current_user if current_user.is_authenticated else None)
