"""Settling a batch of saved orders at once: what ``after_save_many`` on ``order`` runs.

The rule is :mod:`.earning`'s, applied order by order in the order given; what a
batch saves is statements. The batch's contacts are locked with one call (in id
order, so two batches never wait for each other), the orders saved before (version
> 1) are looked up in the ledger with one query, each programme's accounts are read
with one query (their vouchers counted with one ``GROUP BY``) and the missing ones
opened with one ``create_many``. A paid order
without entries earns an ``earned`` entry, raises its account's tier and issues the
vouchers its points cross; those entries and vouchers are kept and written at the
end with one ``create_many`` each (their roll-ups then save each account once).
A tier costs a query (the sum of the 12 months) only for an account whose points
reach the next tier's threshold.

An order that already has entries (re-saved, reduced, cancelled, moved to another
contact), or a crossing undone, is settled by the per-order code of
:mod:`.earning` (:func:`~.earning.settle_one`), after what was kept is written, so that
it reads the ledger as it stands: the ledger a batch leaves is the one saving its
orders one by one leaves.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from trellis_plugins.loyalty.accounts import find_accounts, new_account, programmes
from trellis_plugins.loyalty.earning import (
    COUNTED,
    KEPT,
    entry_row,
    near,
    near_reward_email,
    order_points,
    settle_one,
    settle_rewards,
    voucher_row,
)
from trellis_plugins.loyalty.tiers import points_in_window, raise_tier, window_start

IN_CHUNK = 500


def settle_orders(orders: list, system, today: date) -> None:
    """Bring the ledger of every active programme in line with each of ``orders`` (saved order records)."""
    active = programmes()
    if not active or not orders:
        return
    contacts = {int(order["contact"]) for order in orders if order.get("contact") and (
        order.version > 1 or any(order.get("status") in programme.earn_on for programme in active))}
    if contacts:
        system.lock_many("contact", contacts)
    # Read under the locks: a concurrent writer may have settled one of these orders meanwhile.
    settled = _with_entries(system, [order.id for order in orders if order.version > 1])
    for programme in active:
        _Batch(programme, system, today).settle(orders, settled)


def _with_entries(system, order_ids: list[int]) -> set[int]:
    """Which of ``order_ids`` already have earned or reversed entries in the ledger."""
    found: set[int] = set()
    for start in range(0, len(order_ids), IN_CHUNK):
        query = system.query("loyalty_entry").filter(order__in=order_ids[start:start + IN_CHUNK],
                                                     kind__in=list(COUNTED))
        found.update(int(entry["order"]) for entry in query.iterate(batch=IN_CHUNK))
    return found


class _Batch:
    """One programme's settlement of a batch: accounts and voucher counts read once, writes kept till the end.

    ``accounts`` (by contact) carry ``earned`` and ``tier`` as the kept writes leave
    them; ``kept`` holds the points not yet written that count towards a tier (12
    months), ``window`` an account's whole 12 months once they were read.
    """

    def __init__(self, programme, system, today: date):
        self.programme, self.system, self.today = programme, system, today
        self.accounts: dict[int, object] = {}
        self.vouchers: dict[tuple[int, str], int] = {}   # (account, reward) -> vouchers held (active or redeemed)
        self.kept: dict[int, int] = {}
        self.window: dict[int, int] = {}
        self.entries: list[dict] = []
        self.issued: list[dict] = []

    def settle(self, orders: list, settled: set[int]) -> None:
        """Settle ``orders`` in order; ``settled``: ids of those that already have entries."""
        earn_on = self.programme.earn_on
        paying = [order for order in orders if order.id not in settled and order.get("contact")
                  and order.get("status") in earn_on]
        self._load([int(order["contact"]) for order in paying])
        for order in orders:
            if order.id in settled:
                self._alone(order)
            elif order.get("contact") and order.get("status") in earn_on:
                self._earn(order)
        self._flush()

    def _earn(self, order) -> None:
        """A paid order without entries: its earned entry, its account's tier and the vouchers it crosses."""
        programme, system = self.programme, self.system
        account = self._account(int(order["contact"]))
        multiplier = programme.multiplier(account.get("tier"))
        points = order_points(programme, order, Decimal(multiplier), system)
        if points < 0:
            self._alone(order)
            return
        if not points:
            return
        row = entry_row(account.id, order, points, 0, self.today, multiplier)
        self.entries.append(row)
        if window_start(self.today) <= row["dated"] <= self.today:
            counts = self.window if account.id in self.window else self.kept
            counts[account.id] = counts.get(account.id, 0) + points
        earned = int(account.get("earned") or 0) + points
        account["earned"] = earned
        tier = raise_tier(programme, account, earned, system, self.today, lambda: self._window(account.id))
        if tier is not None:
            account["tier"] = tier
        self._reward(account, order.id, points, earned)

    def _reward(self, account, order_id: int, added: int, earned: int) -> None:
        """:func:`~.earning.settle_rewards` for points just added: vouchers for the thresholds crossed."""
        programme = self.programme
        if programme.near_reward and near(programme, earned - added, earned):
            near_reward_email(programme, account, earned - added, earned, self.system)
        for reward in programme.automatic_rewards:
            if max(earned - added, 0) // reward.every == earned // reward.every:
                continue
            wanted = earned // reward.every * reward.count
            held = self._held(account.id, reward.name)
            if held > wanted:  # more vouchers than points: voiding is the per-order code's
                self._flush()
                settle_rewards(programme, account.id, order_id, self.system, self.today, added, earned)
                self._forget()
                return
            self.issued.extend(voucher_row(reward, account, crossing, order_id, self.today)
                               for crossing in range(held + 1, wanted + 1))
            self.vouchers[(account.id, reward.name)] = wanted

    def _alone(self, order) -> None:
        """Settle ``order`` with the per-order code, on the ledger as stored (what was kept written first)."""
        self._flush()
        settle_one(self.programme, order, self.system, self.today)
        self._forget()

    def _load(self, contacts: list[int]) -> None:
        """Read the accounts of ``contacts`` (one query), opening the missing ones (one ``create_many``)."""
        wanted = [contact for contact in dict.fromkeys(contacts) if contact not in self.accounts]
        if not wanted:
            return
        found = find_accounts(self.system, wanted, self.programme.name)
        missing = [contact for contact in wanted if contact not in found]
        if self.programme.automatic_rewards:
            self._count_vouchers([account.id for account in found.values()])
        if missing:
            opened = _written(self.system.create_many("loyalty_account",
                                                      [new_account(c, self.programme) for c in missing]))
            found.update(zip(missing, opened, strict=True))
            self.vouchers.update(((account.id, reward.name), 0) for account in opened
                                 for reward in self.programme.automatic_rewards)
        self.accounts.update(found)

    def _count_vouchers(self, account_ids: list[int]) -> None:
        """The vouchers each of ``account_ids`` holds per reward (active or redeemed): one GROUP BY per 500."""
        from sqlalchemy import func, select

        for start in range(0, len(account_ids), IN_CHUNK):
            chunk = account_ids[start:start + IN_CHUNK]
            query = self.system.query("loyalty_voucher").filter(account__in=chunk, status__in=list(KEPT))
            table = query.table
            rows = query.aggregate(lambda dialect, t=table: select(t.c.account_id, t.c.reward, func.count())
                                   .group_by(t.c.account_id, t.c.reward))
            self.vouchers.update(((account_id, reward.name), 0) for account_id in chunk
                                 for reward in self.programme.automatic_rewards)
            self.vouchers.update(((int(account_id), reward), int(count)) for account_id, reward, count in rows)

    def _account(self, contact: int):
        if contact not in self.accounts:
            self._load([contact])
        return self.accounts[contact]

    def _window(self, account_id: int) -> int:
        """The account's points in the 12 months: the ledger's, read once, and what the batch added."""
        if account_id not in self.window:
            self.window[account_id] = points_in_window(self.system, account_id, self.today) + \
                self.kept.pop(account_id, 0)
        return self.window[account_id]

    def _held(self, account_id: int, reward: str) -> int:
        key = (account_id, reward)
        if key not in self.vouchers:
            query = self.system.query("loyalty_voucher").filter(account=account_id, reward=reward,
                                                                status__in=list(KEPT))
            self.vouchers[key] = query.count(cap=10**9)[0]
        return self.vouchers[key]

    def _flush(self) -> None:
        """Write the kept entries, then the kept vouchers (their roll-ups save each account once)."""
        entries, self.entries = self.entries, []
        issued, self.issued = self.issued, []
        if entries:
            _written(self.system.create_many("loyalty_entry", entries))
        if issued:
            _written(self.system.create_many("loyalty_voucher", issued))
        self.kept.clear()  # in the ledger now: points_in_window counts them

    def _forget(self) -> None:
        """Drop what was read: the per-order code may have changed any account or voucher."""
        self.accounts.clear()
        self.vouchers.clear()
        self.window.clear()


def _written(results: list) -> list:
    """The records of a ``create_many``, or its first refusal raised (the batch's write is refused)."""
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results
