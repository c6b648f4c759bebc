"""Service level agreements: ``sla:`` YAML policies, due dates in business hours, and the SLA state of a ticket.

::

    sla: urgent_issues
    label: {en: Urgent issues}
    priority: [high, urgent]          # the tickets it covers (absent: any)
    category: [problem, complaint]
    calendar: sofia_desk              # absent: the team's calendar, else the organisation's default
    first_response_hours: 1           # business hours on that calendar
    resolution_hours: 8
    near_breach_percent: 75           # when the state turns near_breach (default 80)

The most specific policy whose ``priority`` and ``category`` cover a ticket applies
to it. Time waiting on the customer does not count. A ticket's ``sla_state``
only goes forward (on_track, near_breach, breached; met when resolved in time), so an
automation on its change fires exactly once per ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from trellis.metadata.reading import NAME, kind_of

WHAT = "an SLA policy"
KEYS = ("sla", "label", "priority", "category", "calendar", "first_response_hours", "resolution_hours",
        "near_breach_percent")
MAX_HOURS = 24 * 366
ORDER = {"on_track": 0, "near_breach": 1, "breached": 2}
DONE = ("resolved", "closed")
_HOURS = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_HOURS}
_NAMES = {"type": "array", "items": {"type": "string"}}
SCHEMA = {
    "type": "object", "required": ["sla"], "additionalProperties": False,
    "description": "A service level agreement (the service plugin): targets in business hours.",
    "properties": {"sla": {"type": "string"}, "label": {"anyOf": [{"type": "string"}, {"type": "object"}]},
                   "priority": _NAMES, "category": _NAMES, "calendar": {"type": "string"},
                   "first_response_hours": _HOURS, "resolution_hours": _HOURS,
                   "near_breach_percent": {"type": "integer", "minimum": 1, "maximum": 99}},
}


@dataclass(frozen=True)
class Policy:
    """One SLA policy as its YAML says it."""

    name: str
    label: dict
    priorities: tuple[str, ...]
    categories: tuple[str, ...]
    calendar: str | None
    first_response: timedelta | None
    resolution: timedelta | None
    near_percent: int = 80

    def covers(self, ticket) -> bool:
        """Whether the ticket's priority and category are among the policy's (an empty list covers any)."""
        return ((not self.priorities or ticket.get("priority") in self.priorities)
                and (not self.categories or ticket.get("category") in self.categories))


def build(document, reader) -> Policy | None:
    """Check one ``sla:`` document, reporting mistakes where they are written."""
    reader.keys(document, KEYS, WHAT)
    name = document.get("sla")
    if not isinstance(name, str) or not NAME.match(name):
        reader.error(document.value_at("sla"), f"'sla' must be a name in lower case, not {kind_of(name)}")
        return None
    what = f"SLA policy '{name}'"
    hours = {key: _hours(document, key, what, reader) for key in ("first_response_hours", "resolution_hours")}
    if not any(hours.values()) and not any(key in document for key in hours):
        reader.error(document.source, f"{what} needs a target: first_response_hours or resolution_hours")
    near = reader.integer(document, "near_breach_percent", what, minimum=1) or 80
    if near > 99:
        reader.error(document.value_at("near_breach_percent"), f"'near_breach_percent' of {what} must be 1 to 99")
        near = 80
    return Policy(name, reader.label(document, "label", what),
                  tuple(n for n, _ in reader.names(document, "priority", what)),
                  tuple(n for n, _ in reader.names(document, "category", what)),
                  reader.text(document, "calendar", what), hours["first_response_hours"], hours["resolution_hours"],
                  near)


def _hours(document, key: str, what: str, reader) -> timedelta | None:
    value = document.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_HOURS:
        reader.error(document.value_at(key), f"'{key}' of {what} must be a number of hours above 0, "
                                             f"at most {MAX_HOURS}")
        return None
    return timedelta(hours=value)


def policy_for(ticket, policies) -> Policy | None:
    """The most specific policy covering ``ticket`` (one naming priorities and categories before one naming
    either, before one naming neither), the first in layer order among equals; a later layer's policy
    of the same name replaces the earlier one."""
    by_name = {}
    for policy in policies:
        by_name[policy.name] = policy
    covering = [policy for policy in by_name.values() if policy.covers(ticket)]
    return max(covering, key=lambda policy: bool(policy.priorities) + bool(policy.categories), default=None)


def evaluate(ticket, policy: Policy, calendar, pauses, now: datetime) -> dict:
    """The SLA fields of ``ticket`` at ``now``: due dates (None while paused) and the state, never going back."""
    start = ticket["created_at"] or now
    values = {"sla": policy.name,
              "first_response_due": _due(calendar, start, policy.first_response, pauses),
              "resolution_due": _due(calendar, start, policy.resolution, pauses)}
    pending = []
    if policy.first_response is not None:
        pending.append((policy.first_response, values["first_response_due"], ticket.get("first_response_at")))
    if policy.resolution is not None:
        pending.append((policy.resolution, values["resolution_due"],
                        ticket.get("resolved_at") if ticket.get("status") in DONE else None))
    state = "on_track"
    for target, due, done_at in pending:
        moment = done_at or now
        if due is not None and moment >= due:
            state = "breached"
        elif done_at is None and (calendar.working_time_between(start, now, pauses)
                                  >= target * policy.near_percent / 100):
            state = max(state, "near_breach", key=ORDER.get)
    current = ticket.get("sla_state") or "on_track"
    if current in ORDER and ORDER[current] > ORDER[state]:
        state = current
    if ticket.get("status") in DONE and state != "breached":
        state = "met"
    values["sla_state"] = state
    return values


def _due(calendar, start, target, pauses):
    return calendar.add_working_time(start, target, pauses) if target is not None else None
