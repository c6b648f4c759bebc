"""Marketing: a segment's count over many contacts and orders, and sending a campaign to a real SMTP server.

    python bench/marketing.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test --contacts 200000
    python bench/marketing.py --contacts 2000 --recipients 500          # quick, SQLite

1. ``--contacts`` contacts and twice as many orders over two years are inserted in bulk
   (not timed; SQL ``INSERT ... SELECT`` on PostgreSQL, ``executemany`` on SQLite). Then
   two segments are counted ``--repeat`` times (median): the Mother's Day segment
   (ordered 1-14 May last year, not ``do_not_contact``) and a heavier one (two or more
   orders, at least 300 spent, last order older than 90 days). Reported with a linear
   extrapolation to 1M contacts / 2M orders.
2. A campaign to ``--recipients`` subscribers of a list is scheduled (its audience
   written: timed) and sent through the sending job to an aiosmtpd server in a process
   of its own, as a mail server is (timed, end to end: claim, render, SMTP, record).
   Reported: messages per second of wall time and per CPU second of this process (the
   SMTP client threads included, the server not), and the accounting
   sent + deferred + bounced + suppressed = recipients.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path


def build_app(url: str, org: Path, smtp_url: str | None = None):
    """The application with contacts, sales and marketing, its tables migrated."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    app = create_app({"DATABASE_URL": url, "ORG_DIR": str(org), "PLUGINS": ["contacts", "sales", "marketing"],
                      "SECRET_KEY": "bench", "JOB_RUNNER": "manual", "SMTP_URL": smtp_url})
    upgrade(app)
    return app


def fill(app, contacts: int) -> None:
    """``contacts`` contacts and ``2 * contacts`` orders over the last two years, inserted in bulk."""
    from sqlalchemy import text
    from trellis.data.database import db

    start = date(date.today().year - 2, 1, 1)
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(
                "INSERT INTO contact (last_name, email, city, do_not_contact, version, created_at, updated_at) "
                "SELECT 'Buyer ' || n, 'buyer' || n || '@example.com', 'City ' || (n % 50), n % 17 = 0, 1, now(), "
                "now() FROM generate_series(1, :n) AS n"), {"n": contacts})
            connection.execute(text(
                "INSERT INTO \"order\" (name, contact_id, amount, order_date, status, version, created_at, updated_at) "
                "SELECT 'Order ' || n, 1 + (n::bigint * 7919) % :n, 20 + n % 300, :start + (n % 730), 'delivered', 1, "
                "now(), now() FROM generate_series(1, 2 * :n) AS n"), {"n": contacts, "start": start})
        else:
            connection.exec_driver_sql(
                "INSERT INTO contact (last_name, email, city, do_not_contact, version, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 1, datetime('now'), datetime('now'))",
                [(f"Buyer {n}", f"buyer{n}@example.com", f"City {n % 50}", n % 17 == 0)
                 for n in range(1, contacts + 1)])
            connection.exec_driver_sql(
                'INSERT INTO "order" (name, contact_id, amount, order_date, status, version, created_at, updated_at) '
                "VALUES (?, ?, ?, ?, 'delivered', 1, datetime('now'), datetime('now'))",
                [(f"Order {n}", 1 + (n * 7919) % contacts, 20 + n % 300,
                  (start + timedelta(days=n % 730)).isoformat()) for n in range(1, 2 * contacts + 1)])
    with app.app_context(), db.engine.connect() as connection:
        # As autovacuum leaves a table in use: statistics, and the visibility map index-only scans need.
        if connection.dialect.name == "postgresql":
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("contact", '"order"'):
                autocommit.exec_driver_sql(f"VACUUM ANALYZE {table}")


def time_segments(app, repeat: int) -> dict:
    """Median seconds of each segment's count, and the count."""
    from trellis import system_records
    from trellis_plugins.marketing import segments

    found = {}
    with app.app_context():
        records = system_records("bench")
        for name, conditions in (
                ("mothers_day", "contact: {do_not_contact: false}\norders: {from: '05-01', to: '05-14', year: last}"),
                ("loyal_lapsed", "orders: {min_count: 2, min_total: 300}\nlast_order_days: 90")):
            segment = segments.from_text(name, conditions)
            times, count = [], 0
            for _ in range(repeat):
                began = time.perf_counter()
                count = segments.count(records, segment, date.today())
                times.append(time.perf_counter() - began)
            found[name] = {"count": count, "seconds": statistics.median(times)}
    return found


class Count:
    """An aiosmtpd handler that counts the messages it accepts."""

    received = 0

    async def handle_DATA(self, server, session, envelope):
        Count.received += 1
        return "250 OK"


