"""The detail page's side: related lists (records whose links point here), the plugins' panels
(``record_panels`` hook) and the timeline (field history, emails and the panels' entries about the
record, newest first)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trellis.data.query import QueryError, first_titles
from trellis.data.schema import link_target
from trellis.errors import NotFound, PermissionDenied
from trellis.plugins.types import TimelineEntry
from trellis.runtime import runtime
from trellis.web.labels import display, entity_label, field_label
from trellis.web.pages import service

RELATED_ROWS = 10
TIMELINE_ROWS = 50


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


def timeline(meta, record, panels: list) -> list[TimelineEntry]:
    """History, emails and the ``panels``' entries of ``record``, newest first (at most ``TIMELINE_ROWS``)."""
    svc = service()
    metadata = runtime().metadata
    events: list[TimelineEntry] = []
    try:
        # Only what the timeline can show: a record edited for years has thousands of changes.
        changes = svc.history(meta.name, record.id, newest=TIMELINE_ROWS, fields=set(meta.fields))
    except (NotFound, PermissionDenied):
        changes = []
    entries = [entry for panel in panels if panel.timeline for entry in panel.timeline(meta, record, svc) or ()]
    # One query per linked entity for every name the timeline shows: the records link changes
    # point at, and the users who made the changes and the plugins' entries.
    wanted = _link_ids(meta, changes)
    if "user" in metadata.entities:
        authors = {c.user_id for c in changes} | {entry.who for entry in entries}
        wanted.setdefault("user", set()).update(i for i in authors if isinstance(i, int))
    names = _names_of(wanted)
    for change in changes:
        field = meta.fields.get(change.field)
        if field is None:
            continue
        # A plugin's system write names the plugin; a user's write the user (a name looked up below).
        events.append(TimelineEntry("change", change.at, change.actor or change.user_id, field_label(field),
                                    f"{_shown(field, change.old, names)} → {_shown(field, change.new, names)}"))
    events += entries
    events += _emails(meta, record)
    events.sort(key=lambda e: e.at, reverse=True)
    events = events[:TIMELINE_ROWS]
    for event in events:
        if event.who is None or isinstance(event.who, int):
            event.who = names.get(("user", event.who), "system" if event.who is None else f"user #{event.who}")
    return events


def _emails(meta, record) -> list[TimelineEntry]:
    """Emails automations sent (or tried) about the record."""
    from flask import current_app
    from trellis.automation.email import emails_for
    from trellis.data.storage import as_utc

    rows = emails_for(current_app._get_current_object(), meta.name, record.id)[:TIMELINE_ROWS]
    return [TimelineEntry("email", as_utc(row["at"]), row.get("automation") or "automation", str(row["subject"]),
                          f"{row['recipient']} · {row['status']}") for row in rows]


def _shown(field, value, names: dict[tuple[str, int], str]) -> str:
    if field.type in ("link", "user") and value is not None:
        key = (link_target(field), _as_id(value))
        return names.get(key, f"#{value}")
    return display(field, value) or "—"


def _as_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _link_ids(meta, changes) -> dict[str, set[int]]:
    """Per linked entity, the ids that link fields' changes point at."""
    wanted: dict[str, set[int]] = {}
    for change in changes:
        field = meta.fields.get(change.field)
        if field is not None and field.type in ("link", "user"):
            ids = {_as_id(change.old), _as_id(change.new)} - {None}
            wanted.setdefault(link_target(field), set()).update(ids)
    return wanted


def _names_of(wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """The names of the records ``wanted`` (entity -> ids): one query per entity, through the service
    (a record the user may not read keeps its ``#id``)."""
    names: dict[tuple[str, int], str] = {}
    entities = runtime().metadata.entities
    for target, ids in wanted.items():
        other = entities.get(target)
        if other is None or not ids:
            continue
        title = other.fields.get(other.title) if other.title else None
        try:
            rows = service().query(target).filter(id__in=sorted(ids)).page(size=len(ids), count=False).rows
        except (PermissionDenied, QueryError):
            continue
        for row in rows:
            text = display(title, row.get(other.title)) if title is not None else ""
            names[(target, row.id)] = text or row.get("email") or f"#{row.id}"
    return names
