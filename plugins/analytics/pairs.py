"""Association rules over co-purchased products: "customers who bought X also bought Y".

A basket is a paid order in the window; it holds a product once however many lines
name it. For products X and Y (X ≠ Y), with ``N`` baskets, ``n(X)`` those holding X
and ``n(X, Y)`` those holding both:

* support = n(X, Y) / N
* confidence = n(X, Y) / n(X)          (of the baskets with X, the share that also has Y)
* lift = confidence / (n(Y) / N)       (above 1: X makes Y more likely than it is alone)

One SQL statement counts the pairs (a self-join of the baskets), keeps those with at
least ``min_orders`` baskets, ``min_support`` and ``min_confidence``, and returns the
``max_rules`` with the highest lift (then most baskets, then product ids: the same
rules every run). They replace the ``product_pair`` records in one transaction.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Float, and_, cast, func, literal, select

PLACES = Decimal("0.0001")


def rules_statement(orders, lines, settings, today: date):
    """The rules as ``(x, y, both, x_count, y_count, baskets, support, confidence, lift)`` rows, best first."""
    since = today - timedelta(days=settings.window_days - 1)
    baskets = (select(lines.c.order_id.label("basket"), lines.c.product_id.label("product"))
               .join(orders, orders.c.id == lines.c.order_id)
               .where(and_(lines.c.product_id.is_not(None), orders.c.status.in_(settings.paid_states),
                           orders.c.order_date >= since, orders.c.order_date <= today))
               .distinct().cte("baskets"))
    total = select(func.count(func.distinct(baskets.c.basket)).label("n")).cte("total")
    single = (select(baskets.c.product, func.count().label("n")).group_by(baskets.c.product).cte("single"))
    a, b = baskets.alias("a"), baskets.alias("b")
    both = (select(a.c.product.label("x"), b.c.product.label("y"), func.count().label("n"))
            .join(b, and_(a.c.basket == b.c.basket, a.c.product != b.c.product))
            .group_by(a.c.product, b.c.product)
            .having(func.count() >= settings.min_orders).cte("both"))
    sx, sy = single.alias("sx"), single.alias("sy")
    n_both, n_all = cast(both.c.n, Float), cast(total.c.n, Float)
    support = n_both / n_all
    confidence = n_both / cast(sx.c.n, Float)
    lift = confidence / (cast(sy.c.n, Float) / n_all)
    return (select(both.c.x, both.c.y, both.c.n.label("both"), support.label("support"),
                   confidence.label("confidence"), lift.label("lift"))
            .select_from(both.join(sx, sx.c.product == both.c.x).join(sy, sy.c.product == both.c.y)
                         .join(total, literal(True)))
            .where(and_(support >= settings.min_support, confidence >= settings.min_confidence))
            .order_by(lift.desc(), both.c.n.desc(), both.c.x, both.c.y)
            .limit(settings.max_rules))


def rules(records, settings, today: date) -> list:
    """The association rules of paid orders in the window (rows of :func:`rules_statement`)."""
    orders = records.query("order")
    lines = records.query("order_line").table
    return orders.aggregate(lambda dialect: rules_statement(orders.table, lines, settings, today))


def ratio(value) -> Decimal:
    """A ratio rounded to four places, half up."""
    return Decimal(str(value)).quantize(PLACES, rounding=ROUND_HALF_UP)


def refresh(records, settings, today: date) -> dict:
    """Replace the ``product_pair`` records with today's rules, in one transaction."""
    found = rules(records, settings, today)
    names = product_names(records, {row.x for row in found} | {row.y for row in found})
    rows = [{"name": f"{names.get(row.x, row.x)} → {names.get(row.y, row.y)}"[:420], "product": row.x,
             "also_bought": row.y, "orders": int(row.both), "support": ratio(row.support),
             "confidence": ratio(row.confidence), "lift": ratio(row.lift)} for row in found]
    with records.transaction():
        old = [pair.id for pair in records.query("product_pair").iterate(batch=500)]
        for pair_id in old:
            records.delete("product_pair", pair_id)
        created = records.create_many("product_pair", rows)
    failed = [result for result in created if isinstance(result, Exception)]
    if failed:
        raise failed[0]
    return {"rules": len(rows), "replaced": len(old)}


def product_names(records, ids: set) -> dict:
    """Product names by id, for the rules' names."""
    query = records.query("product")
    table = query.table
    if not ids:
        return {}
    rows = query.aggregate(lambda dialect: select(table.c.id, table.c.name).where(table.c.id.in_(sorted(ids))))
    return {row.id: row.name for row in rows}
