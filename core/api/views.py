"""The ``/api/v1`` endpoints: records, transitions and history, through the record service only.

Every request but the public ones (the OpenAPI document, its docs page and public
forms) carries ``Authorization: Bearer <token>``; the token's user is the acting
user of the record service, so the API enforces exactly what the UI enforces.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from trellis.api.errors import ApiError
from trellis.api.serialize import has_nul, plain, record_input, record_json, too_large
from trellis.data.coerce import MAX_ID
from trellis.data.record import SYSTEM_FIELDS
from trellis.errors import ConflictError, PermissionDenied
from trellis.runtime import runtime
from werkzeug.exceptions import BadRequest

MAX_LIMIT = 200
LIST_PARAMETERS = ("q", "sort", "fields", "limit", "cursor")
PUBLIC_ENDPOINTS = {"api.openapi", "api.docs", "api.public_form"}
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def make_blueprint() -> Blueprint:
    """A new ``api`` blueprint (one per application, so each app gets its own handlers)."""
    from trellis.api import errors, forms, openapi

    bp = Blueprint("api", __name__, url_prefix="/api/v1")
    bp.url_value_preprocessor(_check_record_id)
    bp.before_request(authenticate)
    bp.add_url_rule("/openapi.json", "openapi", openapi.openapi_view, methods=["GET"])
    bp.add_url_rule("/docs", "docs", openapi.docs_view, methods=["GET"])
    bp.add_url_rule("/forms/<form>", "public_form", forms.public_form, methods=["POST"])
    bp.add_url_rule("/<entity>", "list_records", list_records, methods=["GET"])
    bp.add_url_rule("/<entity>", "create_record", create_record, methods=["POST"])
    bp.add_url_rule("/<entity>/<int:record_id>", "get_record", get_record, methods=["GET"])
    bp.add_url_rule("/<entity>/<int:record_id>", "update_record", update_record, methods=["PATCH"])
    bp.add_url_rule("/<entity>/<int:record_id>", "delete_record", delete_record, methods=["DELETE"])
    bp.add_url_rule("/<entity>/<int:record_id>/transitions/<name>", "transition", transition, methods=["POST"])
    bp.add_url_rule("/<entity>/<int:record_id>/history", "history", history, methods=["GET"])
    errors.register_on(bp)
    return bp


def authenticate():
    """Bearer token -> acting user; refuse a missing, unknown or revoked token, a write with a
    read-scope token, and a token over its rate limit."""
    from trellis.api.rate_limit import hit
    from trellis.api.tokens import check_token
    from trellis.data.unit import unit_of_work

    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    app = current_app._get_current_object()
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "unauthenticated", "send 'Authorization: Bearer <token>'",
                       headers={"WWW-Authenticate": 'Bearer realm="trellis"'})
    # One transaction (one commit) for the token's use and its rate counter; refusals are
    # raised after it, so that a refused request still counts.
    with unit_of_work(app):
        found = check_token(app, secret.strip())
        wait = hit(app, f"token:{found[0].id}") if found is not None else None
    if found is None:
        raise ApiError(401, "invalid_token", "the token is unknown, revoked, or its user is inactive",
                       headers={"WWW-Authenticate": 'Bearer realm="trellis", error="invalid_token"'})
    token, user = found
    if wait is not None:
        raise ApiError(429, "rate_limited", f"too many requests; try again in {wait} s",
                       headers={"Retry-After": str(wait)})
    if request.method not in READ_METHODS and token.scope != "write":
        raise ApiError(403, "insufficient_scope", "this token may only read (scope 'read')",
                       headers={"WWW-Authenticate": 'Bearer realm="trellis", error="insufficient_scope"'})
    g.api_token, g.api_user = token, user
    return None


def _check_record_id(endpoint, values) -> None:
    """An id no column can hold names no record: 404, not an overflow in the database."""
    if values and int(values.get("record_id") or 0) > MAX_ID:
        raise ApiError(404, "not_found", f"no record #{values['record_id']}")


def _check_filter_numbers(meta, filters: dict) -> None:
    """A filter number no column can hold is a bad query (400), not an overflow in the database."""
    from trellis.metadata.model import Field

    for key, value in filters.items():
        name = key.partition("__")[0]
        # System ids and versions are INTEGER columns, bounded like a link.
        field = meta.fields.get(name) or (Field(name, "link") if name in SYSTEM_FIELDS else None)
        if field is not None and any(too_large(field, item) for item in str(value).split(",")):
            raise ApiError(400, "invalid_query", "a filter value is out of range", fields={key: "is too large"})


def _records():
    from trellis.data.records import records_for

    return records_for(current_app._get_current_object(), user=g.api_user, channel="api")


def _entity(name: str):
    metadata = runtime(current_app).metadata
    if name not in metadata.entities:
        raise ApiError(404, "not_found", f"no entity '{name}'")
    return metadata.entities[name]


def _body() -> Any:
    if not request.get_data():
        return {}
    try:
        return request.get_json(force=True)
    except BadRequest:
        raise ApiError(400, "bad_request", "the body is not valid JSON") from None


def _read_row(svc, meta, record_id: int):
    """The record as the query builder reads it (link names joined, read rules applied), or None."""
    # Ordered by id (never NULL), so that one id is one query (see trellis.data.query._regions).
    return svc.query(meta.name).filter(id=record_id).order_by("id").first()


def _shown(svc, meta, record) -> dict[str, Any]:
    """The record as JSON, with link names read through the query builder (as lists show them)."""
    try:
        row = _read_row(svc, meta, record.id)
    except Exception:  # noqa: BLE001 - e.g. no read permission after a create: show what the write returned
        row = None
    return record_json(meta, row if row is not None else record)


def _with_etag(response, version: Any):
    if version is not None:
        response.headers["ETag"] = f'"{version}"'
    return response


def list_records(entity: str):
    """One page of records: filters ``?field=``/``?field__op=``, ``?q=``, ``?sort=``, ``?fields=``, ``?limit=``."""
    meta = _entity(entity)
    args = request.args
    bad = [key for key, value in args.items(multi=True) if has_nul(key) or has_nul(value)]
    if bad:
        raise ApiError(400, "invalid_query", "a parameter contains a NUL character",
                       fields={bad[0]: "must not contain a NUL character"})
    fields = None
    if args.get("fields"):
        fields = [name.strip() for name in args["fields"].split(",") if name.strip()]
        unknown = [name for name in fields if name not in meta.fields and name not in SYSTEM_FIELDS]
        if unknown:
            raise ApiError(400, "invalid_query", "unknown fields", fields={"fields": f"unknown field '{unknown[0]}'"})
    try:
        limit = int(args.get("limit") or min(meta.list.page_size, MAX_LIMIT))
    except ValueError:
        raise ApiError(400, "invalid_query", "bad limit", fields={"limit": "must be a whole number"}) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, "invalid_query", "bad limit", fields={"limit": f"must be between 1 and {MAX_LIMIT}"})
    query = _records().query(entity)
    filters = {key: value for key, value in args.items() if key not in LIST_PARAMETERS}
    _check_filter_numbers(meta, filters)
    if filters:
        query = query.filter(filters)
    if args.get("q"):
        query = query.search(args["q"])
    if args.get("sort"):
        query = query.order_by(args["sort"])
    page = query.page(size=limit, cursor=args.get("cursor") or None, direction="next")
    following = None
    if page.next_cursor:
        following = _link(url_for("api.list_records", entity=entity,
                                  **{**args.to_dict(), "cursor": page.next_cursor}))
    return jsonify({"data": [record_json(meta, row, fields) for row in page.rows], "next": following,
                    "count": page.count, "count_capped": page.count_capped})


def _link(path: str) -> str:
    """``path`` on the ``BASE_URL`` setting, or as it is (relative): never on the request's Host header,
    which any client may forge."""
    base = str(current_app.config.get("BASE_URL") or "").rstrip("/")
    return base + path


def create_record(entity: str):
    """Create a record from a JSON object; 201 with ``Location``."""
    meta = _entity(entity)
    svc = _records()
    record = svc.create(entity, record_input(meta, _body()))
    response = jsonify(_shown(svc, meta, record))
    response.status_code = 201
    response.headers["Location"] = _link(url_for("api.get_record", entity=entity, record_id=record.id))
    return _with_etag(response, record.version)


def get_record(entity: str, record_id: int):
    """One record, with ``ETag: "<version>"``."""
    meta = _entity(entity)
    svc = _records()
    try:
        row = _read_row(svc, meta, record_id)
    except PermissionDenied:
        row = None
    if row is None:
        # Not found, not readable, or hidden by a record rule the query cannot put in SQL:
        # the record service decides (NotFound, or the record without link names), as before.
        record = svc.get(entity, record_id)
        return _with_etag(jsonify(_shown(svc, meta, record)), record.version)
    return _with_etag(jsonify(record_json(meta, row)), row.version)


def _if_match() -> Any:
    """The version in ``If-Match`` (``"3"``, ``W/"3"`` or ``3``); None when absent or ``*``."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    raw = raw.removeprefix("W/").strip('"')
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise ApiError(412, "precondition_failed", "If-Match must carry the record's version")
    return int(raw)


