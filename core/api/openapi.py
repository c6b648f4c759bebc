"""The OpenAPI 3.1 document of the API, generated from the metadata on every request.

Per entity: ``<entity>`` (a record as the API returns it), ``<entity>_input`` (what
POST accepts; PATCH accepts the same without ``required``), and paths for every
endpoint in :mod:`trellis.api.views` with their parameters and error answers.
Labels in every locale are kept as ``x-labels``; the English one (or the first)
is the ``description``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app, jsonify
from trellis.data.coerce import MAX_ID
from trellis.metadata.model import Entity, Field
from trellis.runtime import runtime

OPENAPI_VERSION = "3.1.0"
_TEXT = {"type": "string"}
_DECIMAL_OUT = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
_ERRORS = {
    "400": "The query or the JSON body is not valid",
    "401": "No token, or the token is unknown or revoked",
    "403": "The token's scope or the user's permissions do not allow this",
    "404": "No such entity or record (or the user may not read it)",
    "409": "The record was changed since the version given; `current` holds its values",
    "412": "The version in If-Match is not the record's current version",
    "422": "The values are not valid; `fields` says why, per field",
    "429": "Too many requests for this token; see Retry-After",
}


def openapi_view():
    """``GET /api/v1/openapi.json``."""
    return jsonify(document(current_app._get_current_object()))


def docs_view():
    """``GET /api/v1/docs``: the reference page generated from the same document."""
    from trellis.api.docs_page import render

    return render(document(current_app._get_current_object())), 200, {"Content-Type": "text/html; charset=utf-8"}


def document(app) -> dict[str, Any]:
    """The OpenAPI document of ``app``."""
    metadata = runtime(app).metadata
    entities = sorted(metadata.entities.values(), key=lambda e: e.name)
    schemas: dict[str, Any] = {"error": _error_schema()}
    paths: dict[str, Any] = {}
    for entity in entities:
        schemas[entity.name] = _record_schema(metadata, entity)
        schemas[f"{entity.name}_input"] = _input_schema(metadata, entity)
        schemas[f"{entity.name}_list"] = {
            "type": "object", "required": ["data", "next", "count", "count_capped"],
            "properties": {"data": {"type": "array", "items": _ref(entity.name)},
                           "next": {"type": ["string", "null"], "description": "URL of the next page"},
                           "count": {"type": ["integer", "null"]}, "count_capped": {"type": "boolean"}}}
        paths.update(_paths(metadata, entity))
    paths.update(_form_paths(app, metadata))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": f"{app.config.get('SITE_NAME') or 'Trellis'} API", "version": "1",
                 "description": "Records of every entity, through the same permissions as the web UI."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer", "description": "A personal API token (trellis token create)"}},
            "responses": {code: {"description": text, "content": {"application/json": {"schema": _ref("error")}}}
                          for code, text in _ERRORS.items()}},
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_schema() -> dict[str, Any]:
    return {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": _TEXT, "message": _TEXT,
                       "fields": {"type": "object", "additionalProperties": _TEXT},
                       "current": {"type": "object"}}}}}


def _labels(schema: dict[str, Any], label: dict) -> dict[str, Any]:
    if label:
        schema["description"] = str(label.get("en") or next(iter(label.values())))
        schema["x-labels"] = {str(k): str(v) for k, v in label.items()}
    return schema


def _kind(metadata, field: Field):
    """The field's type: the one the metadata loaded under its name, else the field's own."""
    return metadata.field_types.get(field.type) or field.field_type


def output_type(metadata, field: Field) -> dict[str, Any] | None:
    """The JSON schema of ``field``'s value in a response (None: the field has no value of its own)."""
    kind = _kind(metadata, field)
    storage = kind.storage
    if storage in ("children", "none"):
        return None
    if storage == "link":
        return {"type": ["object", "null"], "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {}}}
    if storage == "links":
        return {"type": "array", "items": {"type": "integer"}}
    if kind.display in ("choices", "list"):
        return {"type": ["array", "null"], "items": {"type": "string"}}
    if storage == "json":
        return {}
    if storage == "decimal":
        return {"type": ["string", "null"], **{k: v for k, v in _DECIMAL_OUT.items() if k != "type"}}
    if storage == "integer":
        return {"type": ["integer", "null"]}
    if storage == "boolean":
        return {"type": ["boolean", "null"]}
    if storage == "date":
        return {"type": ["string", "null"], "format": "date"}
    if storage == "datetime":
        return {"type": ["string", "null"], "format": "date-time"}
    schema: dict[str, Any] = {"type": ["string", "null"]}
    if kind.display == "choice" and field.options:
        schema["enum"] = [*field.options, None]
    return schema


def input_type(metadata, field: Field) -> dict[str, Any]:
    """The JSON schema of a value POST/PATCH accepts for ``field``."""
    kind = _kind(metadata, field)
    storage = kind.storage
    from trellis.api.serialize import STORABLE

    largest_id = int(STORABLE["link"])
    if storage == "link":
        return {"type": ["integer", "null"], "minimum": 1, "maximum": largest_id,
                "description": "the linked record's id"}
    if storage == "links":
        return {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": largest_id}}
    if kind.display in ("choices", "list"):
        items: dict[str, Any] = {"type": "string", "minLength": 1}
        if kind.display == "choices" and field.options:
            items = {"enum": list(field.options)}
        return {"type": "array", "items": items, "uniqueItems": True}
    if storage == "json":
        return {}
    if storage in ("integer", "decimal"):
        largest = int(STORABLE[storage])
        number: dict[str, Any] = {"type": "integer" if storage == "integer" else "number",
                                  "minimum": -largest, "maximum": largest}
        for key, bound in (("minimum", field.min), ("maximum", field.max)):
            if isinstance(bound, int | float | Decimal) and not isinstance(bound, bool):
                # JSON Schema wants numbers; a Decimal would reach the document as a string.
                number[key] = int(bound) if bound == int(bound) else float(bound)
        return number
    if storage == "boolean":
        return {"type": "boolean"}
    if storage == "date":
        return {"type": "string", "format": "date"}
    if storage == "datetime":
        return {"type": "string", "format": "date-time"}
    if kind.display == "choice" and field.options:
        return {"enum": list(field.options)}
    text: dict[str, Any] = {"type": "string"}
    if field.max_length:
        text["maxLength"] = field.max_length
    if kind.format:
        text["format"] = kind.format
    return text


def _settable(field: Field) -> bool:
    return not (field.computed or field.readonly or field.rollup is not None or field.storage == "children")


def _record_schema(metadata, entity: Entity) -> dict[str, Any]:
    system = {"id": {"type": "integer", "readOnly": True}, "version": {"type": "integer", "readOnly": True},
              "created_at": {"type": "string", "format": "date-time", "readOnly": True},
              "created_by": {"type": ["integer", "null"], "readOnly": True},
              "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
              "updated_by": {"type": ["integer", "null"], "readOnly": True}}
    properties: dict[str, Any] = dict(system)
    for field in entity.fields.values():
        schema = output_type(metadata, field)
        if schema is None:
            continue
        if not _settable(field):
            schema["readOnly"] = True
        properties[field.name] = _labels(schema, field.label)
    return _labels({"type": "object", "required": ["id", "version"], "properties": properties}, entity.label)


def _input_schema(metadata, entity: Entity) -> dict[str, Any]:
    properties = {f.name: _labels(input_type(metadata, f), f.label)
                  for f in entity.fields.values() if _settable(f) and output_type(metadata, f) is not None}
    required = [f.name for f in entity.fields.values()
                if f.name in properties and f.required and f.default is None and f.default_expr is None]
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _errors(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": f"#/components/responses/{code}"} for code in codes}


def _record_answer(entity: str, status: str = "200", text: str = "The record") -> dict[str, Any]:
    return {status: {"description": text, "headers": {"ETag": {"schema": _TEXT, "description": '"<version>"'}},
                     "content": {"application/json": {"schema": _ref(entity)}}}}


def _paths(metadata, entity: Entity) -> dict[str, Any]:
    name = entity.name
    record_id = {"name": "id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
    if_match = {"name": "If-Match", "in": "header", "required": False, "schema": _TEXT,
                "description": 'The version read (ETag), e.g. "3": a stale write is refused with 412'}
    body = {"required": True, "content": {"application/json": {"schema": _ref(f"{name}_input")}}}
    patch_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": False,
        "properties": {**_input_schema(metadata, entity)["properties"],
                       "version": {"type": "integer", "description": "the version read (or send If-Match)"}}}}}}
    filters = [{"name": f.name, "in": "query", "required": False, "schema": _TEXT,
                "description": f"Equal to (also {f.name}__gte=, __lt=, __in=, __contains=, __isnull= ...)"}
               for f in entity.fields.values() if f.column]
    listing = [
        {"name": "q", "in": "query", "required": False, "schema": _TEXT, "description": "Search words"},
        {"name": "sort", "in": "query", "required": False, "schema": _TEXT,
         "description": "Fields to sort by, '-' for descending: -amount,name"},
        {"name": "fields", "in": "query", "required": False, "schema": _TEXT,
         "description": "Only these fields (comma-separated)"},
        {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1,
                                                                       "maximum": 200}},
        {"name": "cursor", "in": "query", "required": False, "schema": _TEXT,
         "description": "From the previous page's `next`"},
    ]
    tag = [name]
    paths: dict[str, Any] = {
        f"/api/v1/{name}": {
            "get": {"operationId": f"list_{name}", "tags": tag, "summary": f"List {name} records",
                    "parameters": listing + filters,
                    "responses": {"200": {"description": "One page", "content": {
                        "application/json": {"schema": _ref(f"{name}_list")}}},
                        **_errors("400", "401", "403", "429")}},
            "post": {"operationId": f"create_{name}", "tags": tag, "summary": f"Create a {name}",
                     "requestBody": body,
                     "responses": {**_record_answer(name, "201", "Created; Location holds its URL"),
                                   **_errors("400", "401", "403", "422", "429")}},
        },
        f"/api/v1/{name}/{{id}}": {
            "parameters": [record_id],
            "get": {"operationId": f"get_{name}", "tags": tag, "summary": f"Read a {name}",
                    "responses": {**_record_answer(name), **_errors("401", "404", "429")}},
            "patch": {"operationId": f"update_{name}", "tags": tag, "summary": f"Change a {name}",
                      "parameters": [if_match], "requestBody": patch_body,
                      "responses": {**_record_answer(name), **_errors("400", "401", "403", "404", "409", "412",
                                                                       "422", "429")}},
            "delete": {"operationId": f"delete_{name}", "tags": tag, "summary": f"Delete a {name}",
                       "responses": {"204": {"description": "Deleted"},
                                     **_errors("401", "403", "404", "422", "429")}},
        },
        f"/api/v1/{name}/{{id}}/history": {
            "parameters": [record_id],
            "get": {"operationId": f"history_{name}", "tags": tag, "summary": "Field history, oldest first",
                    "responses": {"200": {"description": "Changes", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"data": {"type": "array", "items": {
                            "type": "object", "properties": {"field": _TEXT, "old": {}, "new": {},
                                                             "user": {"type": ["integer", "null"]},
                                                             "at": {"type": "string", "format": "date-time"},
                                                             "channel": {"type": ["string", "null"]},
                                                             "actor": {"type": ["string", "null"]}}}}}}}}},
                        **_errors("401", "404", "429")}},
        },
    }
    for workflow in metadata.workflows.values():
        if workflow.entity != name:
            continue
        for move in workflow.transitions.values():
            paths[f"/api/v1/{name}/{{id}}/transitions/{move.name}"] = {
                "parameters": [record_id],
                "post": {"operationId": f"{name}_{move.name}", "tags": tag,
                         "summary": _labels({}, move.label).get("description") or f"Transition '{move.name}'",
                         "description": f"From {', '.join(move.sources)} to {move.target}",
                         "parameters": [if_match],
                         "requestBody": {"required": False, "content": {"application/json": {"schema": {
                             "type": "object", "description": "Other fields to set in the same write"}}}},
                         "responses": {**_record_answer(name), **_errors("400", "401", "403", "404", "409", "412",
                                                                          "422", "429")}}}
    return paths


def _form_paths(app, metadata) -> dict[str, Any]:
    """``POST /api/v1/forms/<form>`` for each public form of ``API_FORMS`` (no token needed)."""
    paths = {}
    for name, spec in sorted((app.config.get("API_FORMS") or {}).items()):
        entity = metadata.entities.get(spec.get("entity")) if isinstance(spec, dict) else None
        if entity is None:
            continue
        properties = {f: _labels(input_type(metadata, entity.fields[f]), entity.fields[f].label)
                      for f in spec.get("fields") or [] if f in entity.fields}
        # The honeypot is left out: a description naming it would tell a bot which field to leave empty.
        # additionalProperties stays open so that a browser form posting the (empty) trap still fits.
        paths[f"/api/v1/forms/{name}"] = {"post": {
            "operationId": f"form_{name}", "tags": ["forms"], "summary": f"Public form '{name}' ({entity.name})",
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": properties,
                "additionalProperties": bool(spec.get("honeypot"))}}}},
            "responses": {"201": {"description": "Received", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"ok": {"type": "boolean"}}}}}},
                **_errors("400", "422", "429")}}}
    return paths
