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

from sqlalchemy import Float, Integer, Numeric, Text, and_, case, cast, func, literal, null, or_, select
from sqlalchemy.dialects.postgresql import JSONB, array
from trellis_plugins.analytics.scores import GAP_POINTS, ORDERS_POINTS, SCORE_FIELDS, SPEND_POINTS, customers_statement


def _clamp(value):
    return func.least(func.greatest(value, 0.0), 1.0)


def _float(value):
    return cast(value, Float)


def _half_up(value):
    """``value`` (non-negative) rounded half up, as ``scores._half_up`` does it."""
    whole = func.floor(value)
    return cast(case((value - whole >= 0.5, whole + 1), else_=whole), Integer)


def _segment(c, segments: dict):
    """The segment of each row's scores: an item of a 125-entry array (a CASE would try its keys in turn)."""
    names = [segments[(r, f, m)] for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]
    if not any(names):
        return null()
    return array([literal(name, Text) for name in names])[25 * (c.r - 1) + 5 * (c.f - 1) + c.m]


def scored(ranked, settings, today: date):
    """``ranked`` with each customer's computed values as columns, each worked out once a row."""
    c = ranked.c
    days = literal(today) - c.last
    gap = case((c.orders < 2, literal(float(settings.default_gap_days), Float)),
               else_=func.greatest(_float(c.last - c["first"]) / _float(c.orders - 1), 1.0))
    earlier_orders = c.orders - c.recent_orders
    earlier_spend = c.spend - c.recent_spend
    average = func.round(c.spend / c.orders, 2)
    per_year = func.round(cast(c.orders, Numeric) * 365 / settings.window_days, 2)
    parts = _kept(select(ranked, days.label("days"), gap.label("gap"), earlier_orders.label("earlier_orders"),
                         earlier_spend.label("earlier_spend"), average.label("average"), per_year.label("per_year")),
                  "parts")
    p = parts.c
    gap_part = GAP_POINTS * _clamp((_float(p.days) / p.gap - 1.0) / literal(settings.lost_ratio - 1, Float))
    orders_part = case((p.earlier_orders > 0, ORDERS_POINTS * _clamp(1.0 - _float(p.recent_orders)
                                                                     / _float(p.earlier_orders))), else_=0.0)
    spend_part = case((p.earlier_spend > 0, SPEND_POINTS * _clamp(_float(1 - p.recent_spend / p.earlier_spend))),
                      else_=0.0)
    clv = func.round(p.average * p.per_year * literal(Decimal(str(settings.lifetime_years)), Numeric), 2)
    parts = _kept(select(parts, gap_part.label("gap_part"), orders_part.label("orders_part"),
                         spend_part.label("spend_part"), clv.label("clv")), "scored")
    c = parts.c
    return _kept(select(parts, _half_up(c.gap_part + c.orders_part + c.spend_part).label("risk"),
                        _reasons(c).label("reasons")), "computed")


def _kept(statement, name: str):
    """``statement`` as a subquery PostgreSQL keeps as it is (``OFFSET 0``) rather than merging it into the
    query above, where each of its columns would be worked out again at each use."""
    return statement.offset(0).subquery(name)


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
    kept = cast(stored.churn_reasons, JSONB)
    same_reasons = (kept.contains(c.reasons) & c.reasons.contains(kept)).is_(True)
    return or_(stored.rfm_recency.is_distinct_from(c.r), stored.rfm_frequency.is_distinct_from(c.f),
               stored.rfm_monetary.is_distinct_from(c.m), stored.rfm_segment.is_distinct_from(_segment(c, segments)),
               stored.last_order_date.is_distinct_from(c.last), stored.paid_orders.is_distinct_from(c.orders),
               stored.average_order.is_distinct_from(c.average), stored.orders_per_year.is_distinct_from(c.per_year),
               stored.clv.is_distinct_from(c.clv), stored.churn_risk.is_distinct_from(c.risk), ~same_reasons)


def changed_statement(orders, contacts, settings, today: date, segments: dict):
    """The customers whose stored scores differ, and the contacts whose scores are to be cleared: one statement.

    Each row has the columns of ``customers_statement`` (NULL for a contact to clear), ``stored_id`` (the
    contact's id) and the contact's stored ``SCORE_FIELDS``. A full join of today's customers with the
    contacts finds both in the one pass over the orders.
    """
    ranked = customers_statement(orders, settings, today).subquery("ranked")
    computed = scored(ranked, settings, today)
    c = computed.c
    cleared = and_(c.contact.is_(None), contacts.c.paid_orders.is_not(None))
    return select(*(c[name] for name in ranked.c.keys()), contacts.c.id.label("stored_id"),
                  *(contacts.c[name] for name in SCORE_FIELDS)) \
        .select_from(computed.join(contacts, contacts.c.id == c.contact, full=True)) \
        .where(or_(cleared, and_(c.contact.is_not(None), differs(c, contacts.c, segments))))
