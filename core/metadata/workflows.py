"""``workflow:`` documents -> :class:`~trellis.metadata.model.Workflow` (states and named transitions)."""

from __future__ import annotations

from trellis.metadata.actions import build_actions
from trellis.metadata.fields import EXPRESSION_NAMES
from trellis.metadata.layers import Document
from trellis.metadata.model import Entity, Field, Role, State, Transition, Workflow
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import NAME, Reader, kind_of
from trellis.metadata.yaml_loader import YMap

WORKFLOW_KEYS = ("workflow", "entity", "field", "label", "states", "transitions")
STATE_KEYS = ("label", "final", "won", "lost", "probability")
TRANSITION_KEYS = ("from", "to", "label", "when", "roles", "require", "actions")


def build_workflows(docs: list[Document], entities: dict[str, Entity], roles: dict[str, Role],
                    action_kinds: tuple[str, ...], reader: Reader) -> dict[str, Workflow]:
    """Every workflow; one per state field, names unique across layers."""
    workflows: dict[str, Workflow] = {}
    for doc in docs:
        workflow = _workflow(doc.body, entities, roles, action_kinds, reader)
        if workflow is None:
            continue
        if workflow.name in workflows:
            first = workflows[workflow.name].source
            reader.error(doc.body.value_at("workflow"), f"workflow '{workflow.name}' is already defined in "
                                                        f"{first.path}:{first.line}")
            continue
        for other in workflows.values():
            if (other.entity, other.field) == (workflow.entity, workflow.field):
                reader.error(doc.body.value_at("field"), f"field '{workflow.entity}.{workflow.field}' already has "
                                                         f"workflow '{other.name}' ({other.source.path})")
                break
        else:
            workflows[workflow.name] = workflow
    return workflows


def _workflow(body: YMap, entities: dict[str, Entity], roles: dict[str, Role], action_kinds: tuple[str, ...],
              reader: Reader) -> Workflow | None:
    name = body.get("workflow")
    if not isinstance(name, str) or not NAME.match(name):
        reader.error(body.value_at("workflow"), f"'workflow' must be a name (lower-case letters, digits, '_'), "
                                                f"not {kind_of(name)}")
        return None
    what = f"workflow '{name}'"
    reader.keys(body, WORKFLOW_KEYS, what)
    entity_name = reader.text(body, "entity", what, required=True)
    field_name = reader.text(body, "field", what, required=True)
    if entity_name is None or field_name is None:
        return None
    entity = entities.get(entity_name)
    if entity is None:
        reader.error(body.value_at("entity"), f"{what} names unknown entity '{entity_name}'"
                                              f"{did_you_mean(entity_name, entities)}")
        return None
    field = entity.fields.get(field_name)
    if field is None or field.type != "selection":
        problem = "unknown field" if field is None else f"field (type {field.type}, not selection)"
        reader.error(body.value_at("field"), f"{what}: '{field_name}' is not a state field of '{entity_name}': "
                                             f"{problem}{did_you_mean(field_name, entity.fields)}")
        return None
    workflow = Workflow(name, entity_name, field_name, source=body.source, label=reader.label(body, "label", what))
    workflow.states = _states(body, field, what, reader)
    specs = reader.mapping(body, "transitions", what)
    names = frozenset(entity.fields) | frozenset(EXPRESSION_NAMES)
    for transition_name, spec in (specs or {}).items():
        transition = _transition(transition_name, spec, specs.value_at(transition_name), workflow, entity, entities,
                                 roles, names, action_kinds, reader)
        if transition is not None:
            workflow.transitions[transition_name] = transition
    return workflow


def _states(body: YMap, field: Field, what: str, reader: Reader) -> dict[str, State]:
    options = field.options

    def label(name: str) -> dict[str, str]:  # a state without a label shows its option's label
        return dict(field.option_labels.get(name) or {"en": name.replace("_", " ").capitalize()})

    specs = reader.mapping(body, "states", what)
    if specs is None:  # no ``states:``: every option of the field is a state
        return {option: State(option, label(option), source=body.source) for option in options}
    states = {}
    for name, spec in specs.items():
        at = specs.key_at(name)
        if name not in options:
            reader.error(at, f"state '{name}' of {what} is not an option of the state field "
                             f"(options: {', '.join(options)}){did_you_mean(str(name), options)}")
            continue
        spec = spec if spec is not None else YMap(at)
        if not isinstance(spec, YMap):
            reader.error(specs.value_at(name), f"state '{name}' of {what} must be a mapping like {{final: true}}")
            continue
        where = f"state '{name}' of {what}"
        reader.keys(spec, STATE_KEYS, where)
        probability = reader.integer(spec, "probability", where, minimum=0)
        states[name] = State(name, reader.label(spec, "label", where) or label(name),
                             reader.boolean(spec, "final", where), reader.boolean(spec, "won", where),
                             reader.boolean(spec, "lost", where), probability, at)
    return states


def _transition(name, spec, at, workflow: Workflow, entity: Entity, entities, roles, names, action_kinds,
                reader: Reader) -> Transition | None:
    what = f"transition '{name}' of workflow '{workflow.name}'"
    if not isinstance(spec, YMap):
        reader.error(at, f"{what} must be a mapping like {{from: new, to: qualified}}, not {kind_of(spec)}")
        return None
    reader.keys(spec, TRANSITION_KEYS, what)
    sources = []
    for state, where in reader.names(spec, "from", what):
        if state != "*" and state not in workflow.states:
            reader.error(where, f"{what}: 'from' names unknown state '{state}'{did_you_mean(state, workflow.states)}")
        else:
            sources.append(state)
    if "from" not in spec:
        reader.error(spec.source, f"{what} needs 'from' (a state, a list of states, or \"*\")")
    target = reader.text(spec, "to", what, required=True)
    if target is not None and target not in workflow.states:
        reader.error(spec.value_at("to"), f"{what}: 'to' names unknown state '{target}'"
                                          f"{did_you_mean(target, workflow.states)}")
        target = None
    role_names = []
    for role, where in reader.names(spec, "roles", what):
        if role not in roles:
            reader.error(where, f"{what}: unknown role '{role}'{did_you_mean(role, roles)}")
        else:
            role_names.append(role)
    require = []
    for field, where in reader.names(spec, "require", what):
        if field not in entity.fields:
            reader.error(where, f"{what}: 'require' names unknown field '{field}'{did_you_mean(field, entity.fields)}")
        else:
            require.append(field)
    when = reader.expression(spec, "when", what, names)
    actions = build_actions(spec, entity, entities, action_kinds, reader, what)
    if target is None or not sources:
        return None
    return Transition(name, tuple(sources), target, reader.label(spec, "label", what), when, tuple(role_names),
                      tuple(require), tuple(actions), spec.source)
