"""``automation:`` documents -> :class:`~trellis.metadata.model.Automation` (trigger, condition, actions)."""

from __future__ import annotations

import re

from trellis.metadata.actions import OFFSET, build_actions
from trellis.metadata.fields import EXPRESSION_NAMES
from trellis.metadata.layers import Document
from trellis.metadata.model import Automation, Entity, Source, Trigger, Workflow
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import NAME, Reader, kind_of
from trellis.metadata.yaml_loader import YMap

AUTOMATION_KEYS = ("automation", "entity", "label", "trigger", "when", "actions", "blocking", "enabled")
TRIGGER_KEYS = ("on", "fields", "transitions", "schedule", "date_field", "every", "offset", "at")
EVENTS = ("create", "update", "delete", "transition")
EVERY = ("year",)
AT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# minute, hour, day of month, month, day of week (0 and 7 are Sunday)
CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
               ("day of week", 0, 7))
_CRON_NAMES = {3: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
               4: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]}


def build_automations(docs: list[Document], entities: dict[str, Entity], workflows: dict[str, Workflow],
                      action_kinds: tuple[str, ...], reader: Reader) -> dict[str, Automation]:
    """Every automation; names unique across layers."""
    automations: dict[str, Automation] = {}
    for doc in docs:
        automation = _automation(doc.body, entities, workflows, action_kinds, reader)
        if automation is None:
            continue
        if automation.name in automations:
            first = automations[automation.name].source
            reader.error(doc.body.value_at("automation"), f"automation '{automation.name}' is already defined in "
                                                          f"{first.path}:{first.line}")
            continue
        automations[automation.name] = automation
    return automations


def _automation(body: YMap, entities, workflows, action_kinds, reader: Reader) -> Automation | None:
    name = body.get("automation")
    if not isinstance(name, str) or not NAME.match(name):
        reader.error(body.value_at("automation"), "'automation' must be a name (lower-case letters, digits, '_'), "
                                                  f"not {kind_of(name)}")
        return None
    what = f"automation '{name}'"
    reader.keys(body, AUTOMATION_KEYS, what)
    entity_name = reader.text(body, "entity", what, required=True)
    if entity_name is None:
        return None
    entity = entities.get(entity_name)
    if entity is None:
        reader.error(body.value_at("entity"), f"{what} names unknown entity '{entity_name}'"
                                              f"{did_you_mean(entity_name, entities)}")
        return None
    trigger = _trigger(body, entity, workflows, what, reader)
    names = frozenset(entity.fields) | frozenset(EXPRESSION_NAMES)
    when = reader.expression(body, "when", what, names)
    actions = build_actions(body, entity, entities, action_kinds, reader, what)
    if "actions" not in body:
        reader.error(body.source, f"{what} needs 'actions: [...]'")
    if trigger is None:
        return None
    return Automation(name, entity_name, trigger, when, actions, reader.boolean(body, "blocking", what),
                      reader.boolean(body, "enabled", what, default=True), reader.label(body, "label", what),
                      body.source)


