"""The nightly job: tiers from the rolling 12 months (up and down), and expiry, oldest points first.

Points expire ``expiry.months`` after their date. Spending, reversing and expiring
use the oldest points first, so the points that must expire today are the points
dated on or before the cut-off that the account's outflows have not used yet:
``max(0, old points - everything ever taken out)``. Writing them as an ``expired``
entry makes the next run find nothing more: the job may run twice, or late.
``expiry.remind_days`` before points expire, the contact gets one email (points
dated exactly that many days before the cut-off are in the reminder of that day).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from trellis import ValidationError, queue_email, system_records
from trellis_plugins.loyalty.accounts import ACTOR, programmes
from trellis_plugins.loyalty.tiers import COUNTED, tier_changes, window_start

BATCH = 500


def months_before(day: date, months: int) -> date:
    """``day`` moved back ``months`` calendar months (the 31st becomes the month's last day)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


class Totals:
    """What one query over the ledger gives per account: 12-month points, old points, and outflows."""

    def __init__(self):
        self.window = defaultdict(int)
        self.old_in = defaultdict(int)
        self.soon_in = defaultdict(int)
        self.reminded = defaultdict(int)
        self.taken = defaultdict(int)


def ledger_totals(records, today: date, cutoff: date | None, remind_cutoff: date | None) -> Totals:
    """The sums the tiers and the expiry need, per account: one ``GROUP BY`` over the ledger, in the database."""
    from sqlalchemy import case, func, literal, select

    entries = records.query("loyalty_entry")
    account, kind = entries.column("account")[0], entries.column("kind")[0]
    points, dated = entries.column("points")[0], entries.column("dated")[0]

    def total(condition):
        if condition is None:
            return literal(0)
        return func.coalesce(func.sum(case((condition, points), else_=0)), 0)

    inflow = points > 0
    old = inflow & (dated <= cutoff) if cutoff is not None else None
    soon = inflow & (dated <= remind_cutoff) if cutoff is not None and remind_cutoff is not None else None
    reminded = inflow & (dated == remind_cutoff) if soon is not None else None
    rows = entries.aggregate(lambda dialect: select(
        account, total(kind.in_(list(COUNTED)) & (dated >= window_start(today)) & (dated <= today)),
        -total(points < 0), total(old), total(soon), total(reminded)).group_by(account))
    totals = Totals()
    for account_id, window, taken, old_in, soon_in, reminded_in in rows:
        account_id = int(account_id)
        totals.window[account_id], totals.taken[account_id] = int(window), int(taken)
        totals.old_in[account_id], totals.soon_in[account_id] = int(old_in), int(soon_in)
        totals.reminded[account_id] = int(reminded_in)
    return totals


def run(context) -> None:
    """The scheduled job: for each programme, tiers then expiry, as of ``context.now``."""
    today = context.now.date()
    records = system_records(ACTOR)  # tiers are read-only fields: only the plugin sets them
    for programme in programmes():
        settle_programme(programme, records, today)


def settle_programme(programme, records, today: date) -> dict:
    """Tiers and expiry of one programme on ``today``; returns what changed (for the job's log and tests)."""
    cutoff = months_before(today, programme.expiry_months) if programme.expiry_months else None
    remind = cutoff + timedelta(days=programme.remind_days) if cutoff and programme.remind_days else None
    totals = ledger_totals(records, today, cutoff, remind)
    accounts = list(records.query("loyalty_account").filter(program=programme.name).iterate(batch=BATCH))
    changed = tier_changes(programme, accounts, totals.window) if programme.tiers else []
    for account_id, tier in changed:
        records.update("loyalty_account", account_id, {"tier": tier})
    expired, reminded, rows = 0, 0, []
    for account in accounts:
        due = totals.old_in[account.id] - totals.taken[account.id]
        if due > 0:
            rows.append({"account": account.id, "kind": "expired", "points": -due, "dated": cutoff,
                         "key": f"expiry:{account.id}:{cutoff.isoformat()}",
                         "note": f"Points dated up to {cutoff.isoformat()}"})
        soon = totals.soon_in[account.id] - totals.taken[account.id] - max(due, 0)
        if remind and totals.reminded[account.id] and soon > 0:
            reminded += _remind(records, account, min(soon, totals.reminded[account.id]), today, programme)
    # In batches through the write path; each entry's before_save holds its account and
    # never expires more than the balance (a redemption may have run since the pass).
    for start in range(0, len(rows), BATCH):
        for result in records.create_many("loyalty_entry", rows[start:start + BATCH]):
            expired += -result["points"] if not isinstance(result, Exception) else 0
    return {"tiers": len(changed), "expired": expired, "reminded": reminded}


def clamp_expiry(record, context) -> None:
    """An ``expired`` entry takes at most the account's balance; refused when the balance is nil."""
    account = context.system.lock("loyalty_account", record["account"])
    balance = int(account.get("balance") or 0)
    if balance <= 0:
        raise ValidationError({"points": "nothing left to expire"})
    record["points"] = -min(-record["points"], balance)


def _remind(records, account, points: int, today: date, programme) -> int:
    from flask_babel import gettext as _

    contact = records.get("contact", account["contact"])
    if not contact.get("email"):
        return 0
    expires = today + timedelta(days=programme.remind_days)
    # The body is a template rendered with the account's fields; the numbers are put in as text.
    body = _("%(points)s points on your card %(card)s expire on %(date)s. Use them before then!",
             points=points, card="{{ card_number }}", date=expires.isoformat())
    subject = _("%(points)s loyalty points expire on %(date)s", points=points, date=expires.isoformat())
    queue_email(account, contact["email"], subject=subject, body=body)
    return 1
