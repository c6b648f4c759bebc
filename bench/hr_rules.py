"""Record-rule benchmark: a list under the ``manager_chain`` rule against the same list under a flat rule.

    python bench/hr_rules.py --people 10000 --depth 8        # SQLite file in a temp folder
    python bench/hr_rules.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Builds a reporting line of ``--people`` persons, ``--depth`` levels deep below one root
(each manager has the same number of reports), one leave record per person, straight
into the tables. Then times the first page of the leave list with its count (what a
list page asks), as:

- ``flat``: a role whose rule is a plain comparison (``days >= 0``: every row);
- ``chain``: the root's ``manager_chain`` role (every row too, found through the
  reporting line's ancestor table), and a manager half-way down (a subtree).

Prints each median and the ratio chain / flat for the same rows, then the time the record
service takes to move the half-way manager, with everyone below them, to another manager
(the ancestor table rewritten for the subtree). The raw load fills the ancestor table
with :func:`trellis.data.reporting_lines.rebuild`, as it bypasses the record service.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

try:
    from bench.reports import timed
except ImportError:  # run as a script: bench/ is on the path
    from reports import timed

ENTITIES = {
    "bench_person.yaml": """
entity: bench_person
title: name
fields:
  name:  {type: string, required: true}
  login: {type: user}
  boss:  {type: link, to: bench_person, on_delete: set_null}
indexes: [[boss], [login]]
""",
    "bench_leave.yaml": """
entity: bench_leave
title: note
fields:
  note:   {type: string, required: true}
  person: {type: link, to: bench_person, required: true}
  days:   {type: integer}
indexes: [[person]]
""",
}
ROLES = """
roles:
  flat:
    bench_leave: {read: all, rules: ["days >= 0"]}
  chain:
    bench_leave:
      read: all
      rules: [{manager_chain: {entity: bench_person, manager: boss, user: login, via: person, self: true}}]
"""


def build_app(db_url: str | None, folder: Path):
    """An app with the bench entities and roles, on a migrated database."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    metadata = folder / "metadata"
    metadata.mkdir(parents=True, exist_ok=True)
    for name, body in ENTITIES.items():
        (metadata / name).write_text(body, encoding="utf-8")
    (metadata / "roles.yaml").write_text(ROLES, encoding="utf-8")
    app = create_app({"DATABASE_URL": db_url or f"sqlite:///{folder / 'bench.sqlite'}", "ORG_DIR": str(folder),
                      "SECRET_KEY": "bench", "PLUGINS": []})
    upgrade(app)
    return app


def branching(people: int, depth: int) -> int:
    """The largest number of reports per manager whose full tree of ``depth`` levels holds at most ``people``."""
    fan = 2
    while sum((fan + 1) ** level for level in range(depth + 1)) <= people:
        fan += 1
    return fan


def fill(app, people: int, depth: int, logins: dict[int, int], vacuum: bool = False) -> tuple[int, int]:
    """The persons (breadth first from id 1) and one leave each; returns (levels reached, reports per manager).

    ``logins`` maps a person's position (0 = root) to the user id who logs in as them. ``vacuum``: on
    PostgreSQL, ``VACUUM ANALYZE`` after the load (the visibility map set, as autovacuum leaves a loaded
    table, so index-only scans apply) instead of ``ANALYZE`` alone.
    """
    from trellis.data import reporting_lines
    from trellis.data.database import db
    from trellis.runtime import runtime

    tables = runtime(app).schema.tables
    fan = branching(people, depth)
    now = datetime.now(UTC)
    common = {"version": 1, "created_at": now, "updated_at": now}
    persons, leaves, levels, spare = [], [], {1: 0}, 0
    for i in range(people):
        boss = None if i == 0 else (i - 1) // fan + 1   # ids start at 1, breadth first
        if boss is not None and levels[boss] >= depth:   # the tree is full: the rest join the last level
            above = [p for p, level in levels.items() if level == depth - 1]
            boss, spare = above[spare % len(above)], spare + 1
        if boss is not None:
            levels[i + 1] = levels[boss] + 1
        persons.append({**common, "id": i + 1, "name": f"P{i}", "_search": f"p{i}", "boss_id": boss,
                        "login_id": logins.get(i)})
        leaves.append({**common, "note": f"leave {i}", "_search": f"leave {i}", "person_id": i + 1, "days": i % 5})
    with app.app_context(), db.engine.begin() as connection:
        for start in range(0, people, 10_000):
            connection.execute(insert(tables["bench_person"]), persons[start:start + 10_000])
            connection.execute(insert(tables["bench_leave"]), leaves[start:start + 10_000])
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT setval(pg_get_serial_sequence('bench_person', 'id'), :n)"), {"n": people})
        reporting_lines.rebuild(connection, runtime(app).schema)
        if not vacuum or connection.dialect.name != "postgresql":
            connection.execute(text("ANALYZE"))
    if vacuum:
        with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if connection.dialect.name == "postgresql":   # as autovacuum leaves a loaded table
                connection.execute(text("VACUUM ANALYZE"))
    return max(levels.values()), fan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", help="database URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--vacuum", action="store_true", help="PostgreSQL: VACUUM ANALYZE after the load")
    args = parser.parse_args()
    from trellis.data.records import records_for
    from trellis.security.accounts import create_user

    with tempfile.TemporaryDirectory() as folder:
        app = build_app(args.db_url, Path(folder))
        with app.app_context():
            flat = create_user(app, "flat@example.com", None, role="flat", name="Flat")
            root = create_user(app, "root@example.com", None, role="chain", name="Root")
            middle = create_user(app, "middle@example.com", None, role="chain", name="Middle")
        fan = branching(args.people, args.depth)
        halfway = sum(fan ** level for level in range(args.depth // 2))   # the first person of the middle level
        levels, fan = fill(app, args.people, args.depth, {0: root.id, halfway: middle.id}, args.vacuum)
        print(f"database: {app.config['DATABASE_URL'].split('://')[0]}, {args.people:,} persons, {levels} levels "
              f"below the root, {fan} reports each; first page of 50 with its count, medians of {args.repeat}")
        results = {}
        with app.app_context():
            for label, user in (("flat", flat), ("chain", root), ("chain, a subtree", middle)):
                service = records_for(app, user, "ui")
                count = service.query("bench_leave").count(cap=10**9)[0]
                results[label] = timed(lambda s=service: s.query("bench_leave").page(size=50), args.repeat)
                print(f"  {label:>17}: {results[label]:8.1f} ms ({count:,} rows readable)")
        print(f"ratio chain / flat (same rows): {results['chain'] / results['flat']:.2f}")
        with app.app_context():
            print(f"  moving the half-way manager and everyone below them: {move_subtree(app, halfway + 1):.1f} ms")


def move_subtree(app, person: int, repeat: int = 3) -> float:
    """Median milliseconds the record service takes to move ``person`` (and everyone below) to another manager.

    Each round moves ``person`` under the root's first report and back: two timed writes.
    """
    from trellis.data.records import records_for

    system = records_for(app)
    before = int(system.get("bench_person", person)["boss"])
    elsewhere = 2 if before != 2 else 3
    times = []
    for _ in range(repeat):
        for boss in (elsewhere, before):
            start = time.perf_counter()
            system.update("bench_person", person, {"boss": boss})
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)

if __name__ == "__main__":
    main()
