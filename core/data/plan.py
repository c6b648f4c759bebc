"""What a write of one entity needs from its metadata, worked out once per transaction.

The record service runs the same steps for every record it saves;
an import runs them for hundreds of records of one entity in one transaction.
Which coercer each field takes, the order of the computed fields, which fields
have a default, a check, a roll-up, which workflows own a state field, which
parents roll this entity up: all of it depends on the metadata alone. A
:class:`WritePlan` holds those answers. :func:`plan_for` builds one per entity
and unit of work (:func:`trellis.data.unit.unit_cache`), so a change of the
metadata is seen by the next transaction, and nothing is kept in process memory
past it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trellis.data.coerce import coercer
from trellis.data.compute import compute_order, rollups_over
from trellis.data.record import SYSTEM_FIELDS, blank_values
from trellis.data.schema import SEARCH_COLUMN
from trellis.data.unit import unit_cache
from trellis.metadata.model import Entity, Field, FieldType, Metadata, Workflow
from trellis.runtime import runtime

_KEY = "trellis_write_plans"


@dataclass
class WritePlan:
    """One entity's write steps, resolved against the metadata.

    ``coercers`` turn input into stored values (HTML sanitised, as for input);
    ``plain`` are the same without the sanitiser (defaults and computed values,
    which the service never sanitised). ``computed`` is in dependency order
    (:func:`~trellis.data.compute.compute_order`); ``checked`` are the fields
    :func:`~trellis.data.coerce.check_field` can say something about. ``settable``
    names the fields a caller may give (the access rules may narrow them);
    ``columns`` pairs each field stored in the entity's table with its column;
    ``required_if`` lists the fields that have a ``required_if``.
    """

    entity: Entity
    metadata: Metadata
    coercers: dict[str, Callable[[Any], Any]]
    plain: dict[str, Callable[[Any], Any]]
    defaulted: list[Field]
    computed: list[Field]
    checked: list[tuple[Field, FieldType | None]]
    rollup_fields: list[Field]
    rollups_over: list[tuple[Entity, Field]]
    workflows: list[Workflow]
    settable: frozenset[str]
    columns: list[tuple[str, str]]
    required_if: list[Field]

    def blank(self) -> dict[str, Any]:
        """Every stored field of a new record, empty (new lists each time): :func:`blank_values`."""
        values = dict(self._blank)
        for name in self._lists:
            values[name] = []
        return values

    def __post_init__(self) -> None:
        self._blank = blank_values(self.entity)
        self._lists = [name for name, value in self._blank.items() if isinstance(value, list)]


def build_plan(metadata: Metadata, entity: Entity, sanitize_html: Callable[[str], str] | None = None) -> WritePlan:
    """The :class:`WritePlan` of ``entity`` (one of ``metadata``'s entities)."""
    coercers, plain, checked = {}, {}, []
    for field in entity.fields.values():
        ftype = metadata.field_types.get(field.type)
        plain[field.name] = coercer(field, ftype)
        coercers[field.name] = coercer(field, ftype, sanitize_html) if field.type == "html" else plain[field.name]
        could_complain = (field.required and not field.computed) or field.max_length is not None \
            or field.min is not None or field.max is not None
        if field.type != "children" and could_complain:
            checked.append((field, ftype))
    return WritePlan(
        entity=entity, metadata=metadata, coercers=coercers, plain=plain,
        defaulted=[f for f in entity.fields.values() if f.type != "children" and not f.computed
                   and (f.default_expr is not None or f.default is not None)],
        computed=compute_order(entity),
        checked=checked,
        rollup_fields=[f for f in entity.fields.values() if f.rollup is not None],
        rollups_over=rollups_over(metadata, entity.name),
        workflows=[w for w in metadata.workflows.values() if w.entity == entity.name],
        settable=frozenset(f.name for f in entity.fields.values()
                           if f.name not in SYSTEM_FIELDS and f.name != SEARCH_COLUMN
                           and not (f.computed or f.readonly or f.type == "children")),
        columns=[(f.name, f.column) for f in entity.fields.values() if f.column],
        required_if=[f for f in entity.fields.values() if f.required_if is not None],
    )


def plan_for(app, entity: Entity) -> WritePlan:
    """``entity``'s plan in ``app``, built once per unit of work (anew outside one)."""
    state = runtime(app)
    metadata, sanitize = state.metadata, state.html_sanitizer
    plans = unit_cache(app).setdefault(_KEY, {})
    found = plans.get(entity.name)
    if found is None or found[0] is not entity or found[1] is not metadata or found[2] is not sanitize:
        found = plans[entity.name] = (entity, metadata, sanitize, build_plan(metadata, entity, sanitize))
    return found[3]
