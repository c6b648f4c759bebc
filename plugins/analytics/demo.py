"""Demo records for ``trellis demo``: twelve months of paid orders with lines, then the analytics job.

The contacts demo's first eight contacts get the loyalty demo's orders (when it is
installed); the analytics demo gives the others a year of orders of the sales demo's
products, each customer following one of a few habits (regular, lapsing, new, one-off)
so that every RFM segment, the churn list and the product pairs have something to
show. Products are bought in bundles (a licence with its onboarding...) so that the
association rules find them. Then the job runs, as it would at night.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

SKIP = 8   # the loyalty demo's customers
BUNDLES = [("CRM-PRO", "ONB-1D"), ("CRM-STD", "TRN-ONL"), ("CRM-PRO", "SUP-PREM"), ("INT-API", "IMP-DAY"),
           ("HW-TAB", "CRM-STD")]
# habit: (first order, days ago; last order, days ago; days between orders)
HABITS = [(360, 5, 30), (350, 15, 45), (340, 160, 40), (300, 220, 25), (60, 3, 20), (200, 200, 1), (365, 90, 60),
          (120, 10, 30)]


def create(context) -> None:
    """A year of orders for the demo contacts after the first eight, then the analytics job."""
    from trellis_plugins.analytics.job import run_all

    records, rng, today = context.records, context.random, date.today()
    products = {product["code"]: product for product in context.created.get("product", [])}
    for number, contact in enumerate(context.created.get("contact", [])[SKIP:]):
        first, last, every = HABITS[number % len(HABITS)]
        days_ago = first
        while days_ago >= last:
            _order(records, rng, contact, products, today - timedelta(days=days_ago))
            days_ago -= max(1, every + rng.randint(-every // 4, every // 4))
    run_all(today, records.as_system("analytics"))


def _order(records, rng, contact, products, day: date) -> None:
    """One delivered order: a bundle (when the demo has its products) or one product, and its lines."""
    codes = list(rng.choice(BUNDLES)) if rng.random() < 0.7 else [rng.choice(list(products) or ["-"])]
    chosen = [products[code] for code in codes if code in products]
    total = sum((Decimal(str(product["price"] or 0)) for product in chosen), Decimal(0))
    total = total or Decimal(rng.randint(50, 500))
    order = records.create("order", {"name": f"Order {day.isoformat()}", "contact": contact.id, "amount": total,
                                     "order_date": day})
    for product in chosen:
        records.create("order_line", {"order": order.id, "product": product.id, "description": product["name"],
                                      "qty": 1, "price": product["price"]})
    records.update("order", order.id, {"status": "delivered"})
