"""``trellis demo``'s service desk: two teams, tickets from every channel, threads, calls, SLA states."""

from __future__ import annotations

from trellis import system_records

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
FLOW = ("new", "open", "waiting", "resolved", "closed")
MOVES = {"open": ["start"], "waiting": ["start", "wait"], "resolved": ["start", "resolve"],
         "closed": ["start", "resolve", "close"], "new": []}
TARGETS = {"start": "open", "wait": "waiting", "resolve": "resolved", "close": "closed"}


def load(context) -> None:
    """The desk's teams and a ticket per demo contact (up to 120; eight in the small demo), across states."""
    records = system_records("service")
    contacts = context.created.get("contact", [])[:context.sized(120, len(SUBJECTS))]
    if not contacts:
        return
    billing = records.create("support_team", {"name": "Billing", "email": "billing@example.com"})
    care = records.create("support_team", {"name": "Customer care", "email": "support@example.com"})
    for index, contact in enumerate(contacts):
        subject, category, priority, channel = SUBJECTS[index % len(SUBJECTS)]
        team = billing if subject.startswith(("Invoice", "Discount")) else care
        ticket = records.create("ticket", {
            "subject": subject, "contact": contact.id, "email": contact.get("email"), "channel": channel,
            "category": category, "priority": priority, "team": team.id, "company": contact.get("company")})
        context.remember("ticket", ticket)
        records.create("ticket_message", {"ticket": ticket.id, "kind": "inbound", "sender": contact.get("email"),
                                          "subject": subject, "body": f"{subject}. Could you help, please?"})
        state = FLOW[index % len(FLOW)]
        if state != "new":
            records.create("ticket_message", {"ticket": ticket.id, "kind": "outbound", "subject": f"Re: {subject}",
                                              "body": "Thank you, we are looking into it."})
        for move in MOVES[state]:
            if records.get("ticket", ticket.id)["status"] != TARGETS[move]:  # a reply may have started it
                records.transition("ticket", ticket.id, move)
        if channel == "phone":
            records.create("call_log", {"summary": f"Call: {subject}", "contact": contact.id, "ticket": ticket.id,
                                        "direction": "inbound", "duration": context.random.randint(60, 900),
                                        "outcome": "answered"})