def serve_smtp(port: int) -> None:
    """Accept mail on ``port`` until stdin closes, then print how many messages came (the server process)."""
    from aiosmtpd.controller import Controller

    server = Controller(Count(), hostname="127.0.0.1", port=port)
    server.start()
    print("ready", flush=True)
    sys.stdin.read()
    server.stop()
    print(Count.received, flush=True)


def time_sending(url: str, org: Path, recipients: int) -> dict:
    """Schedule and send a campaign to ``recipients`` subscribers through an aiosmtpd server in its own process
    (as a mail server is: it does not share this process's CPU)."""
    import socket
    import subprocess

    from trellis import system_records
    from trellis_plugins.marketing import results
    from trellis_plugins.marketing.sending import send_campaign

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, __file__, "--serve-smtp", str(port)], stdin=subprocess.PIPE,  # noqa: S603 (this very script)
                              stdout=subprocess.PIPE, text=True)
    server.stdout.readline()
    app = build_app(url, org, f"smtp://127.0.0.1:{port}?from=news@bench.example")
    try:
        with app.app_context():
            records = system_records("bench")
            listed = records.create("mailing_list", {"name": f"Bench {time.time()}"})
            people = records.create_many("contact", [{"last_name": f"Reader {n}", "email": f"r{n}@bench.example"}
                                                     for n in range(recipients)])
            for start in range(0, recipients, 500):
                records.create_many("mailing_subscription", [{"mailing_list": listed.id, "contact": p.id}
                                                             for p in people[start:start + 500]])
            body = '<p>Hello</p><a href="https://bench.example/">x</a>'
            template = records.create("email_template", {"name": f"Bench {time.time()}", "body": body,
                                                         "subject": "Hi {{ last_name }}"})
            campaign = records.create("marketing_campaign", {"name": f"Bench {time.time()}", "rate": 100000,
                                                             "mailing_list": listed.id, "template": template.id})
            began = time.perf_counter()
            records.transition("marketing_campaign", campaign.id, "schedule")
            materialised = time.perf_counter() - began
            began, cpu = time.perf_counter(), time.process_time()
            send_campaign(app, {"campaign": campaign.id})
            sent, cpu = time.perf_counter() - began, time.process_time() - cpu
            numbers = results.results(records, records.get("marketing_campaign", campaign.id))
    finally:
        received = int(server.communicate("", timeout=60)[0].strip() or 0)
    accounted = numbers["delivered"] + numbers["deferred"] + numbers["bounced"] + numbers["suppressed"]
    return {"recipients": recipients, "materialise_seconds": materialised, "send_seconds": sent,
            "per_second": recipients / sent, "cpu_seconds": cpu, "per_cpu_second": recipients / cpu,
            "received": received, "accounted": accounted}


@contextmanager
def private_schema(url: str | None):
    """On PostgreSQL, a schema of this run's own (dropped at the end), so a shared database keeps nothing."""
    if not url or not url.startswith("postgresql"):
        yield url
        return
    from sqlalchemy import create_engine, text

    name = f"bench_marketing_{os.getpid()}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        engine.dispose()


def main(argv=None) -> int:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=None, help="database URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--recipients", type=int, default=2000, help="0: count the segments only")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--serve-smtp", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_smtp:
        serve_smtp(args.serve_smtp)
        return 0
    with tempfile.TemporaryDirectory() as folder, private_schema(args.db) as db:
        org = Path(folder)
        (org / "metadata").mkdir()
        url = db or f"sqlite:///{org / 'bench.sqlite'}"
        app = build_app(url, org)
        began = time.perf_counter()
        fill(app, args.contacts)
        print(f"filled {args.contacts:,} contacts and {2 * args.contacts:,} orders in "
              f"{time.perf_counter() - began:.1f} s ({url.split(':')[0]})")
        scale = 1_000_000 / args.contacts
        for name, found in time_segments(app, args.repeat).items():
            print(f"segment {name}: {found['count']:,} contacts in {found['seconds'] * 1000:.0f} ms "
                  f"(linear at 1M contacts / 2M orders: {found['seconds'] * scale:.2f} s)")
        if args.recipients <= 0:
            return 0
        sending = time_sending(url, org, args.recipients)
        print(f"audience of {sending['recipients']:,} written in {sending['materialise_seconds']:.1f} s; sent in "
              f"{sending['send_seconds']:.1f} s = {sending['per_second']:.0f} messages/s "
              f"(CPU {sending['cpu_seconds']:.1f} s = "
              f"{sending['per_cpu_second']:.0f} messages per CPU second); server received "
              f"{sending['received']:,}; sent + deferred + bounced + suppressed = {sending['accounted']:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
