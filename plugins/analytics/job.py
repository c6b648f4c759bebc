"""The nightly job: scores on contacts, product pairs, lead scores; only what changed is written.

Every write goes through the record service as the system on behalf of ``analytics``
(the fields are ``readonly``: nobody else sets them). The job reads the stored scores
in one statement and updates only the contacts whose values differ
(:mod:`.job_writes`): a second run on the same day writes nothing, and a night after
a few orders writes few contacts. Each write keeps field history, which says when a
contact became "at risk".
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select
from trellis import system_records
from trellis_plugins.analytics import leads, pairs
from trellis_plugins.analytics.job_writes import changed_rows, write
from trellis_plugins.analytics.scores import SCORE_FIELDS, customers, fields_of
from trellis_plugins.analytics.settings import current

ACTOR = "analytics"
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
    """Write every customer's RFM, CLV and churn fields; clear them on contacts no longer customers."""
    wanted = {customer.contact: fields_of(customer, settings, today)
              for customer in customers(records, settings, today)}
    stored = stored_scores(records)
    changes = changed_rows({contact: (stored.get(contact, {}), values) for contact, values in wanted.items()})
    cleared = [(contact, dict.fromkeys(SCORE_FIELDS)) for contact in stored if contact not in wanted]
    write(records, "contact", changes + cleared)
    return {"customers": len(wanted), "written": len(changes), "cleared": len(cleared)}


def stored_scores(records) -> dict[int, dict]:
    """The score fields of every contact that has them now, by contact id (one statement)."""
    query = records.query("contact")
    table = query.table
    columns = [table.c[name] for name in SCORE_FIELDS]
    rows = query.aggregate(lambda dialect: select(table.c.id, *columns).where(table.c.paid_orders.is_not(None)))
    return {int(row[0]): dict(zip(SCORE_FIELDS, row[1:], strict=True)) for row in rows}
