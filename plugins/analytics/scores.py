"""RFM scores, lifetime value and churn risk of every customer, from paid orders in the window.

One SQL statement (window functions, the same on SQLite and PostgreSQL) gives each
contact with a paid order in the window its aggregates and its rank on each RFM axis;
Python turns a row into the contact's fields. The quintile of a rank is
``1 + floor(5 * (rank - 1) / n)`` where ``rank`` is ``RANK()`` over the axis,
ascending (older last order, fewer orders, less money first) and ``n`` the number of
customers: customers with equal values share the lowest rank of their group, so ties
always get the same score, whatever their ids. docs/analytics.md gives every formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from sqlalchemy import Integer, and_, case, cast, func, select
from trellis_plugins.analytics.job_writes import as_date

CENT = Decimal("0.01")
SCORE_FIELDS = ("rfm_recency", "rfm_frequency", "rfm_monetary", "rfm_segment", "last_order_date", "paid_orders",
                "average_order", "orders_per_year", "clv", "churn_risk", "churn_reasons")
GAP_POINTS, ORDERS_POINTS, SPEND_POINTS = 70, 20, 10


@dataclass(frozen=True)
class Customer:
    """One contact's paid orders in the window, as the SQL statement sums them up."""

    contact: int
    first: date
    last: date
    orders: int
    spend: Decimal
    recent_orders: int
    recent_spend: Decimal
    r: int
    f: int
    m: int


def quintile(rank, count):
    """``1 + floor(5 * (rank - 1) / count)``: the score 1-5 of the rank ``rank`` among ``count``, in SQL.

    ``//`` is integer division on both databases (``/`` would divide exactly and the cast
    to an integer then round on PostgreSQL but truncate on SQLite).
    """
    return 1 + (5 * (rank - 1)) // count


