"""Analytics: RFM + CLV + churn over N customers and M orders, association rules over the order lines.

    python bench/analytics.py --db postgresql+psycopg://postgres@127.0.0.1:5432/trellis_bench_analytics
    python bench/analytics.py --contacts 100000 --orders 500000 --db postgresql+psycopg://...
    python bench/analytics.py --contacts 300 --orders 1500          # quick, SQLite
    python bench/analytics.py --reuse --db ...                      # measure again (the same sizes)

1. A database with the contacts, sales and analytics plugins gets ``--contacts``
   contacts, ``--products`` products and ``--orders`` orders over the last 12 months
   (90 % delivered, the rest open or cancelled), each with one to three lines:
   bulk inserts (``INSERT ... SELECT generate_series`` on PostgreSQL), not the
   record service, and not timed.
2. In a fresh process (so that its peak RSS is the job's own), timed separately:
   the job's contact scoring twice: the first run computes every customer's RFM, CLV
   and churn (one statement, streamed with the stored scores) and writes them all with
   ``update_many``; the second, on the same data, computes and compares the same and
   writes nothing, which is the cost of the computation alone. Then the association
   rules statement. Reported: seconds per step, rows, the extrapolation to
   ``--target-contacts`` / ``--target-orders`` (linear in rows, which the statements'
   plans are: sorts aside), and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

DEFAULT_DB = f"sqlite:///{Path(tempfile.gettempdir()) / 'trellis-bench' / 'analytics.sqlite'}"
PLUGINS = "contacts,sales,analytics"
CHUNK = 20_000


def build_app(url: str, org: Path, migrate: bool):
    """The application with contacts, sales and analytics (tables migrated when ``migrate``)."""
    from trellis import create_app
    from trellis.data.migrate import upgrade

    (org / "metadata").mkdir(parents=True, exist_ok=True)
    app = create_app({"DATABASE_URL": url, "ORG_DIR": str(org), "SECRET_KEY": "bench", "PLUGINS": PLUGINS,
                      "JOB_RUNNER": "manual"})
    if migrate:
        upgrade(app)
    return app


def generate(url: str, org: Path, contacts: int, orders: int, products: int, today: date) -> None:
    """Fill the tables (see the module docstring); PostgreSQL builds the rows itself."""
    from trellis.data.database import db

    sys.path.insert(0, str(Path(__file__).parent))
    from generate import prepare_database

    prepare_database(url, replace=True)
    app = build_app(url, org, migrate=True)
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            _generate_postgresql(connection, contacts, orders, products, today)
        else:
            _generate_rows(connection, app, contacts, orders, products, today)
    with app.app_context():
        db.engine.dispose()


def _generate_postgresql(connection, contacts: int, orders: int, products: int, today: date) -> None:
    from sqlalchemy import text

    connection.execute(text("""
        INSERT INTO product (name, code, price, tax, active, version, created_at, updated_at)
        SELECT 'Product ' || i, 'P' || i, 10 + (i % 90) * 5, 20, true, 1, now(), now()
        FROM generate_series(1, :n) AS i"""), {"n": products})
    connection.execute(text("""
        INSERT INTO contact (first_name, last_name, version, created_at, updated_at)
        SELECT 'Customer', 'No ' || i, 1, now(), now() FROM generate_series(1, :n) AS i"""), {"n": contacts})
    # skewed: a few customers order often (the square of a uniform number favours low ids)
    connection.execute(text("""
        INSERT INTO "order" (name, contact_id, amount, order_date, status, version, created_at, updated_at)
        SELECT 'Order ' || i, 1 + floor(power(random(), 2) * :contacts)::int, round((20 + random() * 480)::numeric, 2),
               :today - (floor(random() * 365))::int,
               CASE WHEN random() < 0.9 THEN 'delivered' WHEN random() < 0.5 THEN 'open' ELSE 'cancelled' END,
               1, now(), now()
        FROM generate_series(1, :n) AS i"""), {"n": orders, "contacts": contacts, "today": today})
    connection.execute(text("""
        INSERT INTO order_line (order_id, product_id, qty, price, discount, line_total, version, created_at, updated_at)
        SELECT o.id, 1 + ((o.id::bigint * 7919 + k * (1 + o.id % 13)) % :products), 1, 10, 0, 10, 1, now(), now()
        FROM "order" o, generate_series(1, 3) AS k WHERE k <= 1 + o.id % 3"""), {"products": products})
    connection.execute(text("ANALYZE"))


def _generate_rows(connection, app, contacts: int, orders: int, products: int, today: date) -> None:
    import random
    from datetime import UTC, datetime

    from trellis.data.bulk import insert_rows
    from trellis.runtime import runtime

    tables, rng, now = runtime(app).schema.tables, random.Random(42), datetime.now(UTC)
    stamp = {"version": 1, "created_at": now, "updated_at": now}
    insert_rows(connection, tables["product"], [{"name": f"Product {i}", "code": f"P{i}", "price": 10, "tax": 20,
                                                 "active": True, **stamp} for i in range(1, products + 1)])
    insert_rows(connection, tables["contact"], [{"first_name": "Customer", "last_name": f"No {i}", **stamp}
                                                for i in range(1, contacts + 1)])
    for start in range(1, orders + 1, CHUNK):
        ids = range(start, min(start + CHUNK, orders + 1))
        insert_rows(connection, tables["order"], [
            {"name": f"Order {i}", "contact_id": 1 + int(rng.random() ** 2 * contacts),
             "amount": round(20 + rng.random() * 480, 2), "order_date": today - timedelta(days=rng.randrange(365)),
             "status": "delivered" if rng.random() < 0.9 else "cancelled", **stamp} for i in ids])
        insert_rows(connection, tables["order_line"], [
            {"order_id": i, "product_id": 1 + (i * 7919 + k * (1 + i % 13)) % products, "qty": 1, "price": 10,
             "discount": 0, "line_total": 10, **stamp} for i in ids for k in range(1, 2 + i % 3)])


def measure(url: str, org: Path, today: date) -> dict:
    """Time each step of the job (see the module docstring); the numbers as a dict."""
    from trellis import system_records
    from trellis.data.database import db
    from trellis_plugins.analytics import pairs
    from trellis_plugins.analytics.job import score_contacts
    from trellis_plugins.analytics.settings import current

    app = build_app(url, org, migrate=False)
    result = {}
    with app.app_context():
        records, settings = system_records("analytics"), current()
        started = time.perf_counter()
        first = score_contacts(records, settings, today)
        result["first_run_s"] = time.perf_counter() - started
        result["rss_after_first_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started, cpu = time.perf_counter(), time.process_time()
        again = score_contacts(records, settings, today)
        result["second_run_s"] = time.perf_counter() - started
        result["second_run_cpu_s"] = time.process_time() - cpu
        started = time.perf_counter()
        rules = pairs.rules(records, settings, today)
        result["rules_sql_s"] = time.perf_counter() - started
        result.update(customers=first["customers"], written=first["written"], rewritten=again["written"],
                      rules=len(rules))
        db.engine.dispose()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def report(numbers: dict, contacts: int, orders: int, lines: int, target_contacts: int, target_orders: int) -> str:
    """The numbers as Markdown, with the linear extrapolation to the target sizes."""
    scale = max(target_contacts / contacts, target_orders / orders)
    compute, first = numbers["second_run_s"], numbers["first_run_s"]
    writes = max(first - compute, 0.0)
    rows = [
        ("contacts / orders / order lines", f"{contacts:,} / {orders:,} / {lines:,}"),
        ("customers scored", f"{numbers['customers']:,}"),
        ("RFM + CLV + churn computed and compared, nothing to write (a second run)",
         f"{compute:.2f} s (of which {numbers['second_run_cpu_s']:.2f} s CPU in the job process) → "
         f"{compute * scale:.1f} s at {target_contacts:,} / {target_orders:,}"),
        (f"first run: the same, writing all {numbers['written']:,} customers with update_many",
         f"{first:.2f} s; writes ≈ {writes:.2f} s = {writes * 1000 / max(numbers['written'], 1):.3f} ms a contact "
         f"→ {first * scale:.0f} s at {target_contacts:,}"),
        ("contacts written by the second run", f"{numbers['rewritten']:,}"),
        ("association rules (SQL)", f"{numbers['rules_sql_s']:.2f} s over {lines:,} lines, {numbers['rules']} rules → "
                                    f"{numbers['rules_sql_s'] * 1_000_000 / max(lines, 1):.1f} s at 1,000,000 lines"),
        ("job process peak RSS", f"{numbers['peak_rss_mb']:.0f} MB"),
    ]
    return "\n".join(["| step | result |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])


def count_lines(url: str, org: Path) -> int:
    """The number of order lines generated."""
    from trellis import system_records

    app = build_app(url, org, migrate=False)
    with app.app_context():
        return system_records("bench").query("order_line").count(cap=10**9)[0]


def main(argv: list[str] | None = None) -> int:
    """Generate, then measure in a child process; print the Markdown table (and write it to ``--out``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--org", default=str(Path(tempfile.gettempdir()) / "trellis-bench" / "analytics-org"))
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--target-contacts", type=int, default=1_000_000)
    parser.add_argument("--target-orders", type=int, default=5_000_000)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--min-support", type=float, default=0.00005,
                        help="the rules' min_support (generated baskets spread over many products)")
    parser.add_argument("--reuse", action="store_true", help="measure the data a previous run generated")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    org, today = Path(args.org), date.today()
    (org / "metadata").mkdir(parents=True, exist_ok=True)
    (org / "metadata" / "analytics.yaml").write_text(
        f"analytics: bench\nassociation: {{min_support: {args.min_support:.8f}, min_confidence: 0.01}}\n",
        encoding="utf-8")
    if args.measure_only:
        print(json.dumps(measure(args.db, org, today)))
        return 0
    if not args.reuse:
        started = time.perf_counter()
        generate(args.db, org, args.contacts, args.orders, args.products, today)
        print(f"generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    command = [sys.executable, __file__, "--measure-only", "--db", args.db, "--org", str(org)]
    child = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 - this script
    numbers = json.loads(child.stdout.strip().splitlines()[-1])
    table = report(numbers, args.contacts, args.orders, count_lines(args.db, org), args.target_contacts,
                   args.target_orders)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
