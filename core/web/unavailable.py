"""The database did not answer: 503 with ``Retry-After``, never a bare "Internal Server Error".

Any ``OperationalError`` (PostgreSQL restarting or unreachable, SQLite locked or its
disk full) reaching a page answers a themed 503 page. When the request was a form
post, the page says the save failed and carries the user's values back in a form
that posts them again ("Try again"), so nothing typed is lost: the record form
itself needs the database to be drawn. The API answers JSON (see
:mod:`trellis.api.errors`). One WARNING is logged per failed request, without a
traceback: the cause is the outage, not the code.
"""

from __future__ import annotations

import logging

from flask import render_template, request

log = logging.getLogger("trellis.web")
RETRY_AFTER = 5      # seconds a client is asked to wait before trying again
_HIDDEN = ("csrf_token",)


def database_unavailable(error):
    """The 503 page for a database that did not answer (the posted values kept for a retry)."""
    log.warning("%s %s: the database did not answer: %s", request.method, request.path,
                str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200])
    values = {"status": 503, "kind": 503, "reference": None, "message": None, "back": "/",
              "retry": _posted_values()}
    # The menu and the user's language need the database: the page without the menu is drawn,
    # for a visitor whose account is not looked up again.
    _as_anonymous()
    return render_template("error_plain.html", **values), 503, {"Retry-After": str(RETRY_AFTER)}


def _as_anonymous() -> None:
    from flask import current_app, g

    manager = getattr(current_app, "login_manager", None)
    if manager is not None and "_login_user" not in g:
        g._login_user = manager.anonymous_user()


def _posted_values() -> list[tuple[str, str, bool]] | None:
    """``[(name, value, shown)]`` of a posted form (files cannot be carried back), or None."""
    if request.method != "POST" or not request.form:
        return None
    return [(name, value, name not in _HIDDEN and not name.startswith("_"))
            for name, values in request.form.lists() for value in values]


def init_app(app) -> None:
    """Answer a database that did not answer with the 503 page."""
    from sqlalchemy.exc import OperationalError

    app.register_error_handler(OperationalError, database_unavailable)