def _trigger(body: YMap, entity: Entity, workflows: dict[str, Workflow], what: str, reader: Reader) -> Trigger | None:
    spec = reader.mapping(body, "trigger", what, required=True)
    if spec is None:
        return None
    what = f"'trigger' of {what}"
    reader.keys(spec, TRIGGER_KEYS, what)
    kinds = [key for key in ("on", "schedule", "date_field") if key in spec]
    if len(kinds) != 1:
        reader.error(spec.source, f"{what} needs exactly one of 'on: [create, update, delete, transition]', "
                                  "'schedule: \"0 9 * * 1\"' or 'date_field: <field>'")
        return None
    events = []
    for event, at in reader.names(spec, "on", what):
        if event not in EVENTS:
            reader.error(at, f"{what}: unknown event '{event}' (known: {', '.join(EVENTS)})"
                             f"{did_you_mean(event, EVENTS)}")
        else:
            events.append(event)
    fields = []
    for field, at in reader.names(spec, "fields", what):
        if field not in entity.fields:
            reader.error(at, f"{what}: unknown field '{field}' of '{entity.name}'{did_you_mean(field, entity.fields)}")
        else:
            fields.append(field)
    known = {t for w in workflows.values() if w.entity == entity.name for t in w.transitions}
    transitions = []
    for transition, at in reader.names(spec, "transitions", what):
        if transition not in known:
            reader.error(at, f"{what}: no workflow of '{entity.name}' has a transition '{transition}'"
                             f"{did_you_mean(transition, known)}")
        else:
            transitions.append(transition)
    schedule = reader.text(spec, "schedule", what)
    if schedule is not None:
        _cron(schedule, spec.value_at("schedule"), what, reader)
    date_field = reader.text(spec, "date_field", what)
    if date_field is not None:
        field = entity.fields.get(date_field)
        if field is None or field.type not in ("date", "datetime"):
            problem = f"an unknown field{did_you_mean(date_field, entity.fields)}" if field is None \
                else f"of type {field.type}"
            reader.error(spec.value_at("date_field"), f"{what}: date_field '{date_field}' must be a date or datetime "
                                                      f"field of '{entity.name}', not {problem}")
    every = reader.text(spec, "every", what, choices=EVERY)
    offset = _offset(spec, what, reader)
    at_time = None
    if isinstance(spec.get("at"), int):  # YAML 1.1 reads an unquoted 10:30 as a number (base 60)
        reader.error(spec.value_at("at"), f"{what}: write 'at' in quotes, e.g. at: \"09:00\"")
    else:
        at_time = reader.text(spec, "at", what)
    if at_time is not None and not AT.match(at_time):
        reader.error(spec.value_at("at"), f"{what}: 'at' must be a time as HH:MM (00:00 to 23:59), not '{at_time}'")
        at_time = None
    return Trigger(tuple(events), tuple(fields), tuple(transitions), schedule, date_field, every, offset, at_time)


def _offset(spec: YMap, what: str, reader: Reader) -> str | None:
    value = spec.get("offset")
    if value is None:
        return None
    if not isinstance(value, str) or not OFFSET.match(value):
        reader.error(spec.value_at("offset"), f"{what}: 'offset' must be a number with a unit m, h, d or w "
                                              f"(e.g. -1d, 3d, 2h), not {kind_of(value)}")
        return None
    return value


def _cron(text: str, at: Source, what: str, reader: Reader) -> None:
    """Check a five-field cron expression: minute hour day-of-month month day-of-week."""
    parts = text.split()
    if len(parts) != 5:
        reader.error(at, f"{what}: 'schedule' needs 5 fields (minute hour day month weekday), "
                         f"got {len(parts)} in '{text}'")
        return
    for index, (part, (name, low, high)) in enumerate(zip(parts, CRON_FIELDS, strict=True)):
        problem = _cron_field(part, low, high, _CRON_NAMES.get(index, []))
        if problem:
            reader.error(at, f"{what}: 'schedule' {name} field '{part}': {problem} (allowed {low}-{high})")


def _cron_field(part: str, low: int, high: int, names: list[str]) -> str | None:
    for item in part.split(","):
        body, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            return f"bad step '{step}'"
        if body == "*":
            continue
        bounds = body.split("-")
        if len(bounds) > 2:
            return f"bad range '{body}'"
        values = []
        for bound in bounds:
            if bound.lower() in names:
                values.append(names.index(bound.lower()) + (1 if low == 1 else 0))
            elif bound.isdigit():
                values.append(int(bound))
            else:
                return f"'{bound}' is not a number"
        if any(v < low or v > high for v in values):
            return "value out of range"
        if len(values) == 2 and values[0] > values[1]:
            return f"range '{body}' runs backwards"
    return None
