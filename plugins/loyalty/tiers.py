"""Tiers: the level an account reaches with the points it earned in the last 12 months.

An earn can only raise a tier (:func:`raise_tier`); the nightly job sets every
account's tier from its rolling 12 months, which is where a downgrade happens
(:func:`tier_changes`). Points count from the ledger entry's date (the order's date).
"""

from __future__ import annotations

from datetime import date, timedelta

COUNTED = ("earned", "reversed")
WINDOW_DAYS = 365


def window_start(today: date) -> date:
    """The first day whose points still count towards a tier on ``today``."""
    return today - timedelta(days=WINDOW_DAYS - 1)


def points_in_window(system, account_id: int, today: date) -> int:
    """Points the account earned (net of reversals) in the 12 months up to ``today``."""
    from sqlalchemy import func, select

    query = system.query("loyalty_entry").filter(account=account_id, kind__in=list(COUNTED),
                                                 dated__gte=window_start(today), dated__lte=today)
    rows = query.aggregate(lambda dialect: select(func.coalesce(func.sum(query.table.c.points), 0)))
    return int(rows[0][0]) if rows else 0


def _rank(programme, name: str | None) -> int:
    return next((tier.threshold for tier in programme.tiers if tier.name == name), -1)


def raise_tier(programme, account, earned: int, system, today: date, window=None) -> str | None:
    """Move ``account`` up to the tier its last 12 months reach; never down (that is the nightly job's).

    ``earned`` is the account's points earned ever: while they are below the next tier's
    threshold, its 12 months cannot reach it either, and the ledger is not read.
    ``window``: a callable giving the account's points in the 12 months, for a caller that
    keeps count (a batch, whose entries are written at its end); by default they are
    summed from the ledger. Returns the tier it moved to, or None.
    """
    higher = [tier for tier in programme.tiers if tier.threshold > _rank(programme, account.get("tier"))]
    if not higher or earned < min(tier.threshold for tier in higher):
        return None
    reached = programme.tier_for(window() if window is not None else points_in_window(system, account.id, today))
    if reached is None or reached.threshold <= _rank(programme, account.get("tier")):
        return None
    system.update("loyalty_account", account.id, {"tier": reached.name})
    return reached.name


def tier_changes(programme, accounts, window_points: dict[int, int]) -> list[tuple[int, str | None]]:
    """``(account id, tier)`` for every account whose tier differs from what its 12 months reach."""
    changes = []
    for account in accounts:
        reached = programme.tier_for(window_points.get(account.id, 0))
        name = reached.name if reached is not None else None
        if name != account.get("tier"):
            changes.append((account.id, name))
    return changes
