"""Reports benchmark: a two-level group-by over N contacts, and a dashboard of six reports over N deals.

    python bench/reports.py --rows 100000                 # SQLite file in a temp folder
    python bench/reports.py --rows 1000000 --db-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    python bench/reports.py --rows 1000000 --folder /tmp/reports-bench     # keep the data; later runs reuse it

Fills ``bench_contact`` and ``bench_deal`` with bulk INSERTs (this measures reads), then times
``run_report`` (the median of several runs) as the system and as a user whose record rule
limits them to their own rows, each report being one GROUP BY through the query builder:

- contacts by country and stage (two group-bys, count);
- six deal reports, as a dashboard shows them: pipeline by stage (sum, count), forecast by
  close month, won by owner, conversion by month (a ratio), lost by reason, and a KPI.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, text

ENTITIES = {
    "bench_contact.yaml": """
entity: bench_contact
title: name
fields:
  name:    {type: string, required: true}
  country: {type: string}
  stage:   {type: selection, options: [lead, qualified, customer, lost]}
  owner:   {type: user}
indexes: [[country, stage]]
""",
    "bench_deal.yaml": """
entity: bench_deal
title: name
fields:
  name:   {type: string, required: true}
  amount: {type: money}
  stage:  {type: selection, options: [new, qualified, proposal, won, lost]}
  reason: {type: selection, options: [price, timing, competitor, other]}
  close:  {type: date}
  owner:  {type: user}
indexes: [[stage, close], [owner]]
""",
}
# --covering: what an administrator adds to the entities' YAML so that each report reads one index instead of
# the table (the columns it filters, groups and sums, in that order; ``owner`` first for the ``own`` rule).
COVERING = {"bench_contact.yaml": ("indexes: [[country, stage]]\n",
                                   "indexes: [[country, stage], [owner, country, stage]]\n"),
            "bench_deal.yaml": ("indexes: [[stage, close], [owner]]\n", "indexes: [[stage, close, amount], "
                                "[stage, owner, amount], [stage, reason], [owner, stage, close, amount]]\n")}
ROLES = """
roles:
  seller:
    bench_contact: {read: own}
    bench_deal: {read: own}
"""
REPORTS = {
    "contacts_by_country_stage": "entity: bench_contact\ngroup_by: [country, stage]\n",
    "pipeline": "entity: bench_deal\ngroup_by: stage\nmeasures: {amount: {sum: amount}, deals: count}\nchart: funnel\n",
    "forecast": ("entity: bench_deal\nfilters: {stage__in: [new, qualified, proposal]}\n"
                 "group_by: {field: close, bucket: month}\nmeasures: {amount: {sum: amount}}\n"),
    "won_by_owner": "entity: bench_deal\nfilters: {stage: won}\ngroup_by: owner\nmeasures: {amount: {sum: amount}}\n",
    "conversion": ("entity: bench_deal\nfilters: {stage__in: [won, lost]}\ngroup_by: {field: close, bucket: month}\n"
                   "measures: {won: {count: '*', where: {stage: won}}, closed: count, rate: {ratio: [won, closed]}}\n"),
    "lost_by_reason": "entity: bench_deal\nfilters: {stage: lost}\ngroup_by: reason\n",
    "kpi": "entity: bench_deal\nmeasures: {amount: {sum: amount}, average: {avg: amount}}\nchart: kpi\n",
}
DASHBOARD = ("pipeline", "forecast", "won_by_owner", "conversion", "lost_by_reason", "kpi")
COUNTRIES = ["Norway", "Portugal", "France", "Germany", "Spain", "USA", "Russia", "Bulgaria", "Iran", "Japan",
             "Brazil", "India", "Canada", "Italy", "Poland", "Greece", "Sweden", "Mexico", "Egypt", "Kenya"]


def build_app(db_url: str | None, folder: Path, covering: bool = False):
    """An app with the two bench entities, a ``seller`` role and the reports, on a migrated database
    (``covering``: with the covering indexes, created by the migration when missing)."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    metadata = folder / "metadata"
    (metadata / "reports").mkdir(parents=True, exist_ok=True)
    for name, body in ENTITIES.items():
        if covering:
            body = body.replace(*COVERING[name])
        (metadata / name).write_text(body, encoding="utf-8")
    (metadata / "roles.yaml").write_text(ROLES, encoding="utf-8")
    for name, body in REPORTS.items():
        (metadata / "reports" / f"{name}.yaml").write_text(f"report: {name}\n{body}", encoding="utf-8")
    url = db_url or f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app({"DATABASE_URL": url, "ORG_DIR": str(folder), "SECRET_KEY": "bench", "PLUGINS": []})
    upgrade(app)
    return app


