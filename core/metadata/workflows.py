"""``workflow:`` documents -> :class:`~trellis.metadata.model.Workflow` (states and named transitions)."""

from __future__ import annotations

from trellis.metadata.actions import build_actions
from trellis.metadata.approvals import build_approval
from trellis.metadata.fields import EXPRESSION_NAMES
from trellis.metadata.layers import Document
from trellis.metadata.model import Entity, Field, Role, Source, State, Transition, Workflow
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import NAME, Reader, kind_of
from trellis.metadata.workflow_merging import WorkflowDraft, extend_workflow
from trellis.metadata.yaml_loader import YMap

WORKFLOW_KEYS = ("workflow", "entity", "field", "label", "state_keys", "states", "transitions")
STATE_KEYS = ("label", "final", "won", "lost")
# ``state_keys: {probability: integer}``: the keys a plugin's states carry besides the core's (State.extra).
EXTRA_TYPES = ("integer", "number", "boolean", "text")
TRANSITION_KEYS = ("from", "to", "label", "when", "roles", "require", "actions", "approval")


def build_workflows(docs: list[Document], extensions: list[Document], entities: dict[str, Entity],
                    roles: dict[str, Role], action_kinds: tuple[str, ...], reader: Reader) -> dict[str, Workflow]:
    """Every workflow, with the ``extends:`` documents of later layers applied; one per state field,
    names unique across layers."""
    drafts: list[WorkflowDraft] = []
    by_name: dict[str, WorkflowDraft] = {}
    for doc in docs:
        name = doc.body.get("workflow")
        if isinstance(name, str) and name in by_name:
            first = by_name[name].body.source
            reader.error(doc.body.value_at("workflow"), f"workflow '{name}' is already defined in "
                                                        f"{first.path}:{first.line}; use 'extends: {name}' "
                                                        f"to change it")
            continue
        drafts.append(WorkflowDraft(doc.body))
        if isinstance(name, str):
            by_name[name] = drafts[-1]
    for doc in extensions:  # split_extends sent only those naming a workflow here
        extend_workflow(by_name[doc.body["extends"]], doc.body, entities, reader)
    workflows: dict[str, Workflow] = {}
    for draft in drafts:
        workflow = _workflow(draft, entities, roles, action_kinds, reader)
        if workflow is None:
            continue
        for other in workflows.values():
            if (other.entity, other.field) == (workflow.entity, workflow.field):
                reader.error(draft.body.value_at("field"), f"field '{workflow.entity}.{workflow.field}' already "
                                                           f"has workflow '{other.name}' ({other.source.path})")
                break
        else:
            workflows[workflow.name] = workflow
    return workflows


def _workflow(draft: WorkflowDraft, entities: dict[str, Entity], roles: dict[str, Role],
              action_kinds: tuple[str, ...], reader: Reader) -> Workflow | None:
    body = draft.body
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
    workflow = Workflow(name, entity_name, field_name, source=body.source, label=reader.label(body, "label", what),
                        extended_by=list(draft.extended_by))
    workflow.states = _states(body, field, what, reader, draft.added_states, _state_keys(body, what, reader))
    _add_options(field, workflow.states, draft)
    specs = reader.mapping(body, "transitions", what)
    names = frozenset(entity.fields) | frozenset(EXPRESSION_NAMES)
    for transition_name, spec in (specs or {}).items():
        transition = _transition(transition_name, spec, specs.value_at(transition_name), workflow, entity, entities,
                                 roles, names, action_kinds, reader)
        if transition is not None:
            workflow.transitions[transition_name] = transition
    _check_on_reject(workflow, reader)
    _check_reachable(workflow, draft, reader)
    return workflow


def _check_on_reject(workflow: Workflow, reader: Reader) -> None:
    """An approval's ``on_reject`` names another transition of the workflow that leaves the same states."""
    for transition in workflow.transitions.values():
        approval = transition.approval
        if approval is None or approval.on_reject is None:
            continue
        other = workflow.transitions.get(approval.on_reject)
        if other is None or other.approval is not None or \
                not all(other.allowed_from(state) for state in transition.sources if state != "*"):
            why = "unknown transition" if other is None else "a transition that cannot run where this one waits"
            reader.error(approval.on_reject_at, f"'on_reject' of transition '{transition.name}' of workflow "
                                          f"'{workflow.name}' names {why} '{approval.on_reject}'"
                                          f"{did_you_mean(approval.on_reject, workflow.transitions)}")


