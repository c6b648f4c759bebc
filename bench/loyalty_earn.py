"""Loyalty: earning for paid orders through the write path, and the nightly tier + expiry job.

    python bench/loyalty_earn.py                          # 100,000 orders for 100,000 members
    python bench/loyalty_earn.py --orders 2000 --members 2000   # quick
    python bench/loyalty_earn.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test

On a fresh database with the loyalty plugin's shipped programme (1 point per $1,
rewards every 1,000 and 5,000 points, three tiers, expiry after 24 months):

1. ``--members`` contacts are created (not timed);
2. ``--orders`` orders, already delivered, are created through the record service in
   batches of ``--batch`` (``create_many``: one transaction per batch, every row on the
   whole write path, the loyalty hook included): each order opens its member's account
   on the first earn, writes an ``earned`` ledger entry, moves the tier and issues the
   vouchers its points cross. Reported: orders per second (wall clock);
3. the nightly job (tiers from the rolling 12 months, expiry oldest first, reminders)
   runs over every member twice: the next night (a normal night: one GROUP BY over the
   ledger and a pass over the accounts, little to write), then 30 months later (the
   worst night: every member's points expire at once). Reported: each run's
   wall-clock seconds.

Each figure also comes with the CPU seconds the process used: on a shared machine
the wall clock mostly measures the other processes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path


def build_app(url: str, org: Path):
    """The application with contacts, sales and loyalty, its tables migrated."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    app = create_app({"DATABASE_URL": url, "ORG_DIR": str(org), "PLUGINS": ["contacts", "sales", "loyalty"],
                      "SECRET_KEY": "bench", "JOB_RUNNER": "manual"})
    upgrade(app)
    return app


def in_batches(items: list, size: int):
    """``items`` in slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run(url: str, org: Path, members: int, orders: int, batch: int) -> dict:
    """Create the members, time the orders' earning and the nightly job; what was measured."""
    from trellis import system_records
    from trellis.data.database import db
    from trellis_plugins.loyalty.nightly import run as nightly

    app = build_app(url, org)
    try:
        with app.app_context():
            records = system_records("bench")
            contacts = []
            for rows in in_batches([{"first_name": "Member", "last_name": f"No {i}"} for i in range(members)], batch):
                contacts += [record.id for record in records.create_many("contact", rows)]
            today = date.today()
            rows = [{"name": f"Order {i}", "contact": contacts[i % members], "amount": 50 + i % 400,
                     "status": "delivered", "order_date": today - timedelta(days=i % 300)} for i in range(orders)]
            start, cpu = time.perf_counter(), time.process_time()
            for chunk in in_batches(rows, batch):
                failed = [r for r in records.create_many("order", chunk) if isinstance(r, Exception)]
                if failed:
                    raise SystemExit(f"an order was refused: {failed[0]}")
            earn_seconds, earn_cpu = time.perf_counter() - start, time.process_time() - cpu
            entries = records.query("loyalty_entry").count(cap=10**9)[0]
            vouchers = records.query("loyalty_voucher").count(cap=10**9)[0]

            nights = {}
            for name, days in (("tomorrow", 1), ("in 30 months", 900)):
                context = type("Context", (), {"now": datetime.combine(today + timedelta(days=days),
                                                                       datetime.min.time(), tzinfo=UTC)})
                start, cpu = time.perf_counter(), time.process_time()
                with records.transaction():
                    nightly(context)
                nights[name] = (time.perf_counter() - start, time.process_time() - cpu)
            expired = records.query("loyalty_entry").filter(kind="expired").count(cap=10**9)[0]
    finally:
        with app.app_context():
            db.engine.dispose()
    return {"orders": orders, "members": members, "earn_seconds": earn_seconds,
            "orders_per_second": orders / earn_seconds, "earn_cpu": earn_cpu, "ledger_entries": entries,
            "vouchers": vouchers,
            "nights": nights, "expired_entries": expired}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark once and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--db", help="database URL (default: a new SQLite file in a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        org = Path(folder) / "org"
        (org / "metadata").mkdir(parents=True)
        url = args.db or f"sqlite:///{Path(folder) / 'loyalty.sqlite'}"
        result = run(url, org, args.members, args.orders, args.batch)
    print(f"earning: {result['orders']:,} orders in {result['earn_seconds']:.1f} s = "
          f"{result['orders_per_second']:,.0f} orders/s ({result['ledger_entries']:,} ledger entries, "
          f"{result['vouchers']:,} vouchers); {result['earn_cpu']:.1f} s of CPU = "
          f"{result['orders'] / max(result['earn_cpu'], 1e-9):,.0f} orders per CPU second")
    for name, (seconds, cpu) in result["nights"].items():
        print(f"nightly tier + expiry job, {name}: {result['members']:,} members in {seconds:.1f} s "
              f"({cpu:.1f} s of CPU)")
    print(f"({result['expired_entries']:,} expiry entries in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
