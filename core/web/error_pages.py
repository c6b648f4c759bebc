"""Error pages: 400, 403, 404, 405 and 500 as themed pages in the user's language, with the menu
and a way back, for the core's pages and every plugin's blueprint alike.

Registered on the app (:func:`init_app`), so a plugin's views need nothing of their own; the
REST API keeps its JSON errors (its blueprint's handlers come first, and
:func:`trellis.api.errors.register_routing_errors` answers unmatched ``/api/`` paths in JSON).
The message is the status's own sentence, translated, not the exception's (often English) text.
"""

from __future__ import annotations

import logging
import uuid

from flask import render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("trellis.web")
SHOWN = (400, 403, 404, 405, 500)   # statuses with a sentence of their own; the rest read as 500's


def way_back() -> str:
    """Where "Go back" leads: the page the user came from on this site, else the home page."""
    referrer = request.referrer or ""
    return referrer if referrer.startswith(request.host_url) and referrer != request.url else "/"


def render_error(status: int, reference: str | None = None, message: str | None = None):
    """The error page for ``status`` (and the log ``reference`` of a 500), with that status code.

    When the themed page itself fails (the database gone, say), a page without the menu is shown.
    """
    shown = status if status in SHOWN else 500
    values = {"status": status, "kind": shown, "reference": reference, "message": message, "back": way_back()}
    try:
        return render_template("error.html", **values), status
    except Exception:   # the menu and the user's language need the database: fall back to a bare page
        log.exception("the error page for %s failed; showing the plain one", status)
        return render_template("error_plain.html", **values), status


def http_error(error: HTTPException):
    """Any HTTP error outside the API: the themed page for its status (500 and up logged with a reference)."""
    status = error.code or 500
    if status < 400:
        return error
    reference = None
    if status >= 500:
        reference = uuid.uuid4().hex[:12]
        cause = getattr(error, "original_exception", None) or error
        log.error("%s %s failed (reference %s)", request.method, request.path, reference, exc_info=cause)
    response = render_error(status, reference)
    if status == 405 and getattr(error, "valid_methods", None):
        return response[0], status, {"Allow": ", ".join(error.valid_methods)}
    return response


def not_found(error):
    """No such record, or one the user may not read (the record service's ``NotFound``): 404."""
    return render_error(404)


def denied(error):
    """The record service refused (``PermissionDenied``): 403."""
    return render_error(403)


def init_app(app) -> None:
    """Answer HTTP errors, the record service's NotFound/PermissionDenied and a database outage with themed pages."""
    from trellis.errors import NotFound, PermissionDenied
    from trellis.web import unavailable

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(NotFound, not_found)
    app.register_error_handler(PermissionDenied, denied)
    unavailable.init_app(app)
