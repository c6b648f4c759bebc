"""On PostgreSQL, the database itself tells which customers' stored scores differ from today's.

:func:`differs` is a condition on a row of the customers' statement (the ranked
aggregates joined to the contact's stored scores): it works out in SQL the same
fields as :func:`trellis_plugins.analytics.scores.fields_of` (the quintiles, segment,
average order, orders a year, CLV, churn risk and reasons) and is true when any
differs from what is stored. The job then reads only those rows, and Python, which
stays the one place the written values come from, computes and compares them again:
a row the condition lets through by a rounding quirk (a float exactly on a half) is
then simply not written. A second run on the same data reads and writes almost nothing.

The reasons are compared as a set: their order is a function of their points.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Float, Integer, Numeric, Text, case, cast, func, literal, null, or_, select
from sqlalchemy.dialects.postgresql import JSONB, array
from trellis_plugins.analytics.scores import GAP_POINTS, ORDERS_POINTS, SPEND_POINTS


def _clamp(value):
    return func.least(func.greatest(value, 0.0), 1.0)


def _float(value):
    return cast(value, Float)


def _half_up(value):
    """``value`` (non-negative) rounded half up, as ``scores._half_up`` does it."""
    whole = func.floor(value)
    return cast(case((value - whole >= 0.5, whole + 1), else_=whole), Integer)


def _segment(c, segments: dict):
    named = {100 * r + 10 * f + m: name for (r, f, m), name in segments.items() if name is not None}
    if not named:
        return null()
    return case(named, value=100 * c.r + 10 * c.f + c.m, else_=null())


def scored(ranked, settings, today: date):
    """``ranked`` with each customer's computed parts as columns (each worked out once a row)."""
    c = ranked.c
    days = literal(today) - c.last
    gap = case((c.orders < 2, literal(float(settings.default_gap_days), Float)),
               else_=func.greatest(_float(c.last - c["first"]) / _float(c.orders - 1), 1.0))
    earlier_orders = c.orders - c.recent_orders
    earlier_spend = c.spend - c.recent_spend
    average = func.round(c.spend / c.orders, 2)
    per_year = func.round(cast(c.orders, Numeric) * 365 / settings.window_days, 2)
    parts = select(ranked, days.label("days"), gap.label("gap"), earlier_orders.label("earlier_orders"),
                   earlier_spend.label("earlier_spend"), average.label("average"), per_year.label("per_year")) \
        .subquery("parts")
    p = parts.c
    gap_part = GAP_POINTS * _clamp((_float(p.days) / p.gap - 1.0) / literal(settings.lost_ratio - 1, Float))
    orders_part = case((p.earlier_orders > 0, ORDERS_POINTS * _clamp(1.0 - _float(p.recent_orders)
                                                                     / _float(p.earlier_orders))), else_=0.0)
    spend_part = case((p.earlier_spend > 0, SPEND_POINTS * _clamp(_float(1 - p.recent_spend / p.earlier_spend))),
                      else_=0.0)
    clv = func.round(p.average * p.per_year * literal(Decimal(str(settings.lifetime_years)), Numeric), 2)
    return select(parts, gap_part.label("gap_part"), orders_part.label("orders_part"),
                  spend_part.label("spend_part"), clv.label("clv")).subquery("scored")


def _reasons(c):
    """The churn reasons of each row of :func:`scored` (a JSONB array, in no particular order)."""
    tenth = lambda part: func.round(cast(part, Numeric), 1)   # noqa: E731 - three uses below
    cents = lambda amount: cast(func.round(amount, 2), Text)   # noqa: E731
    reasons = [
        case((c.gap_part > 0, func.jsonb_build_object(
            "code", case((c.orders < 2, "one_order"), else_="overdue"), "points", tenth(c.gap_part),
            "days", c.days, "gap", func.round(c.gap)))),
        case((c.orders_part > 0, func.jsonb_build_object(
            "code", "fewer_orders", "points", tenth(c.orders_part), "recent", c.recent_orders,
            "earlier", c.earlier_orders))),
        case((c.spend_part > 0, func.jsonb_build_object(
            "code", "less_spend", "points", tenth(c.spend_part), "recent", cents(c.recent_spend),
            "earlier", cents(c.earlier_spend)))),
    ]
    return func.to_jsonb(func.array_remove(array(reasons, type_=JSONB), cast(null(), JSONB)), type_=JSONB)


def differs(c, stored, segments: dict):
    """True for a row ``c`` of :func:`scored` whose fields differ from the contact's ``stored`` columns."""
    risk = _half_up(c.gap_part + c.orders_part + c.spend_part)
    reasons, kept = _reasons(c), cast(stored.churn_reasons, JSONB)
    same_reasons = (kept.contains(reasons) & reasons.contains(kept)).is_(True)
    return or_(stored.rfm_recency.is_distinct_from(c.r), stored.rfm_frequency.is_distinct_from(c.f),
               stored.rfm_monetary.is_distinct_from(c.m), stored.rfm_segment.is_distinct_from(_segment(c, segments)),
               stored.last_order_date.is_distinct_from(c.last), stored.paid_orders.is_distinct_from(c.orders),
               stored.average_order.is_distinct_from(c.average), stored.orders_per_year.is_distinct_from(c.per_year),
               stored.clv.is_distinct_from(c.clv), stored.churn_risk.is_distinct_from(risk), ~same_reasons)
