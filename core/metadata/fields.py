"""One field's YAML -> a :class:`~trellis.metadata.model.Field`, with every option checked."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from trellis.metadata.field_types import BUILTIN_FIELD_TYPES, COMMON_KEYS, NUMERIC, ON_DELETE, TEMPORAL
from trellis.metadata.model import Field, FieldType, Source
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import NAME, Reader, kind_of
from trellis.metadata.yaml_loader import YList, YMap, plain

SYSTEM_FIELDS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by")
EXPRESSION_NAMES = (*SYSTEM_FIELDS, "current_user")
EXPRESSION_DEFAULT_TYPES = ("date", "datetime", "user")
_BUILTIN_NAMES = frozenset(t.name for t in BUILTIN_FIELD_TYPES)
# Keys that a plugin type's ``options`` may reuse and that land on Field attributes, not in ``extra``.
_FIELD_ATTRIBUTES = {"max_length", "min", "max", "options", "to", "via", "on_delete", "calendar"}
_COMMON_KEYS = frozenset(COMMON_KEYS)
_FLAGS = ("required", "readonly", "unique", "index", "calendar")  # true/false options, all false by default
_EXPRESSIONS = ("compute", "visible", "required_if")


def check_field_name(name: Any, fields: YMap, reader: Reader, entity: str) -> bool:
    """Report a key of ``fields`` that is malformed or reserved as a field name; True when it is usable."""
    if isinstance(name, str) and NAME.match(name) and name not in EXPRESSION_NAMES and not name.endswith("_id"):
        return True
    at, what = fields.key_at(name), f"field name '{name}' of entity '{entity}'"
    if not isinstance(name, str) or not NAME.match(name):
        reader.error(at, f"{what}: use lower-case letters, digits and '_', starting with a letter (at most 63)")
    elif name in EXPRESSION_NAMES:
        reader.error(at, f"{what} is reserved (Trellis adds {', '.join(SYSTEM_FIELDS)} to every entity)")
    else:
        reader.error(at, f"{what} must not end in '_id' (a link field '{name[:-3]}' is stored as '{name}')")
    return False


def build_field(name: str, spec: Any, at: Source, entity: str, names: frozenset[str],
                types: dict[str, FieldType], reader: Reader) -> Field | None:
    """Build field ``name`` of ``entity``; ``names`` are what its expressions may read."""
    what = f"field '{entity}.{name}'"
    if isinstance(spec, str):  # shorthand: ``name: string``
        spec_map = YMap(at)
        spec_map.put("type", spec, at, at)
        spec = spec_map
    if not isinstance(spec, YMap):
        reader.error(at, f"{what} must be a mapping like {{type: string}}, not {kind_of(spec)}")
        return None
    type_name = reader.text(spec, "type", what, required=True)
    if type_name is None:
        return None
    field_type = types.get(type_name)
    if field_type is None:
        reader.error(spec.value_at("type"), f"{what} has unknown type '{type_name}'{did_you_mean(type_name, types)}")
        return None
    # A load builds every field of every entity: the checks below skip the keys a field does not have.
    others = spec.keys() - _COMMON_KEYS
    if others and not others.issubset(field_type.options):
        reader.keys(spec, (*COMMON_KEYS, *field_type.options), f"{what} (type {type_name})")
    field = Field(name=name, type=type_name, source=spec.source, kind=field_type,
                  label=reader.label(spec, "label", what) or {"en": name.replace("_", " ").capitalize()},
                  help=reader.label(spec, "help", what))
    for flag in _FLAGS:
        if flag in spec:
            setattr(field, flag, reader.boolean(spec, flag, what))
    if "history" in spec:  # the one flag that is on by default
        field.history = reader.boolean(spec, "history", what, default=True)
    _options(field, spec, what, reader)
    _relation(field, spec, what, reader)
    if "max_length" in spec:
        field.max_length = reader.integer(spec, "max_length", what, minimum=1)
    if "min" in spec:
        field.min = _bound(field, spec, "min", what, reader)
    if "max" in spec:
        field.max = _bound(field, spec, "max", what, reader)
    ordered = field.type in NUMERIC or field.type in TEMPORAL
    if ordered and field.min is not None and field.max is not None and _comparable(field.min, field.max) \
            and field.min > field.max:
        reader.error(spec.value_at("max"), f"{what}: 'max' ({field.max}) is below 'min' ({field.min})")
    for key in field_type.options:
        if key not in _FIELD_ATTRIBUTES and key in spec:
            field.extra[key] = plain(spec[key])
    for key in _EXPRESSIONS:
        if key in spec:
            setattr(field, key, reader.expression(spec, key, what, names))
    if "default" in spec:
        _default(field, spec, what, names, field_type, reader)
    if field.compute is not None and "rollup" in spec:
        reader.error(spec.key_at("rollup"), f"{what} has both 'compute' and 'rollup'; keep one")
    return field


def _options(field: Field, spec: YMap, what: str, reader: Reader) -> None:
    if field.type in ("selection", "multiselect") and "options" not in spec:
        reader.error(spec.source, f"{what} (type {field.type}) needs 'options: [...]'")
        return
    value = spec.get("options")
    if value is None:
        return
    if not isinstance(value, YList) or not value:
        reader.error(spec.value_at("options"), f"'options' of {what} must be a non-empty list")
        return
    for index, item in enumerate(value):
        at = value.item_at(index)
        label = {}
        if isinstance(item, YMap) and len(item) == 1:  # ``- won: {en: Won, ru: Выиграна}``
            item, label = next(iter(item)), reader.label(item, next(iter(item)), what)
        if isinstance(item, bool):  # YAML 1.1 reads a plain yes/no/on/off as true/false
            reader.error(at, f"option of {what} reads as {str(item).lower()}: put words like yes/no/on/off "
                             "in quotes ('yes')")
            continue
        if not isinstance(item, str | int):
            reader.error(at, f"option of {what} must be a name or {{name: label}}, not {kind_of(item)}")
            continue
        item = str(item)
        if item.startswith("+"):
            reader.error(at, f"option '{item}' of {what}: '+' adds options only in 'extends:' of an existing field")
        elif item in field.options:
            reader.error(at, f"option '{item}' of {what} is listed twice")
        else:
            field.options.append(item)
            if label:
                field.option_labels[item] = label


def _relation(field: Field, spec: YMap, what: str, reader: Reader) -> None:
    if field.type == "user":
        field.to = "user"
    elif field.type in ("link", "links", "children"):
        field.to = reader.text(spec, "to", what, required=True)
    if field.type == "children":
        field.via = reader.text(spec, "via", what, required=True)
    if field.type in ("link", "user"):
        field.on_delete = reader.text(spec, "on_delete", what, default="restrict", choices=ON_DELETE) or "restrict"
        if field.on_delete == "set_null" and field.required:
            reader.error(spec.value_at("on_delete"), f"{what} is required, so 'on_delete' cannot be set_null")


def _bound(field: Field, spec: YMap, key: str, what: str, reader: Reader) -> Any:
    value = spec.get(key)
    if value is None:
        return None
    if field.type in NUMERIC or field.type in TEMPORAL:
        literal = _literal(field, value)
        if literal is not _INVALID:
            return literal
        expected = "a number" if field.type in NUMERIC else f"a {field.type} (e.g. 2024-01-31)"
        reader.error(spec.value_at(key), f"'{key}' of {what} must be {expected}, not {kind_of(value)}")
        return None
    if field.type in _BUILTIN_NAMES:
        return None  # reported as an unknown key of this type
    return value  # a plugin type's own bound; its coerce() knows what it means


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, Decimal)
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (type(a) is type(b) and isinstance(a, date))


_INVALID = object()


def _literal(field: Field, value: Any) -> Any:
    """``value`` as a value of the field's type, or _INVALID."""
    kind = field.type
    if kind in ("string", "text", "html", "email", "phone", "url", "selection"):
        if not isinstance(value, str) or (kind == "selection" and value not in field.options):
            return _INVALID
        return value
    if kind == "integer":
        return value if isinstance(value, int) and not isinstance(value, bool) else _INVALID
    if kind in ("decimal", "money", "percent"):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return _INVALID
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return _INVALID
    if kind == "boolean":
        return value if isinstance(value, bool) else _INVALID
    if kind == "date":
        return value if isinstance(value, date) and not isinstance(value, datetime) else _INVALID
    if kind == "datetime":
        return value if isinstance(value, datetime) else _INVALID
    if kind in ("multiselect", "tags"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return _INVALID
        if kind == "multiselect" and any(v not in field.options for v in value):
            return _INVALID
        return list(value)
    if kind == "json":
        return plain(value)
    return _INVALID


def _default(field: Field, spec: YMap, what: str, names: frozenset[str], field_type: FieldType,
             reader: Reader) -> None:
    value = spec.get("default")
    at = spec.value_at("default")
    if field.type in EXPRESSION_DEFAULT_TYPES and isinstance(value, str):
        field.default_expr = reader.compile(value, at, f"'default' of {what}", names)
        return
    if field.type not in _BUILTIN_NAMES:
        field.default = plain(value)  # a plugin type: its coerce() checks the value when records are saved
        return
    if field.type in ("link", "links", "children", "file"):
        reader.error(at, f"{what}: type {field.type} cannot have a 'default'")
        return
    literal = _literal(field, value)
    if literal is _INVALID:
        hint = ""
        if field.type == "selection":
            hint = f" (one of: {', '.join(field.options)})"
        elif field.type == "user":
            hint = " (write an expression such as \"current_user\")"
        reader.error(at, f"'default' of {what} is not a valid {field.type}: {kind_of(value)}{hint}")
        return
    field.default = literal

