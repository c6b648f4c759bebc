"""Demo records for ``trellis demo``: two years (one in the small demo) of delivered orders for demo contacts.

The orders go through the write path like real ones, so the shipped programme
(``metadata/programmes/standard.yaml``) earns their points, issues vouchers and
sets tiers; one voucher is then redeemed on an open order.
"""

from __future__ import annotations

from datetime import date, timedelta

MEMBERS = 8


def create(context) -> None:
    """Per demo contact, one to three delivered orders a month for two years (one), and one open order."""
    records, rng = context.records, context.random
    today = date.today()
    for contact in context.created.get("contact", [])[:MEMBERS]:
        rows = []
        for month in range(context.sized(24, 12), 0, -1):
            for _ in range(rng.randint(1, 3)):
                day = today - timedelta(days=month * 30 - rng.randint(0, 27))
                rows.append({"name": f"Shop order {day.isoformat()}", "contact": contact.id,
                             "amount": rng.randint(20, 400), "order_date": day, "status": "delivered"})
        for result in records.create_many("order", rows):
            if isinstance(result, Exception):
                raise result
        basket = records.create("order", {"name": "Shop order (today)", "contact": contact.id,
                                          "amount": rng.randint(50, 300)})
        context.remember("order", basket)
        account = records.query("loyalty_account").filter(contact=contact.id).first()
        voucher = records.query("loyalty_voucher").filter(account=account.id, status="active").first()
        if voucher is not None and rng.random() < 0.5:
            records.create("loyalty_redemption", {"key": f"demo:{voucher.id}", "account": account.id,
                                                  "order": basket.id, "voucher": voucher.id})
