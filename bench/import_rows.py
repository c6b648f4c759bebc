"""Import N generated contacts through the full write path and report rows per second.

    python bench/import_rows.py --rows 100000                 # SQLite in a temp folder
    python bench/import_rows.py --rows 100000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/import_rows.py --rows 20000 --profile        # cProfile's top functions

The file has the columns a real export has (names, email, phone, city, company by
name, tags); one company in fifty is new and created on demand. Every row goes
through ``trellis.io.csv_import.import_file`` -> the record service, in batches.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

FIRST = ["Ann", "Bob", "Cy", "Dana", "Eve", "Fay", "Gus", "Hal", "Ivan", "Olga", "Мария", "Пётр", "Zoë", "Ali"]
LAST = ["Lee", "Ray", "Kim", "Novak", "Petrov", "Ivanova", "Smith", "García", "Rossi", "Kovač", "Müller", "Sato"]
CITIES = ["Oslo", "Sofia", "Москва", "Tehran", "Lisbon", "Austin", "Lyon"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` contacts; emails are unique, names repeat as in real address books."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["First name", "Last name", "E-mail", "Phone", "City", "Company", "Tags"])
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            writer.writerow([first, f"{last}{i % 997}", f"person{i}@example.com", f"+1 555 {i:07d}",
                             rng.choice(CITIES), f"Company {rng.randrange(rows // 50 + 1)}", "vip, 2026"])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints rows/s."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--dedupe", choices=["skip", "update", "flag"])
    parser.add_argument("--profile", action="store_true", help="print cProfile's top 30 by cumulative time")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "metadata").mkdir()
        url = args.db or f"sqlite:///{root / 'bench.sqlite'}"
        schema = None
        if args.db and url.startswith("postgresql"):
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            url = _create_schema(args.db, schema)
        try:
            result = _run(args, root, url)
        finally:
            if schema is not None:
                _drop_schema(args.db, schema)
    return 0 if result.failed == 0 else 1


def _run(args, root: Path, url: str):
    """Import the generated file into a fresh database at ``url``; prints and returns the result."""
    from trellis.app import create_app
    from trellis.data.database import db
    from trellis.data.migrate import upgrade
    from trellis.io.csv_import import ImportOptions, import_file

    app = create_app({"DATABASE_URL": url, "ORG_DIR": str(root), "PLUGINS": ["contacts"], "SECRET_KEY": "bench"})
    try:
        upgrade(app)
        source = root / "contacts.csv"
        generate(source, args.rows)
        options = ImportOptions(create_links=True, batch_size=args.batch_size, dedupe=args.dedupe,
                                errors_path=root / "errors.csv")
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started, cpu_started = time.perf_counter(), time.process_time()
        result = import_file(app, "contact", source, options)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
        print(result.summary())
        # On a shared machine wall time depends on the neighbours; this process's CPU time does not
        # (for SQLite it includes the database's work, which runs in-process).
        print(f"{args.rows:,} rows in {elapsed:.1f} s: {args.rows / elapsed:,.0f} rows/s "
              f"({'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}, batch {args.batch_size}); "
              f"{cpu:.1f} s CPU in this process: {args.rows / cpu:,.0f} rows per CPU-second")
        return result
    finally:
        with app.app_context():
            db.engine.dispose()  # no pooled connection may hold the schema when it is dropped


def _create_schema(base: str, schema: str) -> str:
    """Create ``schema`` and return ``base`` with it as the search path."""
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def _drop_schema(base: str, schema: str) -> None:
    """Drop ``schema`` and everything in it: the benchmark leaves the database as it found it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