def _add_options(field: Field, states: dict[str, State], draft: WorkflowDraft) -> None:
    """Make each state an extension added an option of the state field, placed after the state before it,
    and show an extension's state label wherever the field's value is shown."""
    previous = None
    for name in states:
        if name not in field.options:
            position = field.options.index(previous) + 1 if previous in field.options else 0
            field.options.insert(position, name)
            draft.relabelled.add(name)
        previous = name
    for name in draft.relabelled & set(states):
        field.option_labels[name] = dict(states[name].label)


def _check_reachable(workflow: Workflow, draft: WorkflowDraft, reader: Reader) -> None:
    """A state an extension adds must be some transition's target (or the first state), else it is a typo."""
    targets = {t.target for t in workflow.transitions.values()}
    first = next(iter(workflow.states), None)
    for name, at in draft.added_states.items():
        if name in workflow.states and name != first and name not in targets:
            others = [s for s in workflow.states if s not in draft.added_states]
            reader.error(at, f"state '{name}' added to workflow '{workflow.name}' is not the 'to' of any transition, "
                             f"so no record can reach it{did_you_mean(name, others)}; add one under 'transitions:'")


def _state_keys(body: YMap, what: str, reader: Reader) -> dict[str, str]:
    """``state_keys: {name: type}``: the extra keys the workflow's states may carry, and their types."""
    declared = reader.mapping(body, "state_keys", what)
    keys = {}
    for name, kind in (declared or {}).items():
        if name in STATE_KEYS or not isinstance(name, str) or not NAME.match(name):
            reader.error(declared.key_at(name), f"'state_keys' of {what}: '{name}' must be a new name "
                                                f"(not one of {', '.join(STATE_KEYS)})")
        elif kind not in EXTRA_TYPES:
            reader.error(declared.value_at(name), f"'state_keys' of {what}: the type of '{name}' must be one of "
                                                  f"{', '.join(EXTRA_TYPES)}, not {kind_of(kind)}"
                                                  f"{did_you_mean(str(kind), EXTRA_TYPES)}")
        else:
            keys[name] = kind
    return keys


def _extra(spec: YMap, keys: dict[str, str], where: str, reader: Reader) -> dict:
    values = {}
    for name, kind in keys.items():
        if name not in spec:
            continue
        value = spec[name]
        if kind == "integer":
            value = reader.integer(spec, name, where)
        elif kind == "boolean":
            value = reader.boolean(spec, name, where)
        elif kind == "text":
            value = reader.text(spec, name, where)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            reader.error(spec.value_at(name), f"'{name}' of {where} must be a number, not {kind_of(value)}")
            continue
        if value is not None:
            values[name] = value
    return values


def _states(body: YMap, field: Field, what: str, reader: Reader, added: dict[str, Source],
            extra_keys: dict[str, str]) -> dict[str, State]:
    """The states; one an extension ``added`` need not be an option of the field yet (it becomes one)."""
    options = field.options

    def label(name: str) -> dict[str, str]:  # a state without a label shows its option's label
        return dict(field.option_labels.get(name) or {"en": name.replace("_", " ").capitalize()})

    specs = reader.mapping(body, "states", what)
    if specs is None:  # no ``states:``: every option of the field is a state
        return {option: State(option, label(option), source=body.source) for option in options}
    states = {}
    for name, spec in specs.items():
        at = specs.key_at(name)
        if name not in options and name not in added:
            reader.error(at, f"state '{name}' of {what} is not an option of the state field "
                             f"(options: {', '.join(options)}){did_you_mean(str(name), options)}")
            continue
        spec = spec if spec is not None else YMap(at)
        if not isinstance(spec, YMap):
            reader.error(specs.value_at(name), f"state '{name}' of {what} must be a mapping like {{final: true}}")
            continue
        where = f"state '{name}' of {what}"
        reader.keys(spec, (*STATE_KEYS, *extra_keys), where)
        states[name] = State(name, reader.label(spec, "label", where) or label(name),
                             reader.boolean(spec, "final", where), reader.boolean(spec, "won", where),
                             reader.boolean(spec, "lost", where), _extra(spec, extra_keys, where, reader), at)
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
    approval = build_approval(spec, what, entity, entities, roles, names, reader)
    if target is None or not sources:
        return None
    return Transition(name, tuple(sources), target, reader.label(spec, "label", what), when, tuple(role_names),
                      tuple(require), tuple(actions), spec.source, approval)
