"""Ticket and contact pages: the thread, the calls, and suggested knowledge base articles."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from trellis import RecordPanel, TimelineEntry
from trellis.web.labels import display

ROWS = 50


def _rows(records, entity: str, **where) -> list:
    if entity not in records.metadata.entities:
        return []
    try:
        return records.query(entity).filter(**where).order_by("-created_at").page(size=ROWS, count=False).rows
    except Exception:  # noqa: BLE001 - a viewer who may not read them sees none (PermissionDenied, QueryError)
        return []


def messages(meta, record, records) -> list[TimelineEntry]:
    """The ticket's thread, newest first: the customer's emails, replies and internal notes."""
    kind = records.metadata.entities["ticket_message"].fields["kind"]
    return [TimelineEntry(f"ticket_message_{row['kind']}", row.created_at, row.created_by,
                          str(row.get("body") or row.get("subject") or ""),
                          " · ".join(part for part in (display(kind, row["kind"]), row.get("sender") or "") if part),
                          f"/app/ticket_message/{row.id}", label=_("message"))
            for row in _rows(records, "ticket_message", ticket=record.id)]


def calls(meta, record, records) -> list[TimelineEntry]:
    """The calls with this contact (or about this ticket), newest first, with direction, outcome and length."""
    fields = records.metadata.entities["call_log"].fields
    rows = _rows(records, "call_log", **{meta.name: record.id})
    return [TimelineEntry("call", row.created_at, row.created_by, str(row.get("summary") or ""),
                          f"{display(fields['direction'], row['direction'])} · "
                          f"{display(fields['outcome'], row['outcome'])} · {_minutes(row.get('duration'))}",
                          f"/app/call_log/{row.id}", label=_("call"))
            for row in rows]


def _minutes(seconds) -> str:
    seconds = int(seconds or 0)
    return _("%(minutes)d:%(seconds)02d min", minutes=seconds // 60, seconds=seconds % 60)


def panels(entity: str) -> list[RecordPanel]:
    """What the service plugin adds to a record's page: the thread on tickets, calls on contacts and tickets."""
    found = []
    if entity == "ticket":
        from trellis_plugins.service.knowledge import panel_values

        found.append(RecordPanel("kb_suggestions", template="service/suggestions.html", values=panel_values, order=4))
        from trellis_plugins.service.attachments import panel_values as attachment_values

        found.append(RecordPanel("ticket_attachments", template="service/attachments.html",
                                 values=attachment_values, order=5))
        found.append(RecordPanel("ticket_messages", timeline=messages, order=5, label=lazy_gettext("Messages")))
    if entity in ("contact", "ticket"):
        found.append(RecordPanel("calls", timeline=calls, order=30, label=lazy_gettext("Calls")))
    return found
