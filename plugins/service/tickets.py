"""A ticket's clock and how new messages move it along its workflow.

``pauses`` holds the periods spent waiting on the customer as ``[[from, to], ...]``
(ISO 8601 in UTC, ``to`` null while still waiting): the form a business calendar's
``add_working_time`` and ``working_time_between`` take as ``pauses``.
"""

from __future__ import annotations

from datetime import UTC, datetime

WAITING = "waiting"
REOPENED_FROM = ("waiting", "resolved")


def pauses_of(record) -> list[tuple[datetime, datetime | None]]:
    """The ticket's waiting periods as (from, to or None) datetimes, for a business calendar."""
    return [(_moment(low), _moment(high) if high else None) for low, high in record.get("pauses") or []]


def keep_clock(record, changes, now: datetime) -> None:
    """Open a pause when the ticket starts waiting on its customer, close it when it stops; stamp resolution."""
    if "status" not in changes:
        return
    old, new = changes["status"]
    pauses = [list(pause) for pause in record.get("pauses") or []]
    stamp = _text(now)
    if new == WAITING and old != WAITING:
        pauses.append([stamp, None])
    elif old == WAITING and pauses and pauses[-1][1] is None:
        pauses[-1][1] = stamp
    if pauses != (record.get("pauses") or []):
        record["pauses"] = pauses
    if new == "resolved":
        record["resolved_at"] = now
    elif old == "resolved" and new != "closed":
        record["resolved_at"] = None


def on_new_message(message, context) -> None:
    """The customer wrote: reopen a ticket waiting on them or resolved. An agent replied: first response."""
    system = context.system
    ticket = system.lock("ticket", message["ticket"])
    kind = message["kind"]
    if kind == "inbound" and ticket["status"] in REOPENED_FROM:
        system.transition("ticket", ticket.id, "reopen")
    elif kind == "outbound":
        if ticket.get("first_response_at") is None:
            system.update("ticket", ticket.id, {"first_response_at": context.now})
        if ticket["status"] == "new":
            system.transition("ticket", ticket.id, "start")


def _text(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
