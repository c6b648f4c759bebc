"""The nightly job: scores on contacts, product pairs, lead scores; only what changed is written.

Every write goes through the record service as the system on behalf of ``analytics``
(the fields are ``readonly``: nobody else sets them). The customers' scores are
computed by one SQL statement that also brings each contact's stored scores; its
rows are streamed in lists of ``CHUNK``, and only the contacts whose values differ
are written, with one ``update_many`` per list: a second run on the same day writes
nothing, and memory stays about one list whatever the number of customers. On
PostgreSQL the statement compares too (:mod:`.changed`), so that only the rows to
write or clear leave the database. The
score fields keep no history (they change every day), except ``rfm_segment``, whose
history says when a contact became "at risk".
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import exists, func, literal, select
from trellis import system_records
from trellis_plugins.analytics import leads, pairs
from trellis_plugins.analytics.changed import changed_statement
from trellis_plugins.analytics.job_writes import same
from trellis_plugins.analytics.scores import SCORE_FIELDS, customer_of, customers_statement, fields_of, segment_table
from trellis_plugins.analytics.settings import current

ACTOR = "analytics"
CHUNK = 2000
"""Customers per list read from the database and per ``update_many`` (the job's memory is about one list)."""
WORK_MEM = "256MB"
"""PostgreSQL's ``work_mem`` for the job's transaction (``SET LOCAL``): the aggregate over the orders and
the quintiles' sorts stay in memory instead of spilling to disk or reading the orders through an index."""
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
    On PostgreSQL the database compares first (:mod:`.changed`): only the rows to write
    or clear come back, in one statement; ``customers`` counts the rows read.
    """
    contacts = records.query("contact").table
    orders = records.query("order")
    segments = segment_table(settings)
    counts = {"customers": 0, "written": 0, "cleared": 0}
    with records.transaction():
        orders.aggregate(lambda dialect: select(
            func.set_config("work_mem", WORK_MEM, True) if dialect == "postgresql" else literal(1)))
        dialects = []

        def customers(dialect: str):
            dialects.append(dialect)
            if dialect == "postgresql":
                return changed_statement(orders.table, contacts, settings, today, segments)
            return customers_statement(orders.table, settings, today, contacts)

        for rows in orders.stream(customers, size=CHUNK):
            gone = [int(row.stored_id) for row in rows if row.contact is None]
            _write(records, [row for row in rows if row.contact is not None], settings, today, segments, counts)
            _clear(records, gone, counts)
        if dialects != ["postgresql"]:   # the statement above found them there
            for rows in records.query("contact").stream(lambda dialect: gone_statement(
                    orders.table, contacts, settings, today, dialect), size=CHUNK):
                _clear(records, [int(row.id) for row in rows], counts)
    return counts


def _write(records, rows, settings, today: date, segments: dict, counts: dict) -> None:
    changes = {}
    for row in rows:
        values = fields_of(customer_of(row), settings, today, segments)
        if any(not same(row._mapping[name], value) for name, value in values.items()):
            changes[int(row.contact)] = values
    counts["customers"] += len(rows)
    counts["written"] += len(changes)
    records.update_many("contact", changes)


def _clear(records, ids: list[int], counts: dict) -> None:
    counts["cleared"] += len(ids)
    records.update_many("contact", {record_id: dict.fromkeys(SCORE_FIELDS) for record_id in ids})


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
