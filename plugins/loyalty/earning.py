"""Earning and reversing points for orders, and the rewards their points cross.

Earning is a reconciliation, not an event: for an order, the ledger must hold exactly
the points the order earns now (nothing while it is open or cancelled, its amount
times the rate once it is paid). Each save, retry, replay or nightly re-run
compares the two under the contact's lock and writes only the difference (an
``earned`` or a ``reversed`` entry, each with a unique idempotency key), so running
it again changes nothing. Rewards are reconciled the same way: an account whose
earned points crossed a multiple of a reward's ``every`` N times holds N × count
vouchers of it; a crossing undone by a reversal voids an unredeemed voucher.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from trellis_plugins.loyalty.accounts import find_account, open_account, voucher_code
from trellis_plugins.loyalty.tiers import raise_tier

COUNTED = ("earned", "reversed")
KEPT = ("active", "redeemed")


def _entries(system, order) -> list:
    # An order saved for the first time has no entries yet: no query (the bulk of a busy till's saves).
    if order.version == 1:
        return []
    return list(system.query("loyalty_entry").filter(order=order.id, kind__in=list(COUNTED)).iterate())


def settle_one(programme, order, system, today: date) -> None:
    """Bring ``programme``'s ledger in line with ``order`` alone, reading the ledger as stored now.

    What :mod:`.settlement` does for an order that already has entries (re-saved,
    reduced, cancelled, moved to another contact): it locks the contact itself.
    """
    contact = order.get("contact")
    eligible = bool(contact) and order.get("status") in programme.earn_on
    entries = _entries(system, order)
    if not entries and not eligible:
        return
    if contact:
        system.lock("contact", contact)
        # Read again under the lock: a concurrent writer may have settled this order meanwhile.
        entries = _entries(system, order) if entries or order.version != 1 else entries
    account = open_account(system, contact, programme) if eligible else (
        find_account(system, contact, programme.name) if contact else None)
    held: dict[int, int] = {}
    multiplier = None
    for entry in entries:
        held[int(entry["account"])] = held.get(int(entry["account"]), 0) + entry["points"]
        if account is not None and int(entry["account"]) == account.id and entry["kind"] == "earned":
            multiplier = multiplier or entry.get("multiplier")
    touched, added = [], 0
    for account_id, points in held.items():
        if account is not None and account_id == account.id:
            continue
        other = system.get("loyalty_account", account_id)
        if other["program"] == programme.name and points:
            _append(system, other.id, order, -points, sum(1 for e in entries if e["account"] == account_id), today)
            touched.append(other.id)
    if account is not None:
        if multiplier is None:
            multiplier = programme.multiplier(account.get("tier"))
        target = order_points(programme, order, Decimal(multiplier), system) if eligible else 0
        delta = target - held.get(account.id, 0)
        if delta:
            _append(system, account.id, order, delta, sum(1 for e in entries if e["account"] == account.id),
                    today, multiplier)
            touched.append(account.id)
            added = delta
            if delta > 0:
                raise_tier(programme, account, int(account.get("earned") or 0) + delta, system, today)
    for account_id in touched:
        own = account is not None and account_id == account.id
        settle_rewards(programme, account_id, order.id, system, today, added if own else 0,
                       int(account.get("earned") or 0) + added if own else None)


def order_points(programme, order, multiplier: Decimal, system) -> int:
    """What ``order`` earns: per unit of its amount (or distance), per order, per product bought; × the tier's."""
    amount = Decimal(str(order.get(programme.amount_field) or 0))
    base = amount * programme.per_unit + programme.per_order
    if programme.products:
        base += _product_points(programme, order, system)
    return int((base * multiplier).to_integral_value(rounding=ROUND_FLOOR))


def _product_points(programme, order, system) -> Decimal:
    """Points of ``earn.products`` for the order's lines: per unit bought of each product named by its code."""
    lines = [line for line in system.query("order_line").filter(order=order.id).iterate() if line.get("product")]
    if not lines:
        return Decimal(0)
    rates = dict(programme.products)
    codes = {product.id: product["code"] for product in system.query("product").filter(
        id__in=sorted({int(line["product"]) for line in lines})).iterate()}
    return sum((Decimal(str(line.get("qty") or 0)) * rates.get(codes.get(int(line["product"])), Decimal(0))
                for line in lines), Decimal(0))


