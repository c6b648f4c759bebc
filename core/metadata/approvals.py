"""A transition's ``approval:``: levels of approvers it needs before it runs.

```yaml
approve:
  from: submitted
  to: approved
  approval:
    on_reject: refuse                     # optional: the transition a rejection runs
    levels:
      - name: manager
        approvers: [{manager_chain: {via: employee, entity: employee, manager: manager, user: user}}]
        escalate_after: {hours: 24}       # or {working_hours: 16, calendar: office}
        escalate_to: [{manager_chain: {via: employee, entity: employee, manager: manager, user: user, up: 2}}]
      - name: hr
        when: "days > 10"                 # the level is skipped when false
        approvers: [{role: hr_manager}]
        required: 1                       # k of the approvers must approve (parallel k-of-n)
```

An approver is ``{role: name}`` (anyone holding the role), ``{field: name}`` (the user
in a ``user`` field of the record) or ``{manager_chain: {...}}`` (the user of the
employee ``up`` steps above the record's, along a self-link like the record rule of
the same name). Levels run in sequence; the transition runs when the last one is
approved. Built when the YAML loads, so every mistake is a ``trellis check`` error with
its file and line.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from trellis.expr import Expression
from trellis.metadata.model import Entity, Label, Source
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import NAME, Reader, kind_of
from trellis.metadata.yaml_loader import YList, YMap

APPROVAL_KEYS = ("levels", "on_reject")
LEVEL_KEYS = ("name", "label", "approvers", "required", "when", "escalate_after", "escalate_to")
CHAIN_KEYS = ("via", "entity", "manager", "user", "up")
TIMEOUT_KEYS = ("hours", "working_hours", "calendar")
MAX_LEVELS = 10
MAX_UP = 20
MAX_HOURS = 24 * 366


@dataclass(frozen=True)
class Approver:
    """Who may approve: holders of ``role``, the user in ``field``, or a manager ``up`` steps along a chain.

    For ``kind == "manager_chain"``: the record's ``via`` link (or the record itself when
    ``via`` is empty) names a row of ``entity``; its ``manager`` link is followed ``up``
    times and the ``user`` field of the row reached is the approver.
    """

    kind: str                     # role, field, manager_chain
    role: str = ""
    field: str = ""
    via: str = ""
    entity: str = ""
    manager: str = ""
    user: str = ""
    up: int = 1
    source: Source | None = None


@dataclass(frozen=True)
class Timeout:
    """How long a level waits before it escalates: ``hours`` on the clock, or on a business calendar."""

    hours: float
    working: bool = False
    calendar: str | None = None


@dataclass(frozen=True)
class ApprovalLevel:
    """One step of an approval: ``required`` distinct approvers among ``approvers`` must approve."""

    name: str
    label: Label = field(default_factory=dict)
    approvers: tuple[Approver, ...] = ()
    required: int = 1
    when: Expression | None = None
    escalate_after: Timeout | None = None
    escalate_to: tuple[Approver, ...] = ()


@dataclass(frozen=True)
class Approval:
    """The levels a transition needs, in order, and the transition a rejection runs (if any)."""

    levels: tuple[ApprovalLevel, ...]
    on_reject: str | None = None
    source: Source | None = None
    on_reject_at: Source | None = None


def build_approval(spec: YMap, what: str, entity: Entity, entities: dict[str, Entity], roles: Collection[str],
                   names: Collection[str], reader: Reader) -> Approval | None:
    """The ``approval:`` of a transition (``spec`` is the transition's mapping); None when absent or broken.

    ``on_reject`` is checked against the workflow's transitions by the caller, which knows them all.
    """
    body = reader.mapping(spec, "approval", what)
    if body is None:
        return None
    where = f"'approval' of {what}"
    reader.keys(body, APPROVAL_KEYS, where)
    items = body.get("levels")
    if not isinstance(items, YList) or not items:
        reader.error(body.value_at("levels") if "levels" in body else body.source,
                     f"{where} needs 'levels': a list of at least one level like {{approvers: [{{role: manager}}]}}")
        return None
    if len(items) > MAX_LEVELS:
        reader.error(body.value_at("levels"), f"{where} has {len(items)} levels; at most {MAX_LEVELS}")
        return None
    levels: list[ApprovalLevel] = []
    for index, item in enumerate(items):
        level = _level(item, items.item_at(index), index, where, entity, entities, roles, names, reader)
        if level is not None:
            if any(other.name == level.name for other in levels):
                reader.error(item.value_at("name"), f"{where}: two levels are called '{level.name}'")
            levels.append(level)
    on_reject = reader.text(body, "on_reject", where)
    if len(levels) != len(items):
        return None
    return Approval(tuple(levels), on_reject, body.source, body.value_at("on_reject") if on_reject else None)


def _level(item, at: Source, index: int, where: str, entity: Entity, entities, roles, names,
           reader: Reader) -> ApprovalLevel | None:
    if not isinstance(item, YMap):
        reader.error(at, f"level {index + 1} of {where} must be a mapping like {{approvers: [{{role: manager}}]}}, "
                         f"not {kind_of(item)}")
        return None
    name = reader.text(item, "name", where) or f"level_{index + 1}"
    if not NAME.match(name):
        reader.error(item.value_at("name"), f"level name '{name}' of {where} must be a name "
                                            f"(lower-case letters, digits, '_')")
        return None
    what = f"level '{name}' of {where}"
    reader.keys(item, LEVEL_KEYS, what)
    approvers = _approvers(item, "approvers", what, entity, entities, roles, reader, required=True)
    escalate_to = _approvers(item, "escalate_to", what, entity, entities, roles, reader)
    required = reader.integer(item, "required", what, minimum=1)
    if required is not None and required > 50:
        reader.error(item.value_at("required"), f"'required' of {what} must be at most 50")
        required = None
    timeout = _timeout(item, what, reader)
    if timeout is not None and not escalate_to:
        reader.error(item.value_at("escalate_after"), f"{what} has 'escalate_after' but no 'escalate_to': "
                                                      f"say who the level goes to when it times out")
    when = reader.expression(item, "when", what, names)
    if approvers is None or escalate_to is None:
        return None
    return ApprovalLevel(name, reader.label(item, "label", what), approvers, required or 1, when, timeout,
                         escalate_to)


def _approvers(item: YMap, key: str, what: str, entity: Entity, entities, roles, reader: Reader,
               required: bool = False) -> tuple[Approver, ...] | None:
    value = item.get(key)
    if value is None:
        if required:
            reader.error(item.source, f"{what} needs '{key}': a list like [{{role: manager}}, {{field: owner}}]")
            return None
        return ()
    if not isinstance(value, YList) or not value:
        reader.error(item.value_at(key), f"'{key}' of {what} must be a list like [{{role: manager}}], "
                                         f"not {kind_of(value)}")
        return None
    found = []
    for index, spec in enumerate(value):
        approver = _approver(spec, value.item_at(index), f"'{key}' of {what}", entity, entities, roles, reader)
        if approver is None:
            return None
        found.append(approver)
    return tuple(found)


def _approver(spec, at: Source, what: str, entity: Entity, entities: dict[str, Entity], roles,
              reader: Reader) -> Approver | None:
    if not isinstance(spec, YMap) or len(spec) != 1:
        reader.error(at, f"each of {what} must be one of {{role: ...}}, {{field: ...}}, {{manager_chain: {{...}}}}, "
                         f"not {kind_of(spec)}")
        return None
    kind = next(iter(spec))
    if kind == "role":
        role = reader.text(spec, "role", what, required=True)
        if role is not None and role not in roles:
            reader.error(spec.value_at("role"), f"{what}: unknown role '{role}'{did_you_mean(role, roles)}")
            return None
        return Approver("role", role=role, source=at) if role else None
    if kind == "field":
        name = reader.text(spec, "field", what, required=True)
        found = entity.fields.get(name) if name else None
        if found is None or found.type != "user":
            reader.error(spec.value_at("field"), f"{what}: '{name}' is not a user field of '{entity.name}'"
                                                 f"{did_you_mean(str(name), entity.fields)}")
            return None
        return Approver("field", field=name, source=at)
    if kind == "manager_chain":
        return _chain(spec, what, entity, entities, reader)
    reader.error(spec.key_at(kind), f"{what}: unknown approver '{kind}' (known: role, field, manager_chain)"
                                    f"{did_you_mean(str(kind), ('role', 'field', 'manager_chain'))}")
    return None


def _chain(spec: YMap, what: str, entity: Entity, entities: dict[str, Entity], reader: Reader) -> Approver | None:
    body = reader.mapping(spec, "manager_chain", what, required=True)
    if body is None:
        return None
    where = f"'manager_chain' of {what}"
    reader.keys(body, CHAIN_KEYS, where)
    via = reader.text(body, "via", where, default="")
    target_name = reader.text(body, "entity", where, required=True)
    manager = reader.text(body, "manager", where, required=True)
    user = reader.text(body, "user", where, required=True)
    up = reader.integer(body, "up", where, minimum=1)
    if up is not None and up > MAX_UP:
        reader.error(body.value_at("up"), f"'up' of {where} must be at most {MAX_UP}")
        return None
    target = entities.get(target_name or "")
    if target is None:
        reader.error(body.value_at("entity"), f"{where} names unknown entity '{target_name}'"
                                              f"{did_you_mean(str(target_name), entities)}")
        return None
    if via:
        link = entity.fields.get(via)
        if link is None or link.type != "link" or link.to != target.name:
            reader.error(body.value_at("via"), f"{where}: 'via' must be a link field of '{entity.name}' to "
                                               f"'{target.name}'{did_you_mean(via, entity.fields)}")
            return None
    elif entity.name != target.name:
        reader.error(body.source, f"{where} needs 'via': the link of '{entity.name}' to '{target.name}'")
        return None
    up_link = target.fields.get(manager or "")
    if up_link is None or up_link.type != "link" or up_link.to != target.name:
        reader.error(body.value_at("manager"), f"{where}: 'manager' must be a link of '{target.name}' to itself"
                                               f"{did_you_mean(str(manager), target.fields)}")
        return None
    user_field = target.fields.get(user or "")
    if user_field is None or user_field.type not in ("user", "link") or \
            (user_field.type == "link" and user_field.to != "user"):
        reader.error(body.value_at("user"), f"{where}: 'user' must be a user field of '{target.name}'"
                                            f"{did_you_mean(str(user), target.fields)}")
        return None
    return Approver("manager_chain", via=via, entity=target.name, manager=manager, user=user, up=up or 1,
                    source=body.source)


def _timeout(item: YMap, what: str, reader: Reader) -> Timeout | None:
    body = reader.mapping(item, "escalate_after", what)
    if body is None:
        return None
    where = f"'escalate_after' of {what}"
    reader.keys(body, TIMEOUT_KEYS, where)
    kinds = [key for key in ("hours", "working_hours") if key in body]
    if len(kinds) != 1:
        reader.error(body.source, f"{where} needs one of 'hours' or 'working_hours'")
        return None
    value = body[kinds[0]]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_HOURS:
        reader.error(body.value_at(kinds[0]), f"'{kinds[0]}' of {where} must be a number of hours above 0 "
                                              f"and at most {MAX_HOURS}, not {value!r}")
        return None
    calendar = reader.text(body, "calendar", where)
    if calendar is not None and kinds[0] != "working_hours":
        reader.error(body.value_at("calendar"), f"'calendar' of {where} goes with 'working_hours'")
    return Timeout(float(value), kinds[0] == "working_hours", calendar)


APPROVER_SCHEMA = {"type": "object", "minProperties": 1, "maxProperties": 1, "properties": {
    "role": {"type": "string"}, "field": {"type": "string"},
    "manager_chain": {"type": "object", "additionalProperties": False, "required": ["entity", "manager", "user"],
                      "properties": {"via": {"type": "string"}, "entity": {"type": "string"},
                                     "manager": {"type": "string"}, "user": {"type": "string"},
                                     "up": {"type": "integer", "minimum": 1, "maximum": MAX_UP}}}},
    "additionalProperties": False}


def approval_schema(label: dict, expression: dict) -> dict:
    """The JSON Schema of ``approval:`` (for ``trellis schema``), with the shared label and expression schemas."""
    approvers = {"type": "array", "minItems": 1, "items": APPROVER_SCHEMA}
    timeout = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
        "hours": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_HOURS},
        "working_hours": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_HOURS},
        "calendar": {"type": "string"}}}
    level = {"type": "object", "additionalProperties": False, "required": ["approvers"], "properties": {
        "name": {"type": "string"}, "label": label, "approvers": approvers,
        "required": {"type": "integer", "minimum": 1, "maximum": 50}, "when": expression,
        "escalate_after": timeout, "escalate_to": approvers}}
    return {"type": "object", "additionalProperties": False, "required": ["levels"], "properties": {
        "levels": {"type": "array", "minItems": 1, "maxItems": MAX_LEVELS, "items": level},
        "on_reject": {"type": "string"}}}
