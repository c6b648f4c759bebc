"""``extends: <workflow>``: how a later layer changes a workflow defined by an earlier one.

As for entities (``merging.py``), the YAML trees are merged before the typed
:class:`~trellis.metadata.model.Workflow` is built, so every key keeps the place it
was written and a mistake is reported in the file that made it.

Rules (also in docs/admin.md):

- ``label`` replaces.
- ``states``: an existing state's keys are merged, the later layer winning per key;
  a new state is added at the end, or ``after:``/``before:`` a named state (which
  also moves an existing one). A new state becomes an option of the state field
  when it is not one already; a ``label`` given here becomes the option's label too.
- ``transitions``: a new name adds a transition; an existing one has its keys merged.
  In ``from``, ``roles`` and ``require``, items starting with ``+`` are added to the
  list; any other value replaces it.
- ``workflow``, ``entity`` and ``field`` cannot be changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trellis.metadata.layers import Document
from trellis.metadata.merging import copy_map, merge_plus
from trellis.metadata.model import Entity, Source
from trellis.metadata.problems import did_you_mean
from trellis.metadata.reading import Reader, kind_of
from trellis.metadata.yaml_loader import YMap

EXTENSION_KEYS = ("extends", "label", "states", "transitions")
PLACES = ("after", "before")
PLUS_LISTS = ("from", "roles", "require")


@dataclass
class WorkflowDraft:
    """A workflow's merged YAML and what its ``extends:`` documents changed."""

    body: YMap
    added_states: dict[str, Source] = field(default_factory=dict)   # new state -> where it is written
    relabelled: set[str] = field(default_factory=set)               # states given a label by an extension
    extended_by: list[Source] = field(default_factory=list)


def split_extends(extends_docs: list[Document], entity_docs: list[Document], workflow_docs: list[Document],
                  dashboard_docs: list[Document], reader: Reader,
                  report_docs: list[Document] = ()) -> tuple[list[Document], ...]:
    """The ``extends:`` documents by what they name: (entities or nothing known, workflows, dashboards, reports)."""
    kinds = {"entity": entity_docs, "workflow": workflow_docs, "dashboard": dashboard_docs, "report": report_docs}
    defined = {kind: {doc.body.get(kind): doc.body for doc in docs if isinstance(doc.body.get(kind), str)}
               for kind, docs in kinds.items()}
    split: dict[str, list[Document]] = {kind: [] for kind in kinds}
    for doc in extends_docs:
        name = doc.body.get("extends")
        named = [kind for kind in kinds if isinstance(name, str) and name in defined[kind]]
        if len(named) > 1:
            places = [f"a{'n' if kind == 'entity' else ''} {kind} "
                      f"({defined[kind][name].source.path}:{defined[kind][name].source.line})" for kind in named]
            shown = ("both " if len(places) == 2 else "") + ", ".join(places[:-1]) + " and " + places[-1]
            reader.error(doc.body.value_at("extends"), f"'extends: {name}' is ambiguous: '{name}' is {shown}")
            continue
        split[named[0] if named else "entity"].append(doc)
    return split["entity"], split["workflow"], split["dashboard"], split["report"]


def extend_workflow(draft: WorkflowDraft, extension: YMap, entities: dict[str, Entity], reader: Reader) -> None:
    """Apply one ``extends:`` document to ``draft`` (in place)."""
    name = extension["extends"]
    what = f"extension of workflow '{name}'"
    reader.keys(extension, EXTENSION_KEYS, what)
    base = draft.body
    result = copy_map(base)
    if "label" in extension:
        result.put("label", extension["label"], extension.key_at("label"), extension.value_at("label"))
    states = reader.mapping(extension, "states", what)
    if states is not None:
        merged = _merge_states(_base_states(base, entities), states, draft, what, reader)
        result.put("states", merged, base.key_at("states"), base.value_at("states"))
    transitions = reader.mapping(extension, "transitions", what)
    if transitions is not None:
        old = base.get("transitions") if isinstance(base.get("transitions"), YMap) else YMap(base.source)
        result.put("transitions", _merge_transitions(old, transitions, reader),
                   base.key_at("transitions"), base.value_at("transitions"))
    draft.body = result
    draft.extended_by.append(extension.source)


