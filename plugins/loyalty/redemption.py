"""Redeeming a voucher or points on an order: the checks and writes behind a ``loyalty_redemption``.

Creating a ``loyalty_redemption`` record is redeeming. Its ``before_save`` hook
(:func:`apply`) locks the contact, the account and the voucher, refuses what the
balance or the voucher cannot cover, and writes — as the system, in the same
transaction — a discount line on the order, the ``redeemed`` ledger entry and the
voucher's new status. :func:`redeem` is what the page and the API call: it looks the
idempotency key up under the same lock first, so a retried request gets the stored
answer instead of a second redemption.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from trellis import ValidationError
from trellis_plugins.loyalty.accounts import programme_named

CENT = Decimal("0.01")


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def redeem(records, system, values: dict) -> tuple[dict, bool]:
    """Redeem ``values`` (``key``, ``account``, ``order``; ``voucher``, ``points`` or ``reward``) as ``records``' user.

    Returns ``(answer, created)``: the stored answer of the redemption with this key
    (``created`` False) or of the new one. ValidationError when it is refused,
    NotFound or PermissionDenied when the user may not see the order or the account.
    """
    account = records.get("loyalty_account", values["account"])
    records.get("order", values["order"])  # the user must be able to read the order
    with system.transaction():
        system.lock("contact", account["contact"])
        done = system.query("loyalty_redemption").filter(key=values["key"]).first()
        if done is not None:
            return _replayed(done, values), False
        redemption = records.create("loyalty_redemption", values)
    return dict(redemption["answer"], redemption=redemption.id), True


def _replayed(done, values: dict) -> dict:
    asked = (int(values["account"]), int(values["order"]), values.get("voucher"), values.get("points"),
             values.get("reward"))
    stored = (done["account"], done["order"], done.get("voucher"), done.get("points"), done.get("reward"))
    if asked[:2] != stored[:2] or (asked[2] and int(asked[2]) != stored[2]) or (asked[3] or None) != stored[3] \
            or (asked[4] or None) != stored[4]:
        raise ValidationError({"key": _("This idempotency key was used for a different redemption")})
    return dict(done["answer"], redemption=done.id)


def apply(record, context) -> None:
    """Check and carry out the redemption ``record`` before it is saved (its ``before_save``)."""
    if record.id is not None:
        raise ValidationError(_("A redemption cannot be changed"))
    system = context.system
    account = system.get("loyalty_account", record["account"])
    system.lock("contact", account["contact"])
    account = system.lock("loyalty_account", account.id)
    order = system.get("order", record["order"])
    if order.get("status") == "cancelled":
        raise ValidationError({"order": _("A cancelled order cannot be discounted")})
    if order.get("contact") and int(order["contact"]) != int(account["contact"]):
        raise ValidationError({"account": _("This account belongs to another customer than the order")})
    if record.get("reward") and (record.get("voucher") or record.get("points")):
        raise ValidationError({"reward": _("A reward is redeemed on its own")})
    if bool(record.get("voucher")) == bool(record.get("points")) and not record.get("reward"):
        raise ValidationError({"voucher": _("Give a voucher or a number of points, not both")})
    line_values = None
    if record.get("voucher"):
        discount, label = _use_voucher(record, account, order, context)
        points = 0
    elif record.get("reward"):
        discount, label, points, line_values = _buy_reward(record, account, order, system)
        _spend(record, account, order, points, context)
    else:
        points = int(record["points"])
        programme = programme_named(account["program"])
        value = programme.point_value if programme is not None else CENT
        discount = min(_money(points * value), _money(order.get("amount")))
        label = _("%(points)s loyalty points", points=points)
        _spend(record, account, order, points, context)
    line = system.create("order_line", line_values or {"order": order.id, "description": label[:300], "qty": 1,
                                                       "price": -discount})
    record["discount"] = discount
    record["answer"] = {"order": order.id, "order_line": line.id, "discount": str(discount), "points": points,
                        "voucher": _voucher_code(system, record.get("voucher")), "reward": record.get("reward"),
                        "balance": int(account.get("balance") or 0) - points}


def _spend(record, account, order, points: int, context) -> None:
    """Take ``points`` off the locked ``account`` as a ``redeemed`` entry; refused beyond the balance."""
    balance = int(account.get("balance") or 0)
    if points > balance:
        raise ValidationError({"points": _("Only %(balance)s points left", balance=balance)})
    context.system.create("loyalty_entry", {"account": account.id, "kind": "redeemed", "points": -points,
                                            "order": order.id, "dated": context.now.date(),
                                            "key": f"redemption:{record['key']}"})


def _buy_reward(record, account, order, system) -> tuple[Decimal, str, int, dict | None]:
    """The reward the member buys with points: its discount, label, cost, and the order line of a free product."""
    programme = programme_named(account["program"])
    reward = programme.reward_to_buy(str(record["reward"])) if programme is not None else None
    if reward is None:
        raise ValidationError({"reward": _("This programme has no reward of this name to buy with points")})
    amount = _money(order.get("amount"))
    if reward.free_product:
        product = system.query("product").filter(code=reward.free_product, active=True).first()
        if product is None:
            raise ValidationError({"reward": _("The product of this reward is not on sale")})
        price = _money(product.get("price"))
        # The product at its price with a 100% discount: the order shows what was given away.
        return price, product["name"], reward.cost, {"order": order.id, "product": product.id, "qty": 1,
                                                     "description": product["name"][:300], "price": price,
                                                     "discount": 100}
    if reward.percent:
        discount = _money(amount * reward.percent / 100)
    else:
        discount = min(_money(reward.amount), amount)
    return discount, _("Reward: %(name)s", name=reward.name), reward.cost, None


def _voucher_code(system, voucher_id) -> str | None:
    return system.get("loyalty_voucher", voucher_id)["code"] if voucher_id else None


def _use_voucher(record, account, order, context) -> tuple[Decimal, str]:
    voucher = context.system.lock("loyalty_voucher", record["voucher"])
    if int(voucher["account"]) != account.id:
        raise ValidationError({"voucher": _("This voucher belongs to another account")})
    if voucher["status"] == "redeemed":
        raise ValidationError({"voucher": _("This voucher has already been used")})
    if voucher["status"] != "active":
        raise ValidationError({"voucher": _("This voucher is void")})
    today = context.now.date()
    if (voucher.get("valid_from") and today < voucher["valid_from"]) or (
            voucher.get("valid_to") and today > voucher["valid_to"]):
        raise ValidationError({"voucher": _("This voucher is not valid today")})
    amount = _money(order.get("amount"))
    if voucher.get("percent"):
        discount = _money(amount * Decimal(str(voucher["percent"])) / 100)
        label = _("Voucher %(code)s: %(percent)s%% off", code=voucher["code"], percent=voucher["percent"])
    else:
        discount = min(_money(voucher["amount"]), amount)
        label = _("Voucher %(code)s", code=voucher["code"])
    context.system.update("loyalty_voucher", voucher.id, {"status": "redeemed", "redeemed_at": context.now,
                                                         "redeemed_order": order.id})
    return discount, label