def customers_statement(orders, settings, today: date, contacts=None):
    """The statement over the order table ``orders``: one row per customer with a paid order in the window.

    With the contact table ``contacts``, each row also carries the scores stored now
    (``SCORE_FIELDS``, NULL for a contact not scored yet), so the job compares without a second read.
    """
    since = today - timedelta(days=settings.window_days - 1)
    middle = today - timedelta(days=settings.window_days // 2 - 1)
    amount = func.coalesce(orders.c.amount, 0)
    recent = orders.c.order_date >= middle
    per_contact = (
        select(orders.c.contact_id.label("contact"),
               func.min(orders.c.order_date).label("first"), func.max(orders.c.order_date).label("last"),
               func.count().label("orders"), func.sum(amount).label("spend"),
               func.sum(case((recent, 1), else_=0)).label("recent_orders"),
               func.sum(case((recent, amount), else_=0)).label("recent_spend"))
        .where(and_(orders.c.contact_id.is_not(None), orders.c.status.in_(settings.paid_states),
                    orders.c.order_date >= since, orders.c.order_date <= today))
        .group_by(orders.c.contact_id)
        .subquery("per_contact"))
    c = per_contact.c
    count = func.count().over()
    statement = select(c.contact, c.first, c.last, c.orders, c.spend, c.recent_orders, c.recent_spend,
                       cast(quintile(func.rank().over(order_by=c.last), count), Integer).label("r"),
                       cast(quintile(func.rank().over(order_by=c.orders), count), Integer).label("f"),
                       cast(quintile(func.rank().over(order_by=c.spend), count), Integer).label("m"))
    if contacts is None:
        return statement
    # Joined after the windows' sorts, which then sort narrow rows (the stored reasons are wide).
    ranked = statement.subquery("ranked")
    return select(ranked, *(contacts.c[name] for name in SCORE_FIELDS)) \
        .outerjoin(contacts, contacts.c.id == ranked.c.contact)


def customers(system, settings, today: date) -> list[Customer]:
    """Every customer with a paid order in the window, with its RFM scores (one SQL statement)."""
    query = system.query("order")
    rows = query.aggregate(lambda dialect: customers_statement(query.table, settings, today))
    return [customer_of(row) for row in rows]


def customer_of(row) -> Customer:
    """The :class:`Customer` of one row of :func:`customers_statement`."""
    return Customer(int(row.contact), as_date(row.first), as_date(row.last), int(row.orders),
                    _decimal(row.spend), int(row.recent_orders or 0), _decimal(row.recent_spend),
                    int(row.r), int(row.f), int(row.m))


def _decimal(value) -> Decimal:
    """A sum as a Decimal: PostgreSQL gives one; SQLite a float, read as its shortest text."""
    return value if type(value) is Decimal else Decimal(str(value or 0))


def money(value) -> Decimal:
    """``value`` rounded to cents, half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def usual_gap(customer: Customer, settings) -> float:
    """Days between two orders of this customer on average; ``default_gap_days`` with one order."""
    if customer.orders < 2:
        return float(settings.default_gap_days)
    return max((customer.last - customer.first).days / (customer.orders - 1), 1.0)


def churn(customer: Customer, settings, today: date) -> tuple[int, list[dict]]:
    """The risk 0-100 and its reasons, biggest first (see docs/analytics.md).

    The risk adds three parts: up to 70 points as the days since the last order grow
    from one usual gap to ``lost_ratio`` gaps; up to 20 points as the orders of the
    window's recent half fall below those of its earlier half; up to 10 as the spending does.
    """
    days = (today - customer.last).days
    gap = usual_gap(customer, settings)
    gap_part = GAP_POINTS * _clamp((days / gap - 1) / (settings.lost_ratio - 1))
    reasons = []
    if gap_part > 0:
        code = "one_order" if customer.orders < 2 else "overdue"
        reasons.append({"code": code, "points": round(gap_part, 1), "days": days, "gap": round(gap)})
    earlier_orders = customer.orders - customer.recent_orders
    orders_part = ORDERS_POINTS * _clamp(1 - customer.recent_orders / earlier_orders) if earlier_orders else 0.0
    if orders_part > 0:
        reasons.append({"code": "fewer_orders", "points": round(orders_part, 1),
                        "recent": customer.recent_orders, "earlier": earlier_orders})
    earlier_spend = customer.spend - customer.recent_spend
    spend_part = SPEND_POINTS * _clamp(float(1 - customer.recent_spend / earlier_spend)) if earlier_spend > 0 else 0.0
    if spend_part > 0:
        reasons.append({"code": "less_spend", "points": round(spend_part, 1),
                        "recent": str(money(customer.recent_spend)), "earlier": str(money(earlier_spend))})
    if len(reasons) > 1:
        reasons.sort(key=_points, reverse=True)
    return _half_up(gap_part + orders_part + spend_part), reasons


def _points(reason: dict) -> float:
    return reason["points"]


def _half_up(value: float) -> int:
    """A non-negative float rounded half up to a whole number (exactly, as Decimal would: no ``+ 0.5``)."""
    whole = int(value)
    return whole + 1 if value - whole >= 0.5 else whole


def _clamp(value: float) -> float:
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


@lru_cache(maxsize=4096)
def _per_year(orders: int, window_days: int) -> Decimal:
    """Orders a year, to cents: a few distinct order counts, so worked out once each."""
    return (Decimal(orders) * 365 / window_days).quantize(CENT, ROUND_HALF_UP)


def segment_table(settings) -> dict[tuple[int, int, int], str | None]:
    """The segment of each of the 125 ``(r, f, m)`` scores: worked out once a run, not once a customer."""
    return {(r, f, m): settings.segment_of({"r": r, "f": f, "m": m})
            for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}


def fields_of(customer: Customer, settings, today: date, segments: dict | None = None) -> dict:
    """The contact's analytics fields from its row: scores, segment, CLV and its inputs, churn risk.

    ``segments``: :func:`segment_table` of ``settings`` (else each call works its segment out).
    """
    scores = (customer.r, customer.f, customer.m)
    segment = segments[scores] if segments is not None else \
        settings.segment_of(dict(zip("rfm", scores, strict=True)))
    average = money(customer.spend / customer.orders)
    per_year = _per_year(customer.orders, settings.window_days)
    risk, reasons = churn(customer, settings, today)
    return {"rfm_recency": customer.r, "rfm_frequency": customer.f, "rfm_monetary": customer.m,
            "rfm_segment": segment, "last_order_date": customer.last,
            "paid_orders": customer.orders, "average_order": average, "orders_per_year": per_year,
            "clv": money(average * per_year * Decimal(str(settings.lifetime_years))),
            "churn_risk": risk, "churn_reasons": reasons}

