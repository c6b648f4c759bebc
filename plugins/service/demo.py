"""``trellis demo``'s service desk: two teams, tickets from every channel with threads, calls and a past.

Each ticket lives a :class:`Story` (answered and resolved in time, resolved late, open and at risk,
never answered...): its messages and moves are written at the moments the story gives them, in business
hours of its SLA policy's calendar counted back from now (``context.at``), and the plugin's own SLA
logic gives it its state, as the desk would have lived it, then moves the open ones on to now. Most
tickets meet their SLA; some breach it, some are near breach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from trellis import metadata_model, system_records

SUBJECTS = (
    ("Invoice shows the wrong VAT rate", "problem", "high", "email"),
    ("How do I export my order history?", "question", "normal", "web"),
    ("Courier left the parcel at the wrong door", "complaint", "urgent", "phone"),
    ("Please add a second delivery address", "request", "low", "chat"),
    ("Password reset email never arrives", "problem", "normal", "email"),
    ("Discount code rejected at checkout", "problem", "high", "web"),
    ("Can I change my subscription plan?", "question", "low", "chat"),
    ("Damaged item in my last order", "complaint", "high", "phone"),
)


@dataclass(frozen=True)
class Story:
    """A ticket's life, in fractions of its SLA policy's targets: opened ``age`` of the resolution target ago;
    answered ``answer`` of the first-response target after that; waiting on the customer from ``wait``, resolved
    at ``resolve`` (of the resolution target); None: not (yet)."""

    status: str
    age: float
    answer: float | None = None
    wait: float | None = None
    resolve: float | None = None


STORIES = (
    Story("closed", 0.6, answer=0.4, resolve=0.5),
    Story("closed", 0.8, answer=0.6, resolve=0.7),
    Story("new", 0.05),                                  # just in
    Story("closed", 0.5, answer=0.2, resolve=0.3),
    Story("resolved", 0.5, answer=0.3, resolve=0.4),
    Story("closed", 1.5, answer=0.5, resolve=1.3),      # resolved late: breached
    Story("open", 0.3, answer=0.5),
    Story("closed", 0.7, answer=0.3, resolve=0.6),
    Story("open", 0.9, answer=0.5),                     # near breach
    Story("closed", 0.4, answer=0.1, resolve=0.35),
    Story("new", 0.5),                                  # never answered: breached
    Story("waiting", 0.6, answer=0.3, wait=0.4),        # the clock stands still while the customer is asked
    Story("closed", 0.9, answer=0.7, resolve=0.8),
    Story("resolved", 0.3, answer=0.2, resolve=0.25),
    Story("open", 1.2, answer=0.6),                     # overdue: breached
    Story("closed", 0.6, answer=0.5, resolve=0.55),
    Story("open", 0.85, answer=0.4),                    # near breach
    Story("closed", 0.5, answer=0.3, resolve=0.45),
)
FALLBACK = (timedelta(hours=8), timedelta(hours=40))   # the pace of tickets no policy covers
CLOSED_AFTER = timedelta(hours=2)                      # business time from resolved to closed
HISTORY = timedelta(days=200)                          # how far back the working periods are looked up


def load(context) -> None:
    """The desk's teams and a ticket per demo contact (up to 120; one per story in the small demo)."""
    from trellis_plugins.service.tickets import advance_slas

    records = system_records("service")
    contacts = context.created.get("contact", [])[:context.sized(120, len(STORIES))]
    if not contacts:
        return
    billing = records.create("support_team", {"name": "Billing", "email": "billing@example.com"})
    care = records.create("support_team", {"name": "Customer care", "email": "support@example.com"})
    now, clocks = datetime.now(UTC), {}
    for index, contact in enumerate(contacts):
        subject, category, priority, channel = SUBJECTS[index % len(SUBJECTS)]
        team = billing if subject.startswith(("Invoice", "Discount")) else care
        values = {"subject": subject, "contact": contact.id, "email": contact.get("email"), "channel": channel,
                  "category": category, "priority": priority, "team": team.id, "company": contact.get("company")}
        moments = _moments(STORIES[index % len(STORIES)], values, now, clocks, context.random)
        ticket = _live(context, records, values, moments)
        context.remember("ticket", ticket)
    advance_slas(now)   # what the scheduled job would have done by now: near breach, breached


def _moments(story: Story, ticket: dict, now: datetime, clocks: dict, rng) -> dict[str, datetime]:
    """When each step of ``story`` happens for ``ticket``: ``opened``, and ``answer``, ``wait``, ``resolve``,
    ``close`` when the story has them; business time on the calendar the ticket's SLA counts on."""
    from trellis_plugins.service.sla import policy_for
    from trellis_plugins.service.tickets import sla_calendar

    policy = policy_for(ticket, metadata_model().configs.get("sla", []))
    first = (policy.first_response if policy is not None else None) or FALLBACK[0]
    resolution = (policy.resolution if policy is not None else None) or FALLBACK[1]
    calendar = sla_calendar(ticket, policy)
    if calendar.name not in clocks:
        clocks[calendar.name] = list(calendar.periods(now - HISTORY, now))
    extra = timedelta(hours=rng.uniform(4, 400)) if story.status == "closed" else timedelta(0)  # months of history
    opened = _before(clocks[calendar.name], resolution * story.age + extra, now)
    moments = {"opened": opened}
    for step, target, fraction in (("answer", first, story.answer), ("wait", resolution, story.wait),
                                   ("resolve", resolution, story.resolve)):
        if fraction is not None:
            moments[step] = calendar.add_working_time(opened, target * fraction)
    if story.status == "closed":
        moments["close"] = min(calendar.add_working_time(moments["resolve"], CLOSED_AFTER), now)
    return moments


def _before(periods: list[tuple[datetime, datetime]], span: timedelta, now: datetime) -> datetime:
    """The moment ``span`` of working time before the end of ``periods`` (working periods up to now)."""
    left = span
    for low, high in reversed(periods):
        if high - low >= left:
            return high - left
        left -= high - low
    return periods[0][0] if periods else now - span


def _live(context, records, values: dict, moments: dict[str, datetime]):
    """Write the ticket, its thread, its moves and its call, each at its moment; returns the ticket."""
    subject, contact = values["subject"], values["contact"]
    with context.at(moments["opened"]):
        ticket = records.create("ticket", values)
        records.create("ticket_message", {"ticket": ticket.id, "kind": "inbound", "sender": values["email"],
                                          "subject": subject, "body": f"{subject}. Could you help, please?"})
        if values["channel"] == "phone":
            records.create("call_log", {"summary": f"Call: {subject}", "contact": contact, "ticket": ticket.id,
                                        "direction": "inbound", "duration": context.random.randint(60, 900),
                                        "outcome": "answered"})
    if "answer" in moments:
        with context.at(moments["answer"]):   # the first reply starts the ticket
            records.create("ticket_message", {"ticket": ticket.id, "kind": "outbound", "subject": f"Re: {subject}",
                                              "body": "Thank you, we are looking into it."})
    for step, move in (("wait", "wait"), ("resolve", "resolve"), ("close", "close")):
        if step in moments:
            with context.at(moments[step]):
                records.transition("ticket", ticket.id, move)
    return records.get("ticket", ticket.id)
