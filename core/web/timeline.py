"""A record's timeline: its saves (one event each: "created", "changed", "merged"), emails and the
plugins' entries (notes, activities), newest first, filterable by kind.

Values are shown as the form shows them: money and dates in the user's locale, selections by
their label, links by the linked record's title (and linking to it) when the viewer may read it.
Computed fields are left out: they change because something else did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from trellis.data.coerce import coercer
from trellis.data.history import MERGED, saves_of
from trellis.data.query import QueryError
from trellis.data.schema import link_target
from trellis.errors import NotFound, PermissionDenied
from trellis.plugins.types import TimelineEntry
from trellis.runtime import runtime
from trellis.web.labels import display, entity_label, field_label
from trellis.web.pages import service

TIMELINE_ROWS = 50
REF_ENTITY, REF_RECORD = "ref_entity", "ref_record"


@dataclass
class Value:
    """One value as shown: its text, and the linked record's page when it is a readable link."""

    text: str
    url: str | None = None


@dataclass
class Item:
    """One field of a save: its label, the value before and after."""

    label: str
    old: Value
    new: Value


@dataclass
class SaveEvent:
    """One save of the record: ``kind`` is ``created``, ``change`` or ``merged`` (``merged``: the record
    ``merged_id`` was merged into it)."""

    kind: str
    at: datetime
    who: Any
    items: list[Item] = field(default_factory=list)
    merged_id: int | None = None
    merged_title: str = ""


def filters(panels: list) -> list[tuple[str, str]]:
    """The timeline's filters as ``(?timeline= value, label)``: all, changes, emails, then each panel's entries."""
    from flask_babel import gettext as _

    return [("all", _("All")), ("changes", _("Changes")), ("emails", _("Emails"))] + [
        (panel.name, str(panel.label or panel.name)) for panel in panels if panel.timeline]


def timeline(meta, record, panels: list, kind: str = "all") -> list:
    """The events of ``record`` newest first (at most ``TIMELINE_ROWS``); ``kind``: one of :func:`filters`."""
    svc = service()
    metadata = runtime().metadata
    changes = []
    if kind in ("all", "changes"):
        try:
            # Only what the timeline can show: a record edited for years has thousands of changes.
            changes = svc.history(meta.name, record.id, newest=TIMELINE_ROWS, fields=set(meta.fields) | {MERGED},
                          read=record)
        except (NotFound, PermissionDenied):
            changes = []
    entries = [entry for panel in panels if panel.timeline and kind in ("all", panel.name)
               for entry in panel.timeline(meta, record, svc) or ()]
    names = _names_of(_link_ids(meta, changes))
    events: list = _save_events(meta, record, changes, names)
    events += entries
    if kind in ("all", "emails"):
        events += _emails(meta, record)
    events.sort(key=lambda e: e.at, reverse=True)
    events = events[:TIMELINE_ROWS]
    authors = {e.who for e in events if isinstance(e.who, int)}
    users = _names_of({"user": authors}) if authors and "user" in metadata.entities else {}
    for event in events:
        if event.who is None or isinstance(event.who, int):
            found = users.get(("user", event.who))
            event.who = found.text if found else ("system" if event.who is None else f"user #{event.who}")
    return events


def _save_events(meta, record, changes, names) -> list[SaveEvent]:
    from trellis.data.storage import as_utc

    born = as_utc(record.created_at) if record.created_at is not None else None
    events = []
    for save in saves_of(changes):
        merged = [c for c in save.changes if c.field == MERGED]
        created = born is not None and save.at == born
        items = [_item(meta.fields[c.field], c, names) for c in save.changes
                 if c.field in meta.fields and not meta.fields[c.field].computed
                 and not (created and c.new in (None, False, "", []))]   # created: the values it was given
        event = SaveEvent("created" if created else "merged" if merged else "change", save.at,
                          save.actor or save.user_id, items)
        if merged and not created:
            event.merged_id = (merged[0].new or {}).get("id")
            event.merged_title = (merged[0].new or {}).get("title") or ""
        if items or merged or created:
            events.append(event)
    return events


def _item(fld, change, names) -> Item:
    return Item(field_label(fld), _shown(fld, change.old, names), _shown(fld, change.new, names))


def _shown(fld, value, names: dict[tuple[str, int], Value]) -> Value:
    """A history value (JSON: decimals and dates as text) as the form shows it."""
    if value is None or value == "" or value == []:
        return Value("")
    if fld.type in ("link", "user"):
        return names.get((link_target(fld), _as_id(value)), Value(f"#{value}"))
    typed = value
    metadata = runtime().metadata
    try:
        typed = coercer(fld, metadata.field_types.get(fld.type))(value)
    except (ValueError, TypeError):
        pass   # a value an older version of the field allowed: shown as stored
    return Value(display(fld, typed) or str(value))


def _as_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _link_ids(meta, changes) -> dict[str, set[int]]:
    """Per linked entity, the ids that link fields' changes point at."""
    wanted: dict[str, set[int]] = {}
    for change in changes:
        fld = meta.fields.get(change.field)
        if fld is not None and fld.type in ("link", "user"):
            ids = {_as_id(change.old), _as_id(change.new)} - {None}
            wanted.setdefault(link_target(fld), set()).update(ids)
    return wanted


def _names_of(wanted: dict[str, set[int]]) -> dict[tuple[str, int], Value]:
    """The titles (and pages) of the records ``wanted`` (entity -> ids): one query per entity, through the
    service, so a record the viewer may not read keeps its bare ``#id``."""
    names: dict[tuple[str, int], Value] = {}
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
            text = (display(title, row.get(other.title)) if title is not None else "").strip()
            url = None if target == "user" else f"/app/{target}/{row.id}"
            names[(target, row.id)] = Value(text or row.get("email") or f"#{row.id}", url)
    return names


def _emails(meta, record) -> list[TimelineEntry]:
    """Emails automations sent (or tried) about the record."""
    from trellis.automation.email import emails_for
    from trellis.data.storage import as_utc

    rows = emails_for(current_app._get_current_object(), meta.name, record.id)[:TIMELINE_ROWS]
    return [TimelineEntry("email", as_utc(row["at"]), row.get("automation") or "automation", str(row["subject"]),
                          f"{row['recipient']} · {row['status']}") for row in rows]


def refers_to_a_record(meta) -> bool:
    """True for an entity whose records are about another record (``ref_entity`` + ``ref_record``, e.g. a
    note): its page links to that record instead of showing a timeline of its own."""
    return REF_ENTITY in meta.fields and REF_RECORD in meta.fields


def parent_of(meta, record) -> dict | None:
    """``{"label", "title", "url"}`` of the record ``record`` is about, when the viewer may read it."""
    if not refers_to_a_record(meta):
        return None
    target, target_id = record.get(REF_ENTITY), _as_id(record.get(REF_RECORD))
    other = runtime().metadata.entities.get(target or "")
    if other is None or target_id is None:
        return None
    found = _names_of({other.name: {target_id}}).get((other.name, target_id))
    if found is None:
        return None
    return {"label": entity_label(other), "title": found.text, "url": found.url}
