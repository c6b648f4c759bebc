"""The JSON Schema (draft 2020-12) of the metadata YAML, printed by ``trellis schema`` for editors.

It describes the shape (keys, value kinds, enumerations) so that an editor can
autocomplete and underline typos. What needs the whole model (a link's target
exists, a state is an option of its field, expressions compile) is checked by
``trellis check`` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trellis.metadata.actions import BUILTIN_ACTIONS
from trellis.metadata.approvals import approval_schema
from trellis.metadata.automations import EVENTS
from trellis.metadata.field_types import BUILTIN_FIELD_TYPES, COMMON_KEYS, ON_DELETE
from trellis.metadata.model import BUCKETS, CHARTS, LEVELS, MEASURE_FUNCTIONS, SIZES, FieldType
from trellis.metadata.reading import LOCALES

NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}
EXPRESSION = {"type": ["string", "number"], "description": "an expression, e.g. \"amount * probability / 100\""}
LABEL = {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": False,
                                        "properties": {locale: {"type": ["string", "number"]} for locale in LOCALES}}]}
NAMES = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}


def _closed(properties: dict[str, Any], required: tuple[str, ...] = (), **more: Any) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "additionalProperties": False, **more}
    if required:
        schema["required"] = list(required)
    return schema


def _field(extending: bool, extra_types: tuple[FieldType, ...]) -> dict[str, Any]:
    options = sorted({key for t in BUILTIN_FIELD_TYPES for key in t.options})
    scalar = {"type": ["string", "number", "boolean", "null"]}
    properties: dict[str, Any] = {
        "type": {"type": "string", "description": "a field type",
                 "examples": list(dict.fromkeys(t.name for t in (*BUILTIN_FIELD_TYPES, *extra_types)))},
        "label": LABEL, "help": LABEL, "required": {"type": "boolean"}, "readonly": {"type": "boolean"},
        "unique": {"type": "boolean"}, "index": {"type": "boolean"}, "calendar": {"type": "boolean"},
        "history": {"type": "boolean", "description": "false: changes of this field write no history rows"},
        "default": {}, "min": scalar, "max": scalar, "max_length": {"type": "integer", "minimum": 1},
        "options": {"type": "array", "minItems": 1, "items": {"oneOf": [
            {"type": ["string", "integer"]}, {"type": "object", "minProperties": 1, "maxProperties": 1,
                                              "additionalProperties": LABEL}]}},
        "to": NAME, "via": NAME, "on_delete": {"enum": list(ON_DELETE)}, "currency": {"type": "string"},
        "compute": EXPRESSION, "visible": EXPRESSION, "required_if": EXPRESSION,
        "rollup": _closed({"from": {"type": "string", "pattern": "^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$"},
                           "sum": {"type": "string"}, "count": {"type": ["string", "boolean"]},
                           "min": {"type": "string"}, "max": {"type": "string"}, "avg": {"type": "string"},
                           "where": EXPRESSION}, ("from",)),
    }
    assert set(properties) >= set(COMMON_KEYS) | set(options), "every YAML key needs a schema entry"
    for field_type in extra_types:  # a plugin type's own options: any value, its coerce() checks them
        for key in field_type.options:
            properties.setdefault(key, {"description": f"option of the plugin field type '{field_type.name}'"})
    return {"oneOf": [{"type": "string", "description": "shorthand: the type"},
                      _closed(properties, () if extending else ("type",))]}


def _entity(key: str, extra_types: tuple[FieldType, ...]) -> dict[str, Any]:
    form_block = {"type": "object", "properties": {
        "section": LABEL, "tab": LABEL,
        "fields": {"type": "array", "items": {"oneOf": [{"type": "string"},
                                                        {"type": "array", "items": {"type": "string"}}]}},
        "lines": {"type": "string", "description": "a child entity edited as a grid of lines in this block"},
        "columns": NAMES, "order": {"type": "string"}},
        "additionalProperties": False, "oneOf": [{"required": ["section"]}, {"required": ["tab"]}]}
    properties = {
        key: NAME, "label": LABEL, "plural": LABEL, "title": {"type": "string"}, "icon": {"type": "string"},
        "fields": {"type": "object", "propertyNames": NAME,
                   "additionalProperties": _field(key == "extends", extra_types)},
        "rules": {"type": "array", "items": _closed({"check": EXPRESSION, "message": LABEL,
                                                     "field": {"type": "string"}}, ("check",))},
        "indexes": {"type": "array", "items": NAMES},
        "search": NAMES,
        "list": _closed({"columns": NAMES, "order": NAMES, "page_size": {"type": "integer", "minimum": 1}}),
        "form": {"type": "array", "items": form_block},
        "kanban": _closed({"group_by": {"type": "string"}, "card": NAMES, "sum": {"type": "string"}}, ("group_by",)),
        "calendar": _closed({"color": {"type": "string"}, "done": {"type": "string"}}),
        "header": _closed({"subtitle": NAMES, "facts": NAMES}),
        "dedupe": {"type": "array", "items": _closed({"match": NAMES, "fuzzy": {"type": "boolean"}}, ("match",))},
        "attached_to": _closed({"entity": {"type": "string"}, "record": {"type": "string"}}, ("entity", "record")),
        "menu": {"type": "boolean"},
        "history": {"type": "boolean", "description": "false: creating and changing records write no history rows"},
        "owner_field": {"type": "string", "description": "the user field naming each record's owner, for the "
                                                         "roles' 'own' and 'team' (default: a user field 'owner', "
                                                         "else the creator)"},
    }
    return _closed(properties, (key,) if key == "extends" else (key, "fields"))


def _actions() -> dict[str, Any]:
    action = {"type": "object", "minProperties": 1,
              "description": "the first key is the kind: " + ", ".join(BUILTIN_ACTIONS) + " (plugins add more)"}
    return {"type": "array", "items": action}


def _workflow(extending: bool = False) -> dict[str, Any]:
    """A workflow, or (``extending``) an ``extends:`` of one: states may be placed, nothing is required."""
    state_keys = {"label": LABEL, "final": {"type": "boolean"}, "won": {"type": "boolean"},
                  "lost": {"type": "boolean"}}
    if extending:
        state_keys.update(after=NAME, before=NAME)
    # A state may also carry the keys its workflow declares under ``state_keys`` (checked by ``trellis check``).
    scalar = {"type": ["integer", "number", "boolean", "string"]}
    state = {"oneOf": [{"type": "null"}, {"type": "object", "properties": state_keys, "additionalProperties": scalar}]}
    transition = _closed({"from": NAMES, "to": {"type": "string"}, "label": LABEL, "when": EXPRESSION,
                          "roles": NAMES, "require": NAMES, "actions": _actions(),
                          "approval": approval_schema(LABEL, EXPRESSION)}, () if extending else ("from", "to"))
    extra = {"type": "object", "propertyNames": NAME,
             "additionalProperties": {"enum": ["integer", "number", "boolean", "text"]}}
    body = {"label": LABEL, "state_keys": extra, "states": {"type": "object", "additionalProperties": state},
            "transitions": {"type": "object", "propertyNames": NAME, "additionalProperties": transition}}
    if extending:
        return _closed({"extends": NAME, **body}, ("extends",))
    return _closed({"workflow": NAME, "entity": NAME, "field": NAME, **body}, ("workflow", "entity", "field"))


def _automation() -> dict[str, Any]:
    events = {"enum": list(EVENTS)}
    trigger = _closed({"on": {"oneOf": [events, {"type": "array", "items": events}]}, "fields": NAMES,
                       "transitions": NAMES, "schedule": {"type": "string", "description": "cron: m h dom mon dow"},
                       "date_field": {"type": "string"}, "every": {"enum": ["year"]},
                       "offset": {"type": "string", "pattern": "^[+-]?\\d{1,4}[mhdw]$"},
                       "at": {"type": "string", "pattern": "^([01]\\d|2[0-3]):[0-5]\\d$"}})
    return _closed({"automation": NAME, "entity": NAME, "label": LABEL, "trigger": trigger, "when": EXPRESSION,
                    "actions": _actions(), "blocking": {"type": "boolean"}, "enabled": {"type": "boolean"}},
                   ("automation", "entity", "trigger", "actions"))


def _roles() -> dict[str, Any]:
    level = {"oneOf": [{"enum": list(LEVELS)}, {"type": "boolean"}]}
    permission = {"oneOf": [{"type": "boolean"}, _closed({
        "read": level, "write": level, "delete": level, "create": {"type": "boolean"},
        "fields": {"type": "object", "additionalProperties": {"enum": ["read", "write", "none"]}},
        "rules": {"oneOf": [EXPRESSION, {"type": "array", "items": {"oneOf": [EXPRESSION, _manager_chain()]}}]}})]}
    role = {"type": "object", "properties": {"label": LABEL}, "additionalProperties": permission}
    return _closed({"roles": {"type": "object", "propertyNames": NAME, "additionalProperties": role}}, ("roles",))


def _manager_chain() -> dict[str, Any]:
    """A ``manager_chain`` record rule: the record's person reports to the viewer (trellis.security.chain_rules)."""
    chain = _closed({"entity": NAME, "manager": NAME, "user": NAME, "via": NAME, "self": {"type": "boolean"},
                     "reports": {"type": "boolean"}}, ("entity", "manager", "user"))
    return _closed({"manager_chain": chain}, ("manager_chain",))