def fill(app, rows: int, owners: list[int]) -> None:
    """``rows`` contacts and ``rows`` deals, in batches of 10,000, straight into the tables."""
    from trellis.data.database import db
    from trellis.runtime import runtime

    tables = runtime(app).schema.tables
    rng = random.Random(7)
    now = datetime.now(UTC)
    with app.app_context(), db.engine.begin() as connection:
        for entity, row in (("bench_contact", _contact), ("bench_deal", _deal)):
            batch = []
            for i in range(rows):
                batch.append({"version": 1, "created_at": now, "updated_at": now, **row(rng, i, owners)})
                if len(batch) == 10_000:
                    connection.execute(insert(tables[entity]), batch)
                    batch = []
            if batch:
                connection.execute(insert(tables[entity]), batch)
    with app.app_context(), db.engine.connect() as connection:
        # Planner statistics, and on PostgreSQL the visibility map autovacuum would build (index-only scans).
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE" if connection.dialect.name == "postgresql" else "ANALYZE"))


def _contact(rng: random.Random, i: int, owners: list[int]) -> dict:
    name = f"Contact {i:07d}"
    return {"name": name, "_search": name.casefold(), "country": rng.choice(COUNTRIES),
            "stage": rng.choice(["lead", "qualified", "customer", "lost"]), "owner_id": rng.choice(owners)}


def _deal(rng: random.Random, i: int, owners: list[int]) -> dict:
    name = f"Deal {i:07d}"
    stage = rng.choice(["new", "qualified", "proposal", "won", "lost"])
    return {"name": name, "_search": name.casefold(), "amount": Decimal(rng.randrange(0, 1_000_000)) / 100,
            "stage": stage, "reason": rng.choice(["price", "timing", "competitor", "other"]) if stage == "lost"
            else None, "close": date(2026, 1, 1) + timedelta(days=rng.randrange(0, 730)),
            "owner_id": rng.choice(owners)}


def _sellers(app) -> list | None:
    """The sellers of an already filled database (a reused ``--folder``), else None."""
    from trellis.data.database import db
    from trellis.security.accounts import find_user_id, load_account

    with app.app_context(), db.engine.connect() as connection:
        if connection.execute(text("SELECT count(*) FROM bench_deal")).scalar() == 0:
            return None
        return [load_account(app, find_user_id(app, f"seller{n}@example.com")) for n in range(5)]


def timed(run, repeat: int) -> float:
    """Median milliseconds of ``repeat`` calls (after one warm-up call)."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", help="database URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--covering", action="store_true", help="give the entities covering indexes (see COVERING)")
    parser.add_argument("--writes", type=int, default=0, help="also time creating this many deals through the "
                        "record service, in batches of 500 (the cost of the indexes on the write path)")
    parser.add_argument("--folder", type=Path, help="keep the metadata and SQLite file here; a second run with "
                        "the same folder (and database) reuses the filled rows instead of filling again")
    args = parser.parse_args()
    from trellis.data.records import records_for
    from trellis.data.reports import run_report
    from trellis.runtime import runtime
    from trellis.security.accounts import create_user

    with tempfile.TemporaryDirectory() as temporary:
        folder = args.folder or Path(temporary)
        app = build_app(args.db_url, folder, args.covering)
        start = time.perf_counter()
        sellers, filled = _sellers(app), "rows of an earlier run reused"
        if sellers is None:
            with app.app_context():
                sellers = [create_user(app, f"seller{n}@example.com", None, role="seller", name=f"Seller {n}")
                           for n in range(5)]
            fill(app, args.rows, [s.id for s in sellers])
            filled = f"filled in {time.perf_counter() - start:.1f} s"
        print(f"database: {app.config['DATABASE_URL'].split('://')[0]}, {args.rows:,} contacts and "
              f"{args.rows:,} deals ({filled}); medians of {args.repeat}")
        with app.app_context():
            reports = runtime(app).metadata.reports
            for who, service in (("system", records_for(app)), ("seller", records_for(app, sellers[0], "ui"))):
                line = []
                for cache, seconds in (("cold", 0), ("warm", 300)):   # no result cache, then the cache kept warm
                    app.config["REPORT_CACHE_SECONDS"] = seconds
                    pivot = timed(lambda s=service: run_report(s, reports["contacts_by_country_stage"]), args.repeat)
                    board = timed(lambda s=service: [run_report(s, reports[name], zone="Asia/Tehran")
                                                     for name in DASHBOARD], args.repeat)
                    line.append(f"{cache} {pivot:8.1f} / {board:8.1f} ms")
                print(f"  {who:>6}: contacts by country x stage / dashboard of 6 deal reports: {' | '.join(line)}")
            if args.writes:
                print(f"  {args.writes:,} deals created through the record service: "
                      f"{_writes(app, args.writes, [s.id for s in sellers]):.1f} s")


def _writes(app, count: int, owners: list[int]) -> float:
    """Seconds to create ``count`` deals with the record service's ``create_many``, 500 per transaction."""
    from trellis.data.records import records_for

    service, rng = records_for(app), random.Random(11)
    rows = [{key: value for key, value in _deal(rng, i, owners).items() if key not in ("_search", "owner_id")}
            for i in range(count)]
    for row in rows:
        row["name"] = row["name"].replace("Deal", "Written")
    start = time.perf_counter()
    for first in range(0, count, 500):
        service.create_many("bench_deal", rows[first:first + 500])
    return time.perf_counter() - start

if __name__ == "__main__":
    main()