def update_record(entity: str, record_id: int):
    """Change some fields; ``If-Match: <version>`` (or ``version`` in the body) guards against stale writes."""
    meta = _entity(entity)
    svc = _records()
    values = record_input(meta, _body())
    body_version = values.pop("version", None)
    expected = _if_match()
    try:
        record = svc.update(entity, record_id, values,
                            expected_version=expected if expected is not None else body_version)
    except ConflictError as e:
        if expected is None:
            raise
        raise ApiError(412, "precondition_failed", "the record's version is not the one in If-Match",
                       current=plain(e.current or {})) from None
    return _with_etag(jsonify(_shown(svc, meta, record)), record.version)


def delete_record(entity: str, record_id: int):
    """Delete a record: 204."""
    _entity(entity)
    _records().delete(entity, record_id)
    return "", 204


def transition(entity: str, record_id: int, name: str):
    """Move a record along its workflow; the body may set other fields (and ``version``)."""
    meta = _entity(entity)
    svc = _records()
    values = record_input(meta, _body())
    body_version = values.pop("version", None)
    expected = _if_match()
    try:
        record = svc.transition(entity, record_id, name, values,
                                expected_version=expected if expected is not None else body_version)
    except ConflictError as e:
        if expected is None:
            raise
        raise ApiError(412, "precondition_failed", "the record's version is not the one in If-Match",
                       current=plain(e.current or {})) from None
    return _with_etag(jsonify(_shown(svc, meta, record)), record.version)


def history(entity: str, record_id: int):
    """The record's field history, oldest first."""
    _entity(entity)
    changes = _records().history(entity, record_id)
    return jsonify({"data": [plain({"field": c.field, "old": c.old, "new": c.new, "user": c.user_id,
                                    "at": c.at, "channel": c.channel, "actor": c.actor}) for c in changes]})
