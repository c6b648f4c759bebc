"""Reading all layers into one checked :class:`~trellis.metadata.model.Metadata`."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from trellis.errors import MetadataError
from trellis.metadata.actions import known_kinds
from trellis.metadata.automations import build_automations
from trellis.metadata.dashboards import build_dashboards
from trellis.metadata.entities import EntityBuilder
from trellis.metadata.field_types import BUILTIN_FIELD_TYPES
from trellis.metadata.layers import Document, documents
from trellis.metadata.merging import assemble
from trellis.metadata.model import FieldType, Layer, Metadata
from trellis.metadata.problems import Report
from trellis.metadata.reading import Reader
from trellis.metadata.reports import build_reports
from trellis.metadata.roles import build_roles
from trellis.metadata.workflow_merging import split_extends
from trellis.metadata.workflows import build_workflows


def load(layers: list[Layer], *, field_types: Iterable[FieldType] = (),
         functions: Mapping[str, Callable] | None = None, action_kinds: Iterable[Any] = (),
         widgets: Iterable[str] = (), kinds: Mapping[str, Any] | None = None) -> Metadata:
    """Read, merge and check ``layers`` (in order); raise MetadataError listing every problem.

    ``field_types``, ``functions`` and ``action_kinds`` are what plugins add to the
    built-in field types, expression functions and automation actions (``action_kinds``:
    ``trellis.Action`` objects, whose ``keys`` and ``main`` are checked, or names); ``widgets`` the
    names of the plugins' dashboard widgets, the only ones a ``dashboard:`` may list; ``kinds``
    the plugins' own document kinds (name -> ``trellis.MetadataKind``).
    """
    # Loading makes ~10 objects per YAML value and frees none of them until the end; the cyclic
    # garbage collector would walk them over and over (a third of the time for 10,000 fields).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(layers, field_types, functions, action_kinds, widgets, dict(kinds or {}))
    finally:
        if collecting:
            gc.enable()


def _load(layers: list[Layer], field_types: Iterable[FieldType], functions: Mapping[str, Callable] | None,
          action_kinds: Iterable[Any], widgets: Iterable[str], plugin_kinds: dict[str, Any]) -> Metadata:
    report = Report()
    reader = Reader(report, functions)
    types = {t.name: t for t in BUILTIN_FIELD_TYPES}
    types.update({t.name: t for t in field_types})
    kinds = known_kinds(action_kinds)
    by_kind: dict[str, list[Document]] = {"entity": [], "extends": [], "workflow": [], "automation": [], "roles": [],
                                         "dashboard": [], "report": [], **{name: [] for name in plugin_kinds}}
    for doc in documents(layers, report, tuple(plugin_kinds)):
        by_kind[doc.kind].append(doc)
    of_entities, of_workflows, of_dashboards, of_reports = split_extends(
        by_kind["extends"], by_kind["entity"], by_kind["workflow"], by_kind["dashboard"], reader, by_kind["report"])
    drafts = assemble(by_kind["entity"], of_entities, reader)
    builder = EntityBuilder(types, reader)
    entities = {}
    for name, draft in drafts.items():
        entity = builder.build(draft)
        if entity is not None:
            entities[name] = entity
    builder.link(entities)
    roles = build_roles(by_kind["roles"], entities, reader)
    workflows = build_workflows(by_kind["workflow"], of_workflows, entities, roles, kinds, reader)
    automations = build_automations(by_kind["automation"], entities, workflows, kinds, reader)
    reports = build_reports(by_kind["report"], of_reports, entities, workflows, roles, reader)
    dashboards = build_dashboards(by_kind["dashboard"], of_dashboards, roles, frozenset(widgets), reader, reports)
    configs = {name: [built for doc in by_kind[name] if (built := kind.build(doc.body, reader)) is not None]
               for name, kind in plugin_kinds.items()}
    if report:
        raise MetadataError(report.sorted())
    return Metadata(entities=entities, workflows=workflows, automations=automations, roles=roles,
                    dashboards=dashboards, reports=reports, field_types=types, layers=list(layers),
                    configs=configs)


def summary(metadata: Metadata, errors: int = 0) -> str:
    """One line for ``trellis check``: ``12 entities, 4 workflows, 2 automations, 3 roles, 0 errors``."""
    counts = [(len(metadata.entities), "entity", "entities"), (len(metadata.workflows), "workflow", "workflows"),
              (len(metadata.automations), "automation", "automations"), (len(metadata.roles), "role", "roles"),
              (errors, "error", "errors")]
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)
