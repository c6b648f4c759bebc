"""Demo records for ``trellis demo``: two years (one in the small demo) of paid orders with lines, then the job.

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
    """Orders for demo contacts after the first eight (60 of them in the full demo), then the analytics job.

    The full demo stretches every habit over two years, so that RFM, churn and the
    loyalty tiers read a real history. (Each delivered order also earns loyalty points
    under the contact's lock, about a tenth of a second each: more customers would make
    ``trellis demo`` take minutes.) Orders and their lines are written in batches
    (``create_many``), each row through the whole write path.
    """
    from trellis_plugins.analytics.job import run_all

    records, rng, today = context.records, context.random, date.today()
    stretch = context.sized(2, 1)
    products = {product["code"]: product for product in context.created.get("product", [])}
    customers = context.created.get("contact", [])[SKIP:]
    orders, baskets = [], []
    for number, contact in enumerate(customers[:context.sized(60, len(customers))]):
        first, last, every = HABITS[number % len(HABITS)]
        days_ago = first * stretch if first >= 300 else first   # long-standing habits go back two years
        while days_ago >= last:
            order, chosen = _order(rng, contact, products, today - timedelta(days=days_ago))
            orders.append(order)
            baskets.append(chosen)
            days_ago -= max(1, every + rng.randint(-every // 4, every // 4))
    lines = []
    for order, chosen in zip(context.create_all("order", orders, records), baskets, strict=True):
        lines += [{"order": order.id, "product": product.id, "description": product["name"], "qty": 1,
                   "price": product["price"]} for product in chosen]
    context.create_all("order_line", lines, records)
    run_all(today, records.as_system("analytics"))



def _order(rng, contact, products, day: date) -> tuple[dict, list]:
    """One delivered order's values and its products: a bundle (when the demo has them) or one product."""
    codes = list(rng.choice(BUNDLES)) if rng.random() < 0.7 else [rng.choice(list(products) or ["-"])]
    chosen = [products[code] for code in codes if code in products]
    total = sum((Decimal(str(product["price"] or 0)) for product in chosen), Decimal(0))
    total = total or Decimal(rng.randint(50, 500))
    return {"name": f"Order {day.isoformat()}", "contact": contact.id, "amount": total, "order_date": day,
            "status": "delivered"}, chosen
