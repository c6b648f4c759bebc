"""A ticket's clock and how new messages move it along its workflow.

``pauses`` holds the periods spent waiting on the customer as ``[[from, to], ...]``
(ISO 8601 in UTC, ``to`` null while still waiting): the form a business calendar's
``add_working_time`` and ``working_time_between`` take as ``pauses``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

WAITING = "waiting"
REOPENED_FROM = ("waiting", "resolved")


def pauses_of(record) -> list[tuple[datetime, datetime | None]]:
    """The ticket's waiting periods as (from, to or None) datetimes, for a business calendar."""
    return [(_moment(low), _moment(high) if high else None) for low, high in record.get("pauses") or []]


def keep_clock(record, changes, now: datetime) -> None:
    """Open a pause when the ticket starts waiting on its customer, close it when it stops; stamp resolution
    and rating."""
    if "rating" in changes:
        record["rated_at"] = now
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
            system.update("ticket", ticket.id, {"first_response_at": context.now,
                                                "first_response_band": response_band(ticket, context.now)})
        if ticket["status"] == "new":
            system.transition("ticket", ticket.id, "start")


BANDS = ((timedelta(hours=1), "under_1h"), (timedelta(hours=4), "1_4h"), (timedelta(hours=8), "4_8h"),
         (timedelta(hours=16), "1_2d"))
"""First-response bands by business hours: a working day is counted as 8 hours."""


def response_band(ticket, now: datetime) -> str:
    """The band of the ticket's first response at ``now``: business hours since it was opened, on its team's
    calendar (the organisation's default without a team), waiting on the customer not counted."""
    from trellis import business_calendar

    calendar = business_calendar(_team_calendar(ticket))
    taken = calendar.working_time_between(ticket.get("created_at") or now, now, pauses_of(ticket))
    return next((band for limit, band in BANDS if taken < limit), "over_2d")


def _text(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def apply_sla(record, now: datetime) -> None:
    """Set the ticket's SLA fields (policy, due dates, state) as they stand at ``now``; nothing without a policy."""
    from trellis import metadata_model
    from trellis_plugins.service.sla import evaluate, policy_for

    policy = policy_for(record, metadata_model().configs.get("sla", []))
    if policy is None:
        return
    for field, value in evaluate(record, policy, sla_calendar(record, policy), pauses_of(record), now).items():
        if record.get(field) != value:
            record[field] = value


def sla_calendar(record, policy=None):
    """The business calendar the ticket's SLA hours count on: ``policy``'s (when it names one), else its team's,
    else the organisation's default."""
    from trellis import business_calendar

    return business_calendar((policy.calendar if policy is not None else None) or _team_calendar(record))


def _team_calendar(record) -> str | None:
    from trellis import system_records

    if not record.get("team"):
        return None
    team = system_records("service").query("support_team").filter(id=record["team"]).first()
    return (team.get("calendar") or None) if team is not None else None


SLA_INPUTS = ("created_at", "status", "priority", "category", "team", "pauses", "first_response_at",
              "resolved_at", "sla", "sla_state", "first_response_due", "resolution_due")
SLA_OUTPUTS = ("sla", "sla_state", "first_response_due", "resolution_due")
BATCH = 200


def check_slas(context) -> None:
    """The scheduled job: move each open ticket's SLA state forward as time passes (run every minute)."""
    advance_slas(context.now)


def advance_slas(now: datetime) -> None:
    """Bring each open ticket's SLA state (and due dates) up to ``now``.

    Each ticket is read under its lock and written only when a due date or the state
    changed, so the update (and any automation on ``sla_state``) happens once.
    """
    from trellis import system_records

    records = system_records("service")  # the SLA fields are read-only for everyone else
    cursor = 0
    while True:
        rows = (records.query("ticket").filter(status__in=["new", "open", "waiting"],
                                               sla_state__in=["on_track", "near_breach"], id__gt=cursor)
                .order_by("id").page(size=BATCH, count=False).rows)
        for row in rows:
            with records.transaction():
                ticket = records.lock("ticket", row.id)
                values = {field: ticket.get(field) for field in SLA_INPUTS}
                apply_sla(values, now)
                update = {field: values[field] for field in SLA_OUTPUTS if values.get(field) != ticket.get(field)}
                if update:
                    records.update("ticket", ticket.id, update)
        if len(rows) < BATCH:
            return
        cursor = rows[-1].id
