"""Timeline benchmark: the SVG of a project of 500 tasks and 400 dependencies (target < 300 ms).

    python bench/projects_timeline.py                       # SQLite file in a temp folder
    python bench/projects_timeline.py --tasks 500 --links 400 --repeat 7
    python bench/projects_timeline.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/projects_bench

Builds one project with ``--tasks`` tasks in finish-to-start chains (``--links``
dependencies), spread over a year, straight into the tables. Then times, as medians:

- ``svg``: the template alone drawing the laid-out timeline (bars, arrows, milestones);
- ``build``: reading the tasks and dependencies as the viewer, the critical path and the layout;
- ``page``: ``GET /projects/<id>/timeline`` through the test client (all of the above, plus the page).
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

try:
    from bench.reports import timed
except ImportError:  # run as a script: bench/ is on the path
    from reports import timed



def build_app(db_url: str | None, folder: Path):
    """An app with every plugin, on a migrated database."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade

    (folder / "metadata").mkdir(parents=True, exist_ok=True)
    app = create_app({"DATABASE_URL": db_url or f"sqlite:///{folder / 'bench.sqlite'}", "ORG_DIR": str(folder),
                      "SECRET_KEY": "bench"})
    upgrade(app)
    return app


def fill(app, tasks: int, links: int) -> int:
    """One project with ``tasks`` tasks chained by ``links`` finish-to-start dependencies; its id."""
    from trellis.data.database import db
    from trellis.data.records import records_for
    from trellis.runtime import runtime

    with app.app_context():
        project = records_for(app).create("project", {"name": "Bench project", "start_date": date(2027, 1, 4)}).id
    chains = max(1, tasks - links)  # each chain of n tasks has n - 1 links
    now = datetime.now(UTC)
    common = {"version": 1, "created_at": now, "updated_at": now, "project_id": project}
    rows, edges, day = [], [], {}
    for n in range(tasks):
        chain, place = n % chains, n // chains
        start = day.get(chain, date(2027, 1, 4) + timedelta(days=chain * 365 // chains))
        length = 1 + (n * 7) % 5
        rows.append({**common, "id": n + 1, "name": f"Task {n}", "_search": f"task {n}", "stage": "todo",
                     "priority": "normal", "start_date": start, "due_date": start + timedelta(days=length - 1)})
        day[chain] = start + timedelta(days=length)
        if place > 0 and len(edges) < links:
            edges.append({**common, "predecessor_id": n + 1 - chains, "successor_id": n + 1, "kind": "FS", "lag": 0})
    tables = runtime(app).schema.tables
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(insert(tables["task"]), rows)
        if edges:
            connection.execute(insert(tables["task_dependency"]), edges)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", help="database URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--links", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    import secrets

    from trellis.data.records import records_for
    from trellis.security.accounts import create_user
    from trellis.testing.web import login
    from trellis_plugins.projects.pages import render_timeline_svg, timeline_for

    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(args.db_url, Path(folder))
        project_id = fill(app, args.tasks, args.links)
        with app.app_context():
            admin = create_user(app, "bench@example.com", password, role="admin").id
        client = app.test_client()
        login(client, "bench@example.com", password)
        with app.test_request_context("/"):
            records = records_for(app).as_user(admin)
            project = records.get("project", project_id)
            timeline = timeline_for(records, project, date(2027, 6, 1))
            svg_ms = timed(lambda: render_timeline_svg(timeline), args.repeat)
            build_ms = timed(lambda: timeline_for(records, project, date(2027, 6, 1)), args.repeat)
            size = len(render_timeline_svg(timeline))
        page_ms = timed(lambda: client.get(f"/projects/{project_id}/timeline"), args.repeat)
        status = client.get(f"/projects/{project_id}/timeline").status_code
    print(f"{args.tasks} tasks, {args.links} dependencies, {len(timeline.bars)} bars, {len(timeline.arrows)} arrows, "
          f"{sum(b.critical for b in timeline.bars)} critical; SVG {size // 1024} KiB; medians of {args.repeat}:")
    print(f"  svg   {svg_ms:7.1f} ms  (target < 300 ms)")
    print(f"  build {build_ms:7.1f} ms  (read tasks and links, critical path, layout)")
    print(f"  page  {page_ms:7.1f} ms  (GET /projects/{project_id}/timeline: HTTP {status})")


if __name__ == "__main__":
    main()
