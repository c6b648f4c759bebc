"""The write path's cost per row with plugins whose record hooks are scoped to other entities.

    python bench/scoped_hooks.py                       # 5,000 contacts, 0 vs 10 plugins, median of 3
    python bench/scoped_hooks.py --rows 500 --runs 1   # quick
    python bench/scoped_hooks.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test

Each run creates ``--rows`` contacts one by one through the record service (one
transaction per record, as a form or the API does) on a fresh SQLite database, with:

- ``none``: no plugin but the built-ins and contacts;
- ``scoped``: 10 plugins implementing ``before_save``, ``after_save``,
  ``before_delete`` and ``after_transition`` with ``@hookimpl(entities=[...])`` for
  entities other than ``contact``;
- ``unscoped``: the same 10 plugins written the old way (``if record.entity == ...``),
  for comparison.

The figure that matters is CPU time per row (this process's user + system time): the
wall clock of one-transaction-per-row SQLite is mostly the disk's fsync, which plugins
do not change and a shared machine makes noisy.

The variants are interleaved run by run, so that a change of load on a shared machine
weighs on all alike; the median of ``--runs`` is reported in microseconds per row.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

PLUGINS = 10


def scoped_plugin(index: int):
    """A plugin whose record hooks are scoped to an entity that is not ``contact``."""
    from trellis import hookimpl

    other = [f"other_{index}"]

    class Scoped:
        name = f"scoped_{index}"

        @hookimpl(entities=other)
        def before_save(self, record, changes, context):
            record["touched"] = True

        @hookimpl(entities=other)
        def after_save(self, record, changes, context):
            pass

        @hookimpl(entities=other)
        def before_delete(self, record, context):
            pass

        @hookimpl(entities=other)
        def after_transition(self, record, transition, context):
            pass

    return Scoped()


def unscoped_plugin(index: int):
    """The same plugin written without ``entities``: every hook checks ``record.entity`` itself."""
    from trellis import hookimpl

    other = f"other_{index}"

    class Unscoped:
        name = f"unscoped_{index}"

        @hookimpl
        def before_save(self, record, changes, context):
            if record.entity == other:
                record["touched"] = True

        @hookimpl
        def after_save(self, record, changes, context):
            if record.entity == other:
                pass

        @hookimpl
        def before_delete(self, record, context):
            if record.entity == other:
                pass

        @hookimpl
        def after_transition(self, record, transition, context):
            if record.entity == other:
                pass

    return Unscoped()


VARIANTS = {"none": lambda: [], "scoped": lambda: [scoped_plugin(i) for i in range(PLUGINS)],
            "unscoped": lambda: [unscoped_plugin(i) for i in range(PLUGINS)]}


def one_run(url: str, org: Path, rows: int, extra: list) -> tuple[float, float]:
    """Create ``rows`` contacts through the record service; (wall, CPU) microseconds per row."""
    from trellis.app import create_app
    from trellis.data.database import db
    from trellis.data.migrate import upgrade
    from trellis.data.records import records_for

    app = create_app({"DATABASE_URL": url, "ORG_DIR": str(org), "PLUGINS": ["contacts"], "SECRET_KEY": "bench",
                      "EXTRA_PLUGINS": extra, "JOB_RUNNER": "manual"})
    try:
        upgrade(app)
        with app.app_context():
            records = records_for(app, None, "api")
            records.create("contact", {"last_name": "warm-up"})
            start, cpu = time.perf_counter(), time.process_time()
            for i in range(rows):
                records.create("contact", {"first_name": "Ann", "last_name": f"Lee{i}",
                                           "email": f"person{i}@example.com"})
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        with app.app_context():
            db.engine.dispose()
    return elapsed / rows * 1e6, cpu / rows * 1e6


def dispatch_us(extra: list, repeat: int = 5, number: int = 20_000) -> float:
    """What the plugins add to one row's hook calls, in microseconds: ``before_save``, ``after_save``,
    ``after_transition`` and ``before_delete`` called through ``PluginSet.call`` for a contact
    (built-in plugins left out, so only the extra plugins' cost is measured; best of ``repeat``)."""
    import timeit
    from types import SimpleNamespace

    from trellis.plugins import discover

    plugins = discover([], extra=extra)
    plugins.builtins = []
    record = {"last_name": "Lee"}
    record = SimpleNamespace(entity="contact", id=1, get=record.get, __setitem__=record.__setitem__)
    context = SimpleNamespace(user=None, channel="api", now=None, records=None)
    transition = SimpleNamespace(name="win")

    def row():
        plugins.call("before_save", record=record, changes={}, context=context)
        plugins.call("after_save", record=record, changes={}, context=context)
        plugins.call("after_transition", record=record, transition=transition, context=context)
        plugins.call("before_delete", record=record, context=context)

    return min(timeit.repeat(row, repeat=repeat, number=number)) / number * 1e6


def main(argv: list[str] | None = None) -> int:
    """Run the variants ``--runs`` times each, interleaved; print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", help="PostgreSQL URL (a schema per run); default: a temporary SQLite file")
    parser.add_argument("--variants", default="none,scoped,unscoped")
    args = parser.parse_args(argv)
    variants = args.variants.split(",")
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "metadata").mkdir()
        for run in range(args.runs):
            for name in variants:
                url = args.db or f"sqlite:///{root / f'{name}-{run}.sqlite'}"
                schema = None
                if args.db:
                    from import_rows import _create_schema, _drop_schema

                    schema = f"bench_{uuid.uuid4().hex[:12]}"
                    url = _create_schema(args.db, schema)
                try:
                    times[name].append(one_run(url, root, args.rows, VARIANTS[name]()))
                finally:
                    if schema is not None:
                        _drop_schema(args.db, schema)
    print("Hook dispatch per row (the four record hooks through PluginSet.call, best of 5):")
    for name in variants:
        print(f"  {name:9} {dispatch_us(VARIANTS[name]()):7.2f} us/row")
    print(f"{args.rows} contacts created one by one through the record service, median of {args.runs} run(s), "
          f"microseconds per row (CPU time of this process; wall clock includes the database's fsync):")
    for kind, at in (("CPU", 1), ("wall", 0)):
        base = statistics.median(t[at] for t in times[variants[0]])
        for name in variants:
            median = statistics.median(t[at] for t in times[name])
            runs = ", ".join(f"{t[at]:.0f}" for t in times[name])
            best = min(t[at] for t in times[name])
            print(f"  {kind:4} {name:9} {median:7.0f} us/row  ({median / base - 1:+.1%} vs {variants[0]}; "
                  f"best {best:.0f}; runs: {runs})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
