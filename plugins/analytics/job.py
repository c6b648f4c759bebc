"""The nightly job: scores on contacts, product pairs, lead scores; only what changed is written.

Every write goes through the record service as the system on behalf of ``analytics``
(the fields are ``readonly``: nobody else sets them). The customers' scores are
computed by one SQL statement that also brings each contact's stored scores; its
rows are streamed in lists of ``CHUNK``, and only the contacts whose values differ
are written, with one ``update_many`` per list: a second run on the same day writes
nothing, and memory stays about one list whatever the number of customers. The
score fields keep no history (they change every day), except ``rfm_segment``, whose
history says when a contact became "at risk".
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import exists, select
from trellis import system_records
from trellis_plugins.analytics import leads, pairs
from trellis_plugins.analytics.changed import differs, scored
from trellis_plugins.analytics.job_writes import same
from trellis_plugins.analytics.scores import SCORE_FIELDS, customer_of, customers_statement, fields_of, segment_table
from trellis_plugins.analytics.settings import current

ACTOR = "analytics"
CHUNK = 2000
"""Customers per list read from the database and per ``update_many`` (the job's memory is about one list)."""
log = logging.getLogger(__name__)


def run(context) -> None:
    """The scheduled job: everything, as of ``context.now``."""
    run_all(context.now.date())


def run_all(today: date, records=None) -> dict:
    """Scores, pairs and lead scores as of ``today``; what each step wrote (for the log and tests)."""
    records = records or system_records(ACTOR)
    settings = current()
    done = {"contacts": score_contacts(records, settings, today),
            "pairs": pairs.refresh(records, settings, today),
            "leads": leads.refresh(records, settings)}
    log.info("analytics: %s", done)
    return done


def score_contacts(records, settings, today: date) -> dict:
    """Write every customer's RFM, CLV and churn fields; clear them on contacts no longer customers.

    One transaction: the customers' rows (with their stored scores) stream in lists of
    ``CHUNK``, and each list's changed contacts are written with one ``update_many``.
    """
    contacts = records.query("contact").table
    orders = records.query("order")
    segments = segment_table(settings)
    customers = written = cleared = 0
    with records.transaction():
        for rows in orders.stream(lambda dialect: customers_statement(
                orders.table, settings, today, contacts, only=changed_only(dialect, settings, today, segments)),
                size=CHUNK):
            changes = {}
            for row in rows:
                values = fields_of(customer_of(row), settings, today, segments)
                if any(not same(row._mapping[name], value) for name, value in values.items()):
                    changes[int(row.contact)] = values
            customers += len(rows)
            written += len(changes)
            records.update_many("contact", changes)
        for rows in records.query("contact").stream(lambda dialect: gone_statement(orders.table, contacts, settings,
                                                                                       today, dialect), size=CHUNK):
            cleared += len(rows)
            records.update_many("contact", {int(row.id): dict.fromkeys(SCORE_FIELDS) for row in rows})
    return {"customers": customers, "written": written, "cleared": cleared}


def changed_only(dialect: str, settings, today: date, segments: dict):
    """On PostgreSQL, the condition that keeps the customers whose stored scores differ (None elsewhere)."""
    if dialect != "postgresql":
        return None
    def only(ranked):
        return scored(ranked, settings, today), lambda row, stored: differs(row, stored, segments)

    return only


def gone_statement(orders, contacts, settings, today: date, dialect: str):
    """The contacts that have scores but no paid order in the window any more.

    PostgreSQL plans NOT EXISTS as an anti-join. SQLite would run it once per contact
    through the orders' status index, so there it is NOT IN, whose list SQLite builds once.
    """
    since = today - timedelta(days=settings.window_days - 1)
    paid = (orders.c.contact_id.is_not(None), orders.c.status.in_(settings.paid_states),
            orders.c.order_date >= since, orders.c.order_date <= today)
    if dialect == "sqlite":
        gone = contacts.c.id.not_in(select(orders.c.contact_id).where(*paid))
    else:
        gone = ~exists(select(orders.c.id).where(orders.c.contact_id == contacts.c.id, *paid))
    return select(contacts.c.id).where(contacts.c.paid_orders.is_not(None), gone)
