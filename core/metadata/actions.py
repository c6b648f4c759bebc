"""Actions of transitions and automations: ``- create: {entity: task, set: {...}}``.

An action is a mapping whose first key is its kind. Its options are the kind's
value when that is a mapping; a plain value is the kind's main option
(``create: order`` means ``{entity: order}``), and any further keys of the same
mapping are more options (``{create: order, set: {...}}``). Values under ``set``
(and ``to`` of ``email``/``assign``) are expressions, compiled here once. A plugin's
kind is checked against its ``options_schema``: the keys of ``properties`` (when
``additionalProperties`` is false), ``required`` keys, and each string's ``pattern``
(its ``description`` says what is expected).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from trellis.metadata.fields import EXPRESSION_NAMES
from trellis.metadata.model import ActionSpec, Entity
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import NAME, Reader, kind_of
from trellis.metadata.yaml_loader import YList, YMap, plain

BUILTIN_ACTIONS = ("set", "create", "email", "webhook", "assign")
OFFSET = re.compile(r"^[+-]?\d{1,4}[mhdw]$")   # time offsets of automations: 3d, -1d, 2h, 30m, 1w


@dataclass(frozen=True)
class Declared:
    """What the loader knows of an action kind: the options it accepts (None: any), its main option,
    and a JSON Schema of its options whose keys, required keys and patterns are checked (None: none)."""

    keys: tuple[str, ...] | None = None
    main: str | None = None
    options_schema: dict[str, Any] | None = None


BUILTIN_OPTIONS: dict[str, Declared] = {
    "set": Declared(),
    "create": Declared(("entity", "set"), "entity"),
    "email": Declared(("to", "template", "subject", "cc", "body"), "template"),
    "webhook": Declared(("url", "method", "fields", "secret"), "url"),
    "assign": Declared(("to",), "to"),
}
"""The built-in kinds' options: the built-in plugin's ``Action`` objects carry these (``keys``, ``main``)."""


def known_kinds(added: Iterable[Any] = ()) -> dict[str, Any]:
    """Action kind -> its declaration (``keys``, ``main``): the built-in kinds, then ``added``.

    ``added`` holds ``trellis.Action`` objects (from ``actions()`` hooks) or bare names, or
    maps names to their options' JSON Schema.
    """
    kinds: dict[str, Any] = dict(BUILTIN_OPTIONS)
    if isinstance(added, Mapping):
        kinds.update({name: Declared(options_schema=schema) for name, schema in added.items()})
        return kinds
    for kind in added:
        if isinstance(kind, str):
            kinds.setdefault(kind, Declared())
        else:
            kinds[kind.name] = kind
    return kinds


def build_actions(container: YMap, entity: Entity, entities: dict[str, Entity], kinds: dict[str, Any],
                  reader: Reader, what: str) -> list[ActionSpec]:
    """The actions listed under ``container['actions']`` for records of ``entity``; ``kinds`` as
    :func:`known_kinds` returns (an ``Action``'s ``keys`` and ``main`` are checked here)."""
    items = container.get("actions")
    if items is None:
        return []
    if not isinstance(items, YList):
        reader.error(container.value_at("actions"), f"'actions' of {what} must be a list like [{{set: {{...}}}}]")
        return []
    actions = []
    for index, item in enumerate(items):
        at = items.item_at(index)
        if not isinstance(item, YMap) or not item:
            reader.error(at, f"an action of {what} must be a mapping like {{set: {{field: expression}}}}, "
                             f"not {kind_of(item)}")
            continue
        kind = next(iter(item))
        if kind not in kinds:
            reader.error(item.key_at(kind), f"unknown action '{kind}' in {what} (known: {', '.join(kinds)})"
                                            f"{did_you_mean(kind, kinds)}")
            continue
        declared = kinds[kind]
        options = _options(item, kind, getattr(declared, "main", None), reader, what)
        if options is None:
            continue
        action = ActionSpec(kind, plain(options), item.source)
        _check(action, options, declared, entity, entities, reader, f"action '{kind}' of {what}")
        actions.append(action)
    return actions


def _options(item: YMap, kind: str, main: str | None, reader: Reader, what: str) -> Any:
    value = item[kind]
    rest = [key for key in item if key != kind]
    if isinstance(value, YMap):
        if rest:
            reader.error(item.key_at(rest[0]), f"action '{kind}' of {what}: put '{rest[0]}' inside '{kind}: {{...}}'")
            return None
        return value
    options = YMap(item.source)
    if value is not None:
        options.put(main or "value", value, item.key_at(kind), item.value_at(kind))
    for key in rest:
        options.put(key, item[key], item.key_at(key), item.value_at(key))
    return options


def _check(action: ActionSpec, options: YMap, declared: Any, entity: Entity,
           entities: dict[str, Entity], reader: Reader, what: str) -> None:
    """Check one action's options: its kind's ``keys``, then what the kind means (``declared`` as
    :func:`known_kinds` gives it: a ``Declared`` or a plugin's ``trellis.Action``)."""
    names = frozenset(entity.fields) | frozenset(EXPRESSION_NAMES)
    keys = getattr(declared, "keys", None)
    if keys is not None:
        reader.keys(options, keys, what)
    target = entity
    if action.kind == "set":
        _set(action, options, "", entity, names, reader, what)
        return
    if action.kind == "create":
        name = reader.text(options, "entity", what, required=True)
        if name is None:
            return
        if name not in entities:
            reader.error(options.value_at("entity"), f"{what} names unknown entity '{name}'"
                                                     f"{did_you_mean(name, entities)}")
            return
        target = entities[name]
        values = reader.mapping(options, "set", what)
        if values is not None:
            _set(action, values, "set.", target, names, reader, what)
    elif action.kind in ("email", "assign") and "to" in options:
        expression = reader.expression(options, "to", what, names)
        if expression is not None:
            action.expressions["to"] = expression
    elif action.kind == "webhook":
        reader.text(options, "url", what, required=True)
        secret = reader.text(options, "secret", what)
        if secret is not None and not NAME.match(secret):
            reader.error(options.value_at("secret"), f"'secret' of {what} names a stored secret (lower-case "
                                                     "letters, digits and '_'); the value itself never goes in YAML")
    elif isinstance(getattr(declared, "options_schema", None), dict):
        _check_schema(options, declared.options_schema, reader, what)


def _check_schema(options: YMap, schema: dict[str, Any], reader: Reader, what: str) -> None:
    """The part of a plugin action's JSON Schema that ``trellis check`` reports with a line."""
    properties = schema.get("properties") or {}
    if schema.get("additionalProperties") is False:
        reader.keys(options, tuple(properties), what)
    for name in schema.get("required") or ():
        reader.require(options, name, what)
    for name, rule in properties.items():
        value = options.get(name)
        if name not in options or not isinstance(rule, dict) or "pattern" not in rule:
            continue
        if not isinstance(value, str) or not re.search(rule["pattern"], value):
            expected = rule.get("description") or f"text matching {rule['pattern']}"
            reader.error(options.value_at(name), f"'{name}' of {what} must be {expected}, not {kind_of(value)}")


def _set(action: ActionSpec, values: YMap, prefix: str, target: Entity, names: frozenset[str], reader: Reader,
         what: str) -> None:
    """``{field: expression}``: fields of ``target``, expressions over the triggering record's ``names``."""
    for field, value in values.items():
        if field not in target.fields:
            reader.error(values.key_at(field), f"{what} sets unknown field '{field}' of '{target.name}'"
                                               f"{did_you_mean(str(field), target.fields)}")
            continue
        if isinstance(value, bool) or value is None:
            continue  # a literal true/false/empty is written as is
        expression = reader.compile(value, values.value_at(field), f"'{field}' of {what}", names)
        if expression is not None:
            action.expressions[f"{prefix}{field}"] = expression
