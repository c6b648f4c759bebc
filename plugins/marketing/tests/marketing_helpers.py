"""Helpers of the marketing plugin's tests: an SMTP inbox, contacts with orders, campaigns, sending."""

from __future__ import annotations

import socket
import time
from datetime import date

MOTHERS_DAY = """\
segment: mothers_day
label: {en: "Mother's Day buyers", ru: Покупатели ко Дню матери, bg: Купувачи за Деня на майката, fa: خریداران روز مادر}
contact: {do_not_contact: false}
orders: {from: "05-01", to: "05-14", year: last}
"""


class Inbox:
    """An aiosmtpd handler keeping every message; ``refuse`` maps an address to an SMTP error reply."""

    def __init__(self):
        self.messages = []
        self.refuse = {}
        self.peers = []   # the client's (host, port) of each message: one per SMTP connection
        self.times = []   # when each message came (time.monotonic)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.peers.append(session.peer)
        self.times.append(time.monotonic())
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if address in m["To"]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def last_year(month: int, day: int) -> date:
    return date(date.today().year - 1, month, day)


def contact(records, name, orders=(), **values):
    """A contact ``name`` (email name@example.com) with delivered orders on the given dates."""
    person = records.create("contact", {"last_name": name.title(), "first_name": name.title(),
                                        "email": f"{name}@example.com", **values})
    for day in orders:
        records.create("order", {"name": f"{name} {day}", "contact": person.id, "amount": 50, "order_date": day,
                                 "status": "delivered"})
    return person


def campaign(records, name="Mother's Day", **values):
    """A draft email campaign to the Mother's Day segment with a personalised template."""
    template = records.query("email_template").filter(name="Mother's Day").first() or records.create(
        "email_template", {"name": "Mother's Day", "subject": "{{ first_name }}, 20% off for Mother's Day",
                           "body": '<p>Hello {{ first_name }},</p><p><a href="https://shop.example/mothers-day">'
                                   "Shop now</a></p>"})
    return records.create("marketing_campaign", {"name": name, "segment": "mothers_day", "template": template.id,
                                                 "rate": 100000, **values})


def send(app, records, record):
    """Schedule ``record`` (now) and run the jobs it queued."""
    from trellis.automation import drain

    records.transition("marketing_campaign", record.id, "schedule")
    drain(app)
    return records.get("marketing_campaign", record.id)