def _base_states(base: YMap, entities: dict[str, Entity]) -> YMap:
    """The states written in ``base``, or (when it lists none) every option of its state field."""
    states = base.get("states")
    if isinstance(states, YMap):
        return states
    implied = YMap(base.source)
    entity = entities.get(base.get("entity")) if isinstance(base.get("entity"), str) else None
    state_field = entity.fields.get(base.get("field")) if entity and isinstance(base.get("field"), str) else None
    for option in state_field.options if state_field is not None else ():
        implied.put(option, None, base.source, base.source)
    return implied


def _merge_states(base: YMap, extension: YMap, draft: WorkflowDraft, what: str, reader: Reader) -> YMap:
    result = copy_map(base)
    for name, spec in extension.items():
        at = extension.key_at(name)
        if spec is not None and not isinstance(spec, YMap):
            result.put(name, spec, at, extension.value_at(name))  # reported when the state is read
            continue
        spec = spec if spec is not None else YMap(at)
        old = result.get(name)
        merged = copy_map(old) if isinstance(old, YMap) else YMap(at)
        for key, value in spec.items():
            if key not in PLACES:
                merged.put(key, value, spec.key_at(key), spec.value_at(key))
        if name not in result:
            draft.added_states[name] = at
        if "label" in spec:
            draft.relabelled.add(name)
        place = _place(spec, name, result, what, reader)
        result = _placed(result, name, merged, at, extension.value_at(name), place)
    return result


def _place(spec: YMap, name: str, states: YMap, what: str, reader: Reader) -> tuple[str, str] | None:
    """``("after", state)`` or ``("before", state)`` when the state spec asks for a position."""
    given = [key for key in PLACES if key in spec]
    if len(given) > 1:
        reader.error(spec.key_at("before"), f"state '{name}' of {what}: give 'after' or 'before', not both")
        return None
    if not given:
        return None
    other = spec[given[0]]
    if not isinstance(other, str) or other not in states or other == name:
        shown = f"'{other}'" if isinstance(other, str) else kind_of(other)
        reader.error(spec.value_at(given[0]), f"'{given[0]}' of state '{name}' of {what} must name another state, "
                                              f"not {shown}{did_you_mean(str(other), states)}")
        return None
    return given[0], other


def _placed(states: YMap, name: str, spec: YMap, key_at: Source, value_at: Source,
            place: tuple[str, str] | None) -> YMap:
    """``states`` with ``name`` set to ``spec``: where it was, at the end, or after/before another state."""
    if place is None:
        states.put(name, spec, key_at, value_at)
        return states
    result = YMap(states.source)
    for other, value in states.items():
        if other == name:
            continue
        if place == ("before", other):
            result.put(name, spec, key_at, value_at)
        result.put(other, value, states.key_at(other), states.value_at(other))
        if place == ("after", other):
            result.put(name, spec, key_at, value_at)
    return result


def _merge_transitions(base: YMap, extension: YMap, reader: Reader) -> YMap:
    result = copy_map(base)
    for name, spec in extension.items():
        old = result.get(name)
        if isinstance(old, YMap) and isinstance(spec, YMap):
            merged = copy_map(old)
            for key, value in spec.items():
                if key in PLUS_LISTS:
                    value = merge_plus(old.get(key), value, spec.value_at(key), key, reader)
                merged.put(key, value, spec.key_at(key), spec.value_at(key))
            spec = merged
        elif isinstance(spec, YMap):  # a new transition: '+' has nothing to add to
            spec = copy_map(spec)
            for key in PLUS_LISTS:
                if key in spec:
                    spec.put(key, merge_plus(None, spec[key], spec.value_at(key), key, reader),
                             spec.key_at(key), spec.value_at(key))
        result.put(name, spec, extension.key_at(name), extension.value_at(name))
    return result

