"""The ``loyalty:`` YAML document: one programme, checked by ``trellis check`` with file and line.

A programme says which order statuses count as paid, how many points a unit of money
earns, which rewards are given automatically every N points, the tiers and when
points expire. :func:`build` turns one document into a :class:`Programme`, reporting
every mistake where it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

WHAT = "a loyalty programme"
KEYS = ("loyalty", "label", "kind", "currency", "active", "earn_on", "earn",
        "point_value", "rewards", "tiers", "expiry", "near_reward_email")
REWARD_KINDS = ("voucher", "discount", "free_product")
MAX_POINTS = 1_000_000_000


_NUMBER = {"type": "number", "minimum": 0, "maximum": MAX_POINTS}
_WHOLE = {"type": "integer", "minimum": 1, "maximum": MAX_POINTS}
_LABEL = {"anyOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}
_VOUCHER = {"type": "object", "additionalProperties": False,
            "properties": {"percent": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
                           "amount": {"type": "number", "exclusiveMinimum": 0}, "valid_days": _WHOLE}}
SCHEMA = {
    "type": "object", "required": ["loyalty"], "additionalProperties": False,
    "description": "A loyalty programme (the loyalty plugin): earning, rewards, tiers and expiry.",
    "properties": {
        "loyalty": {"type": "string"}, "label": _LABEL, "kind": {"enum": ["points", "miles"]},
        "currency": {"type": "string"}, "active": {"type": "boolean"},
        "earn_on": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "earn": {"type": "object", "additionalProperties": False,
                 "properties": {"per_unit": _NUMBER, "field": {"type": "string"}, "per_order": _NUMBER,
                                "products": {"type": "object", "additionalProperties": _NUMBER}}},
        "point_value": _NUMBER, "near_reward_email": _WHOLE,
        "rewards": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False,
            "properties": {"every": _WHOLE, "count": _WHOLE, "cost": _WHOLE, "voucher": _VOUCHER,
                           "discount": _VOUCHER, "free_product": {"type": "string"}}}},
        "tiers": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["from"],
            "properties": {"from": {"type": "integer", "minimum": 0}, "multiplier": _NUMBER, "label": _LABEL}}},
        "expiry": {"type": "object", "additionalProperties": False,
                   "properties": {"months": _WHOLE, "remind_days": _WHOLE}},
    },
}
"""The JSON Schema of the document, for editors (``trellis schema``); ``build`` checks the rest."""


@dataclass(frozen=True)
class Reward:
    """A reward: given automatically (``count`` vouchers each time the points earned cross a
    multiple of ``every``), or bought by a member for ``cost`` points (a discount, ``percent``
    or ``amount`` off the order, or the product whose code is ``free_product``, free)."""

    name: str
    every: int | None
    count: int
    percent: Decimal | None
    amount: Decimal | None
    valid_days: int | None
    cost: int | None = None
    free_product: str | None = None


@dataclass(frozen=True)
class Tier:
    """A level reached with ``threshold`` points earned in the last 12 months; earning is multiplied."""

    name: str
    threshold: int
    multiplier: Decimal


@dataclass(frozen=True)
class Programme:
    """One loyalty programme as its YAML says it."""

    name: str
    label: dict
    kind: str = "points"
    currency: str = "USD"
    active: bool = True
    earn_on: tuple[str, ...] = ("delivered", "invoiced")
    per_unit: Decimal = Decimal(1)
    amount_field: str = "amount"
    per_order: Decimal = Decimal(0)
    products: tuple[tuple[str, Decimal], ...] = ()
    point_value: Decimal = Decimal("0.01")
    rewards: tuple[Reward, ...] = ()
    tiers: tuple[Tier, ...] = ()
    expiry_months: int | None = None
    remind_days: int | None = None
    near_reward: int | None = None

    @property
    def automatic_rewards(self) -> tuple[Reward, ...]:
        """The rewards given every N points earned (vouchers)."""
        return tuple(reward for reward in self.rewards if reward.every)

    def reward_to_buy(self, name: str) -> Reward | None:
        """The reward called ``name`` that members buy with points, or None."""
        return next((reward for reward in self.rewards if reward.name == name and reward.cost), None)

    def tier_for(self, points: int) -> Tier | None:
        """The highest tier whose threshold ``points`` (earned in 12 months) reach."""
        reached = [tier for tier in self.tiers if points >= tier.threshold]
        return max(reached, key=lambda tier: tier.threshold) if reached else None

    def multiplier(self, tier_name: str | None) -> Decimal:
        """The earning multiplier of the tier called ``tier_name`` (1 without tiers)."""
        return next((tier.multiplier for tier in self.tiers if tier.name == tier_name), Decimal(1))


def _number(document, key: str, what: str, reader, minimum: Decimal, default: Decimal | None) -> Decimal | None:
    value = document.get(key)
    if value is None:
        return default
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        number = Decimal(str(value))
    except InvalidOperation:
        reader.error(document.value_at(key), f"'{key}' of {what} must be a number")
        return default
    if not number.is_finite() or number < minimum or number > MAX_POINTS:
        reader.error(document.value_at(key), f"'{key}' of {what} must be a number from {minimum} to {MAX_POINTS}")
        return default
    return number


def _whole(document, key: str, what: str, reader, minimum: int) -> int | None:
    number = reader.integer(document, key, what, minimum=minimum)
    if number is not None and number > MAX_POINTS:
        reader.error(document.value_at(key), f"'{key}' of {what} must be at most {MAX_POINTS}")
        return None
    return number


def _statuses(document, key: str, reader, default: tuple[str, ...]) -> tuple[str, ...]:
    names = reader.names(document, key, WHAT)
    return tuple(name for name, _ in names) if names else default


def _reward(name: str, rewards, reader) -> Reward | None:
    what = f"reward '{name}'"
    spec = rewards[name]
    if not hasattr(spec, "value_at"):
        reader.error(rewards.value_at(name), f"{what} must be a mapping")
        return None
    for key in spec:
        if key not in ("every", "count", "cost", *REWARD_KINDS):
            reader.error(spec.key_at(key), f"unknown reward '{key}' in {what} (known: {', '.join(REWARD_KINDS)})")
    every = _whole(spec, "every", what, reader, 1)
    cost = _whole(spec, "cost", what, reader, 1)
    if ("every" in spec) == ("cost" in spec):
        reader.error(spec.source, f"{what} needs either 'every' (given every N points earned) or 'cost' "
                                  "(the points a member spends on it)")
    count = _whole(spec, "count", what, reader, 1) or 1
    kinds = [key for key in spec if key in REWARD_KINDS]
    if not kinds:
        unknown = [key for key in spec if key not in ("every", "count", "cost")]
        if not unknown:
            reader.error(spec.source, f"{what} needs what it gives: one of {', '.join(REWARD_KINDS)}")
        return None
    kind = kinds[0]
    if len(kinds) > 1:
        reader.error(spec.key_at(kinds[1]), f"{what} gives one thing: '{kind}' or '{kinds[1]}'")
        return None
    if "every" in spec and kind != "voucher":
        reader.error(spec.key_at(kind), f"{what} is given every N points: it gives a 'voucher'")
        return None
    if "cost" in spec and kind == "voucher":
        reader.error(spec.key_at(kind), f"{what} is bought with points: it gives a 'discount' or a 'free_product'")
        return None
    if kind == "free_product":
        product = reader.text(spec, "free_product", what)
        return Reward(name, None, 1, None, None, None, cost, product) if product and cost else None
    return _money_reward(name, spec, kind, every, count, cost, reader)


def _money_reward(name: str, spec, kind: str, every, count: int, cost, reader) -> Reward | None:
    what = f"the {kind} of reward '{name}'"
    money = reader.mapping(spec, kind, what)
    if money is None or (every is None and cost is None):
        return None
    reader.keys(money, ("percent", "amount", "valid_days") if kind == "voucher" else ("percent", "amount"), what)
    percent = _number(money, "percent", what, reader, Decimal("0.01"), None)
    amount = _number(money, "amount", what, reader, Decimal("0.01"), None)
    if percent is not None and percent > 100:
        reader.error(money.value_at("percent"), f"'percent' of {what} must be at most 100")
        return None
    if (percent is None) == (amount is None):
        reader.error(money.source, f"{what} needs either 'percent' or 'amount'")
        return None
    return Reward(name, every, count, percent, amount, _whole(money, "valid_days", what, reader, 1), cost)


def _products(earn, reader) -> tuple[tuple[str, Decimal], ...]:
    what = f"'products' of 'earn' of {WHAT}"
    spec = reader.mapping(earn, "products", f"'earn' of {WHAT}")
    products = []
    for code in spec or {}:
        points = _number(spec, code, what, reader, Decimal(0), None)
        if points is not None:
            products.append((str(code), points))
    return tuple(products)


def _tiers(document, reader) -> tuple[Tier, ...]:
    spec = reader.mapping(document, "tiers", WHAT)
    tiers = []
    for name, tier in (spec or {}).items():
        what = f"tier '{name}'"
        if not hasattr(tier, "value_at"):
            reader.error(spec.value_at(name), f"{what} must be a mapping")
            continue
        reader.keys(tier, ("from", "multiplier", "label"), what)
        threshold = _whole(tier, "from", what, reader, 0)
        multiplier = _number(tier, "multiplier", what, reader, Decimal(0), Decimal(1))
        if threshold is None:
            if "from" not in tier:
                reader.error(tier.source, f"{what} needs 'from' (points earned in 12 months)")
            continue
        tiers.append(Tier(name, threshold, multiplier))
    return tuple(sorted(tiers, key=lambda t: t.threshold))


def build(document, reader) -> Programme | None:
    """Check one ``loyalty:`` document; the :class:`Programme` it describes."""
    reader.keys(document, KEYS, WHAT)
    name = reader.text(document, "loyalty", WHAT, required=True)
    earn = reader.mapping(document, "earn", WHAT) or {}
    per_unit, amount_field, per_order, products = Decimal(1), "amount", Decimal(0), ()
    if earn:
        reader.keys(earn, ("per_unit", "field", "per_order", "products"), f"'earn' of {WHAT}")
        per_unit = _number(earn, "per_unit", f"'earn' of {WHAT}", reader, Decimal(0), Decimal(1))
        amount_field = reader.text(earn, "field", f"'earn' of {WHAT}", default="amount")
        per_order = _number(earn, "per_order", f"'earn' of {WHAT}", reader, Decimal(0), Decimal(0))
        products = _products(earn, reader)
    rewards = []
    spec = reader.mapping(document, "rewards", WHAT)
    for reward_name in spec or {}:
        built = _reward(reward_name, spec, reader)
        if built is not None:
            rewards.append(built)
    expiry = reader.mapping(document, "expiry", WHAT) or {}
    if expiry:
        reader.keys(expiry, ("months", "remind_days"), f"'expiry' of {WHAT}")
    programme = Programme(
        name=name or "",
        label=reader.label(document, "label", WHAT),
        kind=reader.text(document, "kind", WHAT, default="points", choices=("points", "miles")),
        currency=reader.text(document, "currency", WHAT, default="USD"),
        active=reader.boolean(document, "active", WHAT, default=True),
        earn_on=_statuses(document, "earn_on", reader, ("delivered", "invoiced")),
        per_unit=per_unit,
        amount_field=amount_field,
        per_order=per_order,
        products=products,
        point_value=_number(document, "point_value", WHAT, reader, Decimal(0), Decimal("0.01")),
        rewards=tuple(rewards),
        tiers=_tiers(document, reader),
        expiry_months=_whole(expiry, "months", f"'expiry' of {WHAT}", reader, 1) if expiry else None,
        remind_days=_whole(expiry, "remind_days", f"'expiry' of {WHAT}", reader, 1) if expiry else None,
        near_reward=_whole(document, "near_reward_email", WHAT, reader, 1),
    )
    return programme  # with errors, the load fails and nothing uses it
