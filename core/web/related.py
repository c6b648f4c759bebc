"""The detail page's side: related lists (records whose links point here) and the plugins' panels
(``record_panels`` hook); the timeline is :mod:`trellis.web.timeline`'s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trellis.data.query import QueryError, first_titles
from trellis.data.schema import link_target
from trellis.errors import PermissionDenied
from trellis.runtime import runtime
from trellis.web.labels import display, entity_label, field_label
from trellis.web.pages import service

RELATED_ROWS = 10


@dataclass
class Related:
    """One related list: ``rows`` of ``entity`` whose ``field`` points at the record."""

    entity: Any
    field: Any
    title: str
    rows: list
    more: bool
    url: str


def panels_for(meta) -> list:
    """The ``RecordPanel`` items the plugins add to ``meta``'s record pages, in their ``order``."""
    from flask import current_app

    found = [panel for _, panel in runtime(current_app).plugins.collect("record_panels", entity=meta.name)]
    return sorted(found, key=lambda panel: panel.order)


def related_lists(meta, record) -> list[Related]:
    """For every link field of another entity pointing at ``meta``, the first records linking to ``record``.

    The lists are read with one statement (:func:`trellis.data.query.first_titles`); a list
    whose title needs formatting (a date, a number, a link) reads its own page.
    """
    metadata = runtime().metadata
    svc = service()
    wanted = []
    for other in metadata.entities.values():
        for field in other.fields.values():
            if field.type not in ("link", "user") or link_target(field) != meta.name or not field.column:
                continue
            try:
                wanted.append((other, field, svc.query(other.name).filter(**{field.name: record.id})))
            except (PermissionDenied, QueryError):
                continue  # a list the user may not read is not shown at all
    folded = first_titles([query for _, _, query in wanted], RELATED_ROWS + 1)
    found = []
    for (other, field, query), titles in zip(wanted, folded, strict=True):
        title_field = other.fields.get(other.title) if other.title else None
        if titles is None:
            try:
                page = query.page(size=RELATED_ROWS, count=False)
            except (PermissionDenied, QueryError):
                continue
            titles, more = [(r.id, r.get(other.title)) for r in page.rows], page.next_cursor is not None
        else:
            titles, more = titles[:RELATED_ROWS], len(titles) > RELATED_ROWS
        rows = [{"id": row_id, "name": display(title_field, title) if title_field else f"#{row_id}"}
                for row_id, title in titles]
        label = entity_label(other, plural=True)
        if sum(1 for f in other.fields.values() if link_target(f) == meta.name) > 1:
            label = f"{label} ({field_label(field)})"
        found.append(Related(other, field, label, rows, more, f"/app/{other.name}?{field.name}={record.id}"))
    return found