def _dashboard(extending: bool = False) -> dict[str, Any]:
    """A dashboard, or (``extending``) an ``extends:`` of one: widgets and roles are added, nothing is required."""
    widget = {"oneOf": [{"type": "string", "description": "a widget name from a plugin's dashboard_widgets()"},
                        _closed({"widget": {"type": "string"}, "title": LABEL, "size": {"enum": list(SIZES)}},
                                ("widget",)),
                        _closed({"report": NAME, "title": LABEL, "size": {"enum": list(SIZES)}}, ("report",))]}
    key = "extends" if extending else "dashboard"
    return _closed({key: NAME, "label": LABEL, "widgets": {"type": "array", "items": widget},
                    "roles": NAMES}, (key,) if extending else (key, "widgets"))


def _report(extending: bool = False) -> dict[str, Any]:
    """A report, or (``extending``) an ``extends:`` of one: every key replaces, measures and filters merge."""
    group = {"oneOf": [{"type": "string"}, _closed({"field": {"type": "string"}, "bucket": {"enum": list(BUCKETS)}},
                                                   ("field",))]}
    filters = {"type": "object", "description": "the list/API filter language: field or field__op: value"}
    counted = {"oneOf": [{"type": "string"}, {"type": "boolean"}]}
    functions = {name: ({"type": "string"} if name != "count" else counted) for name in MEASURE_FUNCTIONS}
    measure = {"oneOf": [{"const": "count"}, _closed({
        **functions, "ratio": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
        "where": filters, "label": LABEL}, minProperties=1)]}
    key = "extends" if extending else "report"
    return _closed({key: NAME, "label": LABEL, "entity": NAME, "filters": filters,
                    "group_by": {"oneOf": [group, {"type": "array", "items": group, "maxItems": 2}]},
                    "measures": {"type": "object", "additionalProperties": measure},
                    "sort": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                    "chart": {"enum": list(CHARTS)}, "period": {"type": "string"}, "roles": NAMES},
                   (key,) if extending else (key, "entity"))


def metadata_schema(field_types: Iterable[FieldType] = (), kinds: Iterable[Any] = ()) -> dict[str, Any]:
    """One schema accepting each kind of metadata file: entity, extends, workflow, automation, roles, dashboard,
    report, and the plugins' own kinds.

    ``field_types`` are the plugins' field types, whose options become known keys of a field;
    ``kinds`` the plugins' own document kinds (``trellis.MetadataKind``), each with its schema.
    """
    extra = tuple(field_types)
    plugin_kinds = [kind.schema or {"type": "object", "required": [kind.name]} for kind in kinds]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://trellis-crm.invalid/schema/metadata.json",
        "title": "Trellis metadata YAML",
        "description": "An entity, an extension of one (extends), a workflow, an extension of one (extends), "
                       "an automation, roles, a dashboard or a report. Run 'trellis check' for the checks that need "
                       "the whole model.",
        # anyOf: "extends: x" with only a label is both an entity's and a workflow's extension
        "anyOf": [_entity("entity", extra), _entity("extends", extra), _workflow(), _workflow(extending=True),
                  _automation(), _roles(), _dashboard(), _dashboard(extending=True), _report(),
                  _report(extending=True), *plugin_kinds],
    }
