"""Every request gets an id (the proxy's ``X-Request-Id`` when sane), shown in its logs and answered back."""

from __future__ import annotations

from flask import g, request
from trellis import logs


def _start() -> None:
    g.trellis_request_id = logs.new_request_id(request.headers.get("X-Request-Id"))
    g.trellis_request_token = logs.request_id.set(g.trellis_request_id)


def _answer(response):
    rid = g.get("trellis_request_id")
    if rid:
        response.headers["X-Request-Id"] = rid
    return response


def _end(_error=None) -> None:
    token = g.pop("trellis_request_token", None)
    if token is not None:
        logs.request_id.reset(token)


def init_app(app) -> None:
    """Set the request id first thing, answer it in ``X-Request-Id``, and configure the app's log handlers."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_answer)
    app.teardown_request(_end)
    logs.configure(app)
