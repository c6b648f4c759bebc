"""JSON errors for everything under ``/api``: ``{"error": {"code", "message", "fields"}}``.

A 500 carries a ``reference``, the id its traceback is logged under; a plugin's failing
hook is ``{"error": {"code": "plugin_error", "message", "reference"}}``.

No HTML error page and no traceback ever reaches an API caller: the blueprint maps
the record service's errors to statuses, and an app-wide handler answers routing
errors (404, 405) in JSON when the path is under ``/api/``.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import jsonify, request
from sqlalchemy.exc import OperationalError
from trellis.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("trellis.api")

API_PREFIX = "/api/"

_HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 412: "precondition_failed",
               413: "too_large", 415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
               500: "server_error", 503: "unavailable"}


class ApiError(Exception):
    """An answer other than success: ``status``, a machine ``code``, a human ``message``.

    ``fields`` maps a field or parameter to its problem; ``current`` (409/412) holds
    the record's current values; ``headers`` are added to the response; ``reference``
    (500) is the id the error is logged under.
    """

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None,
                 current: dict | None = None, headers: dict | None = None, reference: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields, self.current, self.headers = fields, current, headers or {}
        self.reference = reference


def error_response(error: ApiError):
    """The JSON response for ``error``."""
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.fields:
        body["fields"] = {str(k): str(v) for k, v in error.fields.items()}
    if error.current is not None:
        body["current"] = error.current
    if error.reference is not None:
        body["reference"] = error.reference
    response = jsonify({"error": body})
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def from_service(error: Exception) -> ApiError:
    """The ApiError for an exception of the record service or the query builder."""
    from trellis.api.serialize import plain
    from trellis.data.query import QueryError

    if isinstance(error, QueryError):
        return ApiError(400, "invalid_query", "the query parameters are not valid", fields=error.fields)
    if isinstance(error, ValidationError):
        fields = dict(error.fields)
        message = str(fields.pop("__all__", "")) or "the record is not valid"
        return ApiError(422, "validation_failed", message, fields=fields or None)
    if isinstance(error, ConflictError):
        return ApiError(409, "conflict", str(error), current=plain(getattr(error, "current", None) or {}))
    if isinstance(error, NotFound):
        return ApiError(404, "not_found", str(error) or "not found")
    if isinstance(error, PermissionDenied):
        return ApiError(403, "forbidden", str(error) or "you may not do this")
    raise TypeError(f"not a service error: {error!r}")


def register_on(blueprint) -> None:
    """JSON handlers for every error a view of ``blueprint`` raises."""
    from trellis.data.query import QueryError

    blueprint.register_error_handler(ApiError, error_response)
    for kind in (QueryError, ValidationError, ConflictError, NotFound, PermissionDenied):
        blueprint.register_error_handler(kind, lambda e: error_response(from_service(e)))
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(OperationalError, _database_unavailable)
    blueprint.register_error_handler(Exception, _server_error)


def register_routing_errors(app) -> None:
    """JSON for 404/405 of paths under /api/ that match no view (blueprint handlers do not see them)."""
    previous = app.error_handler_spec.get(None, {}).get(None, {}).get(HTTPException)

    def answer(error: HTTPException):
        # Outside /api whatever answered before (the web layer's handler, or Flask's default) still does.
        if request.path.startswith(API_PREFIX):
            return _http_error(error)
        return previous(error) if previous is not None else error

    app.register_error_handler(HTTPException, answer)


def _http_error(error: HTTPException):
    status = error.code or 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    message = error.description if status != 404 else "no such API path"
    return error_response(ApiError(status, _HTTP_CODES.get(status, "error"), message, headers=headers))


def _database_unavailable(error: Exception):
    """503 with ``Retry-After`` when the database did not answer: nothing was saved, the call may be repeated."""
    log.warning("API request %s %s: the database did not answer: %s", request.method, request.path,
                str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200])
    return error_response(ApiError(503, "unavailable", "the database did not answer; nothing was saved, "
                                   "try again shortly", headers={"Retry-After": "5"}))


def _server_error(error: Exception):
    from trellis.plugins import PluginError

    if isinstance(error, HTTPException):
        return _http_error(error)
    reference = uuid.uuid4().hex[:12]
    log.exception("API request %s %s failed (reference %s)", request.method, request.path, reference)
    if isinstance(error, PluginError):
        return error_response(ApiError(500, "plugin_error", f"the plugin '{error.plugin}' failed in its "
                                       f"'{error.hook}' hook; nothing was saved and the error is logged",
                                       reference=reference))
    return error_response(ApiError(500, "server_error", "the server failed to answer; the error is logged",
                                   reference=reference))
