"""Keyset pagination benchmark: page 1 vs page 1,000 of a 100k-row table.

    python bench/query_pages.py                      # SQLite file in a temp folder
    python bench/query_pages.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/bench --rows 100000

Fills the table with a bulk INSERT (not the record service: this measures reads),
walks to page 1,000 by following cursors, then times page 1 and page 1,000 (the
median of several runs) for a few sort orders. Page 1,000 should cost about what
page 1 costs, because a cursor page is "WHERE (sort, id) after the cursor ... LIMIT n",
never an OFFSET.
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

ENTITY = """
entity: bench_deal
title: name
fields:
  name:   {type: string, required: true}
  amount: {type: money, index: true}
  stage:  {type: selection, options: [new, won, lost]}
  close:  {type: date}
search: [name]
indexes: [[stage, close]]
"""


def build_app(db_url: str | None, folder: Path):
    """An app whose only own entity is ``bench_deal``, on a migrated database."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    (folder / "metadata" / "entities").mkdir(parents=True, exist_ok=True)
    (folder / "metadata" / "entities" / "bench_deal.yaml").write_text(ENTITY, encoding="utf-8")
    url = db_url or f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app({"DATABASE_URL": url, "ORG_DIR": str(folder), "SECRET_KEY": "bench", "PLUGINS": []})
    upgrade(app)
    return app


def fill(app, rows: int) -> None:
    """Insert ``rows`` rows in batches of 10,000 straight into the table."""
    from trellis.data.database import db
    from trellis.runtime import runtime

    table = runtime(app).schema.tables["bench_deal"]
    rng = random.Random(7)
    now = datetime.now(UTC)
    with app.app_context(), db.engine.begin() as connection:
        existing = connection.execute(table.select().limit(1)).first()
        if existing is not None:
            return
        batch = []
        for i in range(rows):
            name = f"Deal {i:06d}"
            batch.append({"name": name, "_search": name.casefold(), "version": 1, "created_at": now,
                          "updated_at": now, "amount": Decimal(rng.randrange(0, 1_000_000)) / 100,
                          "stage": rng.choice(["new", "won", "lost"]),
                          "close": date(2026, 1, 1) + timedelta(days=rng.randrange(0, 365))})
            if len(batch) == 10_000:
                connection.execute(insert(table), batch)
                batch = []
        if batch:
            connection.execute(insert(table), batch)
        connection.execute(text("ANALYZE"))  # planner statistics, as a real database would have


def timed(run, repeat: int = 7) -> float:
    """Median milliseconds of ``repeat`` calls."""
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
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--page", type=int, default=1000)
    args = parser.parse_args()
    from trellis.data.records import records_for

    with tempfile.TemporaryDirectory() as folder:
        app = build_app(args.db_url, Path(folder))
        start = time.perf_counter()
        fill(app, args.rows)
        print(f"database: {app.config['DATABASE_URL'].split('://')[0]}, rows: {args.rows:,} "
              f"(filled in {time.perf_counter() - start:.1f} s), page size {args.size}")
        with app.app_context():
            svc = records_for(app)
            for order in ("-id", "-amount", "name", "close"):
                query = svc.query("bench_deal").order_by(order)
                cursor = None
                for _ in range(args.page - 1):
                    cursor = query.page(size=args.size, cursor=cursor, count=False).next_cursor
                if cursor is None:
                    print(f"  {order}: fewer than {args.page} pages")
                    continue
                first = timed(lambda q=query: q.page(size=args.size, count=False))
                far = timed(lambda q=query, c=cursor: q.page(size=args.size, cursor=c, count=False))
                counted = timed(lambda q=query, c=cursor: q.page(size=args.size, cursor=c))
                print(f"  sort {order:>8}: page 1 {first:7.2f} ms | page {args.page:,} {far:7.2f} ms "
                      f"| page {args.page:,} with capped count {counted:7.2f} ms")
            filtered = svc.query("bench_deal").filter(stage="won").order_by("-amount")
            print(f"  stage=won, -amount: page 1 {timed(lambda: filtered.page(size=args.size)):7.2f} ms "
                  "(with capped count)")
            found = svc.query("bench_deal").search("deal 0999")
            print(f"  search 'deal 0999': page 1 {timed(lambda: found.page(size=args.size)):7.2f} ms "
                  "(with capped count)")


if __name__ == "__main__":
    main()