def _append(system, account_id: int, order, points: int, sequence: int, today: date, multiplier=None) -> None:
    system.create("loyalty_entry", entry_row(account_id, order, points, sequence, today, multiplier))


def entry_row(account_id: int, order, points: int, sequence: int, today: date, multiplier=None) -> dict:
    """The ledger entry of ``points`` earned (or reversed) by ``order``, after ``sequence`` earlier entries of
    the order on the account.

    The key names the order, the account and the entry's place among the order's entries:
    two writers settling the same order the same way collide on it instead of both counting.
    """
    return {"account": account_id, "kind": "earned" if points > 0 else "reversed", "points": points,
            "order": order.id, "multiplier": multiplier, "dated": order.get("order_date") or today,
            "key": f"order:{order.id}:account:{account_id}:{sequence + 1}"}


def settle_rewards(programme, account_id: int, order_id: int | None, system, today: date, added: int = 0,
                   earned: int | None = None) -> None:
    """Issue or void the account's automatic rewards so they match its points earned; call under the lock.

    ``added`` is what the last entry earned: when it brought the account within
    ``near_reward_email`` points of a reward, the contact is told by email. ``earned``
    (the account's earned points now, when the caller knows them) lets a reward whose
    threshold the last entry did not cross be skipped without a query: its vouchers
    already match.
    """
    account = None
    if earned is None:
        account = system.get("loyalty_account", account_id)
        earned = int(account.get("earned") or 0)
    earned = max(earned, 0)
    if programme.near_reward and added > 0 and near(programme, earned - added, earned):
        account = account or system.get("loyalty_account", account_id)
        near_reward_email(programme, account, earned - added, earned, system)
    for reward in programme.automatic_rewards:
        if added and max(earned - added, 0) // reward.every == earned // reward.every:
            continue
        account = account or system.get("loyalty_account", account_id)
        wanted = earned // reward.every * reward.count
        held = list(system.query("loyalty_voucher").filter(account=account_id, reward=reward.name,
                                                            status__in=list(KEPT)).order_by("crossing").iterate())
        for crossing in range(len(held) + 1, wanted + 1):
            system.create("loyalty_voucher", voucher_row(reward, account, crossing, order_id, today))
        surplus = len(held) - wanted
        if surplus > 0:
            # Void the newest unredeemed vouchers, those issued for this order first; a redeemed
            # voucher is money already given and stays.
            unused = [v for v in reversed(held) if v["status"] == "active"]
            unused.sort(key=lambda v: 0 if order_id is not None and v.get("order") == order_id else 1)
            for voucher in unused[:surplus]:
                system.update("loyalty_voucher", voucher.id, {"status": "void"})


def voucher_row(reward, account, crossing: int, order_id: int | None, today: date) -> dict:
    """The voucher ``account`` gets for its ``crossing``-th crossing of ``reward``'s threshold (by ``order_id``)."""
    return {"code": voucher_code(), "account": account.id, "contact": account["contact"], "reward": reward.name,
            "crossing": crossing, "percent": reward.percent, "amount": reward.amount, "status": "active",
            "valid_from": today, "order": order_id,
            "valid_to": today + timedelta(days=reward.valid_days) if reward.valid_days else None}


def near(programme, before: int, now: int) -> bool:
    """Whether going from ``before`` to ``now`` points earned brings the account within the programme's
    ``near_reward_email`` points of a reward."""
    return any(before < (now // r.every + 1) * r.every - programme.near_reward <= now
               for r in programme.automatic_rewards)


def near_reward_email(programme, account, before: int, now: int, system) -> None:
    """Email the contact once when their points come within ``near_reward_email`` of a reward."""
    from flask_babel import gettext as _
    from trellis import queue_email

    for reward in programme.automatic_rewards:
        mark = (now // reward.every + 1) * reward.every - programme.near_reward
        if before < mark <= now:
            contact = system.get("contact", account["contact"])
            if contact.get("email"):
                needed = (now // reward.every + 1) * reward.every - now
                queue_email(account, contact["email"],
                            subject=_("You are %(points)s points from your next reward", points=needed),
                            body=_("Card {{ card_number }}: %(points)s more points give you your next reward.",
                                   points=needed))
            return
