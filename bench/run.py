"""Time the CRUD workloads W1-W7 against a raw-SQL floor measured in the same run.

    python bench/generate.py --contacts 100000                  # once
    python bench/run.py                                          # same defaults as generate.py
    python bench/run.py --db postgresql+psycopg://postgres@127.0.0.1:5432/trellis_bench --mode gunicorn

Each workload is timed through the web UI or API (Flask's test client in-process, or
HTTP against ``gunicorn -w 2``), median and p95 over ``--requests`` after ``--warmup``;
next to it the same rows fetched with the database driver itself (sqlite3 / psycopg).
Also measured: start-up with all plugins, peak RSS, SQL queries per request, CSV
import rows/s (``bench/import_rows.py``) and 20 concurrent clients on gunicorn.
A workload whose page or endpoint does not exist is reported as ``n/a (not available: ...)``.
Prints a markdown table; ``--out x.md`` also writes it there and the numbers to ``x.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import BENCH_ADMIN, DEFAULT_DIR, app_config, build_app, default_db  # noqa: E402

HERE = Path(__file__).resolve().parent
W4_ROW = 50_000
COMMON_SURNAME = "smith"
MIX = ("W1", "W2", "W3", "W5", "W7")   # what the concurrent clients request, in turn


class NotAvailable(Exception):
    """A workload's page or endpoint does not exist (yet)."""


# --- clients -----------------------------------------------------------------------------


class InProcess:
    """Requests through Flask's test client."""

    def __init__(self, app):
        self.client = app.test_client()

    def get(self, path, headers=None):
        """``(status, text)`` of a GET."""
        response = self.client.get(path, headers=headers or {})
        return response.status_code, response.get_data(as_text=True)

    def post(self, path, data):
        """``(status, text)`` of a form POST (redirects not followed)."""
        response = self.client.post(path, data=data)
        return response.status_code, response.get_data(as_text=True)


class Http:
    """Requests over HTTP (``requests.Session``, cookies kept)."""

    def __init__(self, base: str, cookies=None):
        import requests

        self.base, self.session = base, requests.Session()
        if cookies is not None:
            self.session.cookies.update(cookies)

    def get(self, path, headers=None):
        """``(status, text)`` of a GET."""
        response = self.session.get(self.base + path, headers=headers or {}, allow_redirects=False, timeout=60)
        return response.status_code, response.text

    def post(self, path, data):
        """``(status, text)`` of a form POST (redirects not followed)."""
        response = self.session.post(self.base + path, data=data, allow_redirects=False, timeout=60)
        return response.status_code, response.text


_CSRF = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')


def sign_in(client, password: str) -> None:
    """Sign the client in as the bench admin through the login form."""
    _, page = client.get("/login")
    token = _CSRF.search(page)
    status, _ = client.post("/login", {"email": BENCH_ADMIN, "password": password,
                                       "csrf_token": token.group(1) if token else ""})
    if status != 302:
        raise SystemExit(f"could not sign in as {BENCH_ADMIN} (HTTP {status})")


class FormReader(HTMLParser):
    """The fields of the record form (``id="record-form"``) as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.inside, self.values, self._select, self._textarea = False, {}, None, None

    def handle_starttag(self, tag, attrs):  # noqa: D102 - HTMLParser's hook
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "record-form"
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values[a["name"]] = a.get("value") or ("on" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = a["name"]
            self.values.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_data(self, data):  # noqa: D102
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):  # noqa: D102
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


# --- the raw floor -----------------------------------------------------------------------


class Floor:
    """The same rows fetched with the database driver directly."""

    def __init__(self, url: str):
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        self.kind = parsed.get_backend_name()
        if self.kind == "sqlite":
            import sqlite3

            self.connection = sqlite3.connect(parsed.database)
        else:
            import psycopg

            self.connection = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(hide_password=False))

    def run(self, sql: str, parameters=(), write: bool = False):
        """Execute ``sql`` (``?`` placeholders) and fetch every row; commit a write."""
        if self.kind != "sqlite":
            sql = sql.replace("?", "%s")
        cursor = self.connection.cursor()
        cursor.execute(sql, parameters)
        rows = cursor.fetchall() if not write else None
        if write:
            self.connection.commit()
        else:
            self.connection.rollback() if self.kind != "sqlite" else None
        return rows


LIST_SQL = ('SELECT c.id, c.name, co.name, c.email, c.phone, c.city, u.name FROM contact c '
            'LEFT JOIN company co ON co.id = c.company_id LEFT JOIN "user" u ON u.id = c.owner_id ')
RECORD_SQL = ('SELECT c.*, co.name, u.name FROM contact c LEFT JOIN company co ON co.id = c.company_id '
              'LEFT JOIN "user" u ON u.id = c.owner_id WHERE c.id = ?')


def search_floor(floor: Floor, size: int) -> tuple[str, tuple]:
    """W3's floor in the app's shape: every match from the trigram index, sorted, then the page's rows.

    SQLite without the FTS table (a database ``trellis migrate`` has not yet given one)
    and anything else get the plain scan along the sort order.
    """
    matches = None
    if floor.kind == "sqlite":
        has_fts = floor.run("SELECT 1 FROM sqlite_master WHERE name = 'trellis_search_contact'")
        if has_fts:
            matches = ("SELECT c.id, c.last_name FROM contact c JOIN trellis_search_contact s ON s.rowid = c.id "
                       "WHERE trellis_search_contact MATCH ?", f'"{COMMON_SURNAME}"')
    elif floor.kind == "postgresql":
        matches = ("SELECT id, last_name FROM contact WHERE _search LIKE ?", f"%{COMMON_SURNAME}%")
    if matches is None:
        return LIST_SQL + "WHERE c._search LIKE ? ORDER BY c.last_name, c.id LIMIT ?", (f"%{COMMON_SURNAME}%", size)
    materialized = "MATERIALIZED " if floor.kind == "postgresql" else ""
    page = LIST_SQL.replace("FROM contact c ", "FROM (SELECT id, last_name FROM m ORDER BY last_name, id LIMIT ?) p "
                                               "JOIN contact c ON c.id = p.id ")
    return f"WITH m AS {materialized}({matches[0]}) {page}ORDER BY p.last_name, p.id", (matches[1], size)


def floors(floor: Floor, size: int, record_id: int, w4_key: tuple, w2: tuple) -> dict:
    """Workload name -> a function running its floor."""
    country, stage = w2
    return {
        "W0": lambda: floor.run("SELECT 1"),
        "W1": lambda: floor.run(LIST_SQL + "ORDER BY c.last_name, c.id LIMIT ?", (size,)),
        "W2": lambda: floor.run(LIST_SQL + "WHERE c.country = ? AND c.stage = ? ORDER BY c.score DESC, c.id LIMIT ?",
                                (country, stage, size)),
        "W3": lambda: floor.run(*search_floor(floor, size)),
        "W4": lambda: floor.run(LIST_SQL + "WHERE (c.last_name, c.id) > (?, ?) ORDER BY c.last_name, c.id LIMIT ?",
                                (w4_key[0], w4_key[1], size)),
        "W5": lambda: floor.run(RECORD_SQL, (record_id,)),
        "W6": lambda: floor.run("UPDATE contact SET job_title = ?, version = version + 1, updated_at = ? "
                                "WHERE id = ?", (f"Floor {secrets.token_hex(3)}", datetime.now(UTC).isoformat(),
                                                  record_id + 1), write=True),
        "W7": lambda: floor.run(RECORD_SQL, (record_id,)),
    }


# --- timing ------------------------------------------------------------------------------


def timed(action, requests: int, warmup: int) -> list[float]:
    """Milliseconds of each of ``requests`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        action()
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict:
    """Median and p95 (nearest rank) in ms."""
    ordered = sorted(times)
    return {"median": round(statistics.median(ordered), 3),
            "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered) + 0.5) - 1)], 3)}


def expect(status: int, wanted: int, what: str) -> None:
    """Stop a workload whose response is not the one a working page gives."""
    if status == 404:
        raise NotAvailable(f"{what} answers 404")
    if status != wanted:
        raise RuntimeError(f"{what} answered HTTP {status}, expected {wanted}")


class Workloads:
    """The seven workloads against one client; each is a function making one request."""

    def __init__(self, app, client, record_id: int, w2: tuple, cursor: str | None, token: str | None):
        self.app, self.client, self.record_id, self.w2 = app, client, record_id, w2
        self.cursor, self.token = cursor, token
        self.version, self.form, self.counter = None, None, 0

    def get(self, path, headers=None, what=None):
        """GET ``path`` and insist on 200."""
        status, text = self.client.get(path, headers)
        expect(status, 200, what or path)
        return text

    def all(self) -> dict:
        """Workload name -> callable."""
        country, stage = self.w2
        return {"W0": lambda: self.get("/healthz"),
                "W1": lambda: self.get("/app/contact"),
                "W2": lambda: self.get(f"/app/contact?country={country}&stage={stage}&sort=-score"),
                "W3": lambda: self.get(f"/app/contact?q={COMMON_SURNAME}"),
                "W4": self.w4, "W5": lambda: self.get(f"/app/contact/{self.record_id}"),
                "W6": self.w6, "W7": self.w7}

    def w4(self):
        """The page at row 50,000 by its cursor."""
        if self.cursor is None:
            raise NotAvailable(f"fewer than {W4_ROW:,} contacts")
        return self.get(f"/app/contact?cursor={self.cursor}")

    def read_form(self):
        """Read the edit form once (its fields, CSRF token and version); W6 posts it."""
        if self.form is None:
            reader = FormReader()
            reader.feed(self.get(f"/app/contact/{self.record_id}"))
            if "version" not in reader.values:
                raise NotAvailable("the edit form has no version field")
            self.form = reader.values
            self.version = int(reader.values["version"])

    def w6(self):
        """POST the edit form with a changed job title (then the version it made is the next expected one)."""
        self.read_form()
        self.counter += 1
        data = {**self.form, "job_title": f"Buyer {self.counter}", "version": str(self.version)}
        status, _ = self.client.post(f"/app/contact/{self.record_id}", data)
        expect(status, 302, "POST /app/contact/<id>")
        self.version += 1

    def w7(self):
        """GET one contact as JSON through the API."""
        if self.token is None:
            raise NotAvailable("the API is not wired (no /api/v1 routes)")
        return self.get(f"/api/v1/contact/{self.record_id}", {"Authorization": f"Bearer {self.token}"},
                        "GET /api/v1/contact/<id>")


# --- set-up ------------------------------------------------------------------------------


def bench_password(app) -> str:
    """A fresh password for the bench admin (the generated one is never shown)."""
    from trellis.security.accounts import find_user_id, set_password

    password = secrets.token_urlsafe(16)
    with app.app_context():
        user_id = find_user_id(app, BENCH_ADMIN)
        if user_id is None:
            raise SystemExit("no bench admin: run bench/generate.py on this database first")
        set_password(app, user_id, password)
    return password


def api_token(app) -> str | None:
    """A read token of the bench admin, or None when the app has no API."""
    if not any(rule.rule.startswith("/api/v1") for rule in app.url_map.iter_rules()):
        return None
    from trellis.api import create_token
    from trellis.security.accounts import find_user_id

    with app.app_context():
        return create_token(app, find_user_id(app, BENCH_ADMIN), "read", "bench")[1]


def landmarks(app, floor: Floor) -> dict:
    """Ids and values the workloads need: a record, a busy (country, stage), the cursor at row 50,000."""
    from trellis.data.records import records_for
    from trellis.security.accounts import find_user_id, load_account
    from trellis.web.lists import default_sort

    total = floor.run("SELECT count(*) FROM contact")[0][0]
    record_id = floor.run("SELECT id FROM contact ORDER BY id LIMIT 1 OFFSET ?", (total // 2,))[0][0]
    w2 = tuple(floor.run("SELECT country, stage FROM contact GROUP BY country, stage ORDER BY count(*) DESC "
                         "LIMIT 1")[0])
    w4_key = tuple(floor.run("SELECT last_name, id FROM contact ORDER BY last_name, id LIMIT 1 OFFSET ?",
                             (W4_ROW - 1,)) or [("", 0)])[0] if total >= W4_ROW else ("", 0)
    cursor = None
    with app.app_context():
        meta = app.extensions["trellis"].metadata.entities["contact"]
        size = meta.list.page_size
        if total > W4_ROW:
            user = load_account(app, find_user_id(app, BENCH_ADMIN))
            query = records_for(app, user, "web").query("contact").order_by(default_sort(meta))
            for _ in range(W4_ROW // size):   # follow the chain once, as a user paging on would
                cursor = query.page(size=size, cursor=cursor, count=False).next_cursor
    return {"total": total, "record_id": record_id, "w2": w2, "w4_key": w4_key, "cursor": cursor, "size": size}


def count_queries(app, workloads: Workloads) -> dict:
    """SQL statements per request of each workload (one request each, in-process)."""
    from sqlalchemy import event
    from trellis.data.database import db

    seen = [0]

    def counter(*_args):
        seen[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    counts = {}
    try:
        workloads.read_form()   # W6 counts its POST only, not reading the form first
    except (NotAvailable, RuntimeError):
        pass
    try:
        for name, action in workloads.all().items():
            seen[0] = 0
            try:
                action()
                counts[name] = seen[0]
            except (NotAvailable, RuntimeError):
                counts[name] = None
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counts


# --- start-up, import, gunicorn ----------------------------------------------------------


# The floor of start-up: importing the libraries create_app cannot do without.
LIBRARIES = "import flask, sqlalchemy.orm, flask_sqlalchemy, flask_login, flask_wtf, jinja2, yaml, pluggy, babel.dates"


def compile_trellis() -> None:
    """Write the bytecode of ``trellis`` and ``trellis_plugins``, as ``pip install`` does at install time.

    An editable install run with ``PYTHONDONTWRITEBYTECODE=1`` (as on the bench machine) would
    otherwise compile every Trellis module again at every start (~110 ms of CPU with all
    plugins), a cost a deployed app pays once.
    """
    import compileall

    import trellis
    import trellis_plugins

    for package in (trellis, trellis_plugins):
        compileall.compile_dir(str(Path(package.__file__).parent), quiet=1)


def startup_ms(url: str, org: Path, runs: int = 5, plugins: str | None = None) -> dict:
    """``create_app`` with all plugins, in a fresh interpreter, minus a bare interpreter's start.

    Trellis's bytecode is compiled first (:func:`compile_trellis`). The bare interpreter, the
    app and the libraries alone are started in turn, ``runs`` times, so that a change of load
    on a shared machine weighs on all three alike; besides the wall-clock medians, the medians
    of CPU time (user + system), which load changes less.
    """
    config = json.dumps(app_config(url, org, plugins))
    code = f"import json; from trellis import create_app; create_app(json.loads({config!r}))"
    variants = {"bare": ["-c", "pass"], "full": ["-c", code], "libraries": ["-c", LIBRARIES]}
    walls: dict[str, list[float]] = {name: [] for name in variants}
    cpus: dict[str, list[float]] = {name: [] for name in variants}

    def cpu_seconds() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    try:
        compile_trellis()
        for _ in range(runs):
            for name, args in variants.items():
                cpu, start = cpu_seconds(), time.perf_counter()
                done = subprocess.run([sys.executable, *args], capture_output=True, text=True)  # noqa: S603 - our python
                if done.returncode:
                    raise NotAvailable((done.stderr.strip().splitlines() or ["no output"])[-1][:200])
                walls[name].append((time.perf_counter() - start) * 1000)
                cpus[name].append((cpu_seconds() - cpu) * 1000)
    except NotAvailable as e:
        return {"runs": runs, "note": f"n/a (create_app failed: {e})"}
    wall = {name: statistics.median(times) for name, times in walls.items()}
    cpu = {name: statistics.median(times) for name, times in cpus.items()}
    return {"runs": runs, "bare_python_ms": round(wall["bare"], 1), "with_app_ms": round(wall["full"], 1),
            "startup_ms": round(wall["full"] - wall["bare"], 1),
            "libraries_ms": round(wall["libraries"] - wall["bare"], 1),
            "startup_cpu_ms": round(cpu["full"] - cpu["bare"], 1),
            "libraries_cpu_ms": round(cpu["libraries"] - cpu["bare"], 1)}


def import_rate(url: str, rows: int) -> dict:
    """Rows/s from ``bench/import_rows.py`` (n/a when it is missing or fails)."""
    script = HERE / "import_rows.py"
    if not script.is_file():
        return {"rows_per_s": None, "note": "n/a (not available: bench/import_rows.py is missing)"}
    args = [sys.executable, str(script), "--rows", str(rows)]
    if not url.startswith("sqlite"):
        args += ["--db", url]
    done = subprocess.run(args, capture_output=True, text=True)  # noqa: S603 - our own script
    found = re.search(r"([\d,]+) rows/s", done.stdout)
    if done.returncode or not found:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"rows_per_s": None, "note": f"n/a (import_rows.py failed: {tail[0][:200]})"}
    return {"rows_per_s": int(found.group(1).replace(",", "")), "rows": rows, "note": ""}


def gunicorn_app():
    """The app for ``gunicorn 'run:gunicorn_app()'`` (database and org folder from the environment)."""
    return build_app(os.environ["BENCH_DB"], Path(os.environ["BENCH_ORG"]), migrate=False,
                     plugins=os.environ.get("BENCH_PLUGINS") or None)


def free_port() -> int:
    """A localhost port nobody listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, org: Path, plugins: str | None = None):
    """``gunicorn -w 2`` serving the bench app; returns ``(process, base_url)`` once it answers."""
    import requests

    port = free_port()
    env = {**os.environ, "BENCH_DB": url, "BENCH_ORG": str(org), "BENCH_PLUGINS": plugins or ""}
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(HERE),
               "--log-level", "warning", "run:gunicorn_app()"]
    # A file, not a pipe: tracebacks of failing requests would fill a pipe nobody reads and stall gunicorn.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)  # noqa: S603 - our python
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError("gunicorn exited: " + log.read().decode(errors="replace")[-500:])
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return process, base
        except requests.RequestException:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def concurrent(base: str, cookies, landmark: dict, token: str | None, clients: int, per_client: int) -> dict:
    """``clients`` threads, each its own connection, requesting the :data:`MIX` in turn."""
    results = {"requests": 0, "errors": 0, "error_kinds": {}}
    lock = threading.Lock()

    def client_loop(offset):
        http = Http(base, cookies)
        workloads = Workloads(None, http, landmark["record_id"], landmark["w2"], landmark["cursor"], token).all()
        names = [n for n in MIX if n != "W7" or token]
        for i in range(per_client):
            name = names[(i + offset) % len(names)]
            try:
                workloads[name]()
                error = None
            except Exception as e:  # noqa: BLE001 - every failure counts as an error
                error = f"{name}: {type(e).__name__}: {str(e)[:80]}"
            with lock:
                results["requests"] += 1
                if error:
                    results["errors"] += 1
                    results["error_kinds"][error] = results["error_kinds"].get(error, 0) + 1

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    results.update(clients=clients, seconds=round(elapsed, 2), throughput=round(results["requests"] / elapsed, 1))
    return results


# --- the run -----------------------------------------------------------------------------


def measure(workloads: Workloads, floor_actions: dict, requests: int, warmup: int) -> dict:
    """Name -> app timings, floor timings and ratio (or the reason it is n/a)."""
    rows = {}
    for name, action in workloads.all().items():
        try:
            app_times = timed(action, requests, warmup)
        except NotAvailable as e:
            rows[name] = {"note": f"n/a (not available: {e})"}
            continue
        except RuntimeError as e:   # e.g. a page that fails while its owner is still changing it
            rows[name] = {"note": f"n/a (failed: {e})"}
            continue
        floor_times = timed(floor_actions[name], requests, warmup)
        row = {**summary(app_times), "floor_median": summary(floor_times)["median"],
               "floor_p95": summary(floor_times)["p95"]}
        row["ratio"] = round(row["median"] / row["floor_median"], 1) if row["floor_median"] else None
        rows[name] = row
    return rows


TITLES = {"W0": "/healthz (framework floor)",
          "W1": "contact list, page 1", "W2": "country + stage, -score", "W3": f"quick search '{COMMON_SURNAME}'",
          "W4": f"page at row {W4_ROW:,} (cursor)", "W5": "edit form", "W6": "POST edit form",
          "W7": "API GET contact"}


def markdown(report: dict) -> str:
    """The report as a markdown page."""
    lines = [f"# Benchmark {report['date']} — {report['db']}, {report['contacts']:,} contacts", "",
             f"Machine: {report['machine']}; load average at start {report['load_start']}, at end "
             f"{report['load_end']}. Mode: {report['mode']}; {report['requests']} requests after "
             f"{report['warmup']} warm-up per workload; plugins: {report['plugins']}.", "",
             "| workload | median ms | p95 ms | floor median ms | ratio | queries |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, row in report["workloads"].items():
        queries = report["queries"].get(name)
        q = "n/a" if queries is None else str(queries)
        if "note" in row:
            lines.append(f"| {name} {TITLES[name]} | {row['note']} | | | | {q} |")
        else:
            ratio = f"{row['ratio']}×" if row.get("ratio") else "n/a"
            lines.append(f"| {name} {TITLES[name]} | {row['median']} | {row['p95']} | {row['floor_median']} | "
                         f"{ratio} | {q} |")
    w = report["workloads"]
    if "median" in w.get("W4", {}) and "median" in w.get("W1", {}):
        lines += ["", f"W4 / W1: {w['W4']['median'] / w['W1']['median']:.2f}×"]
    s, imp, con = report["startup"], report["import"], report["concurrency"]
    lines += ["", f"- start-up with the same plugins: {s['note']}" if s.get("note") else
              f"- start-up with the same plugins: {s['startup_ms']} ms (create_app in a fresh interpreter "
              f"{s['with_app_ms']} ms minus bare python {s['bare_python_ms']} ms, median of {s['runs']}); "
              f"importing the libraries alone (flask, sqlalchemy, ...) takes {s['libraries_ms']} ms; "
              f"CPU time (user + system) {s['startup_cpu_ms']} ms, libraries alone {s['libraries_cpu_ms']} ms "
              "(Trellis's bytecode compiled first, as pip install does)",
              f"- peak RSS of the benchmark process (app in-process): {report['peak_rss_mb']} MB",
              "- CSV import: " + (f"{imp['rows_per_s']:,} rows/s ({imp['rows']:,} rows, bench/import_rows.py)"
                                  if imp.get("rows_per_s") else imp["note"])]
    if con.get("note"):
        lines.append(f"- concurrency: {con['note']}")
    else:
        lines.append(f"- {con['clients']} concurrent clients on gunicorn -w 2: {con['throughput']} req/s, "
                     f"{con['requests']} requests in {con['seconds']} s, {con['errors']} errors "
                     f"(mix {', '.join(MIX)})" + (f": {con['error_kinds']}" if con["errors"] else ""))
    return "\n".join(lines) + "\n"


def load() -> str:
    """The 1-minute load average."""
    return f"{os.getloadavg()[0]:.2f}"


def run(args) -> dict:
    """Everything; returns the report dict."""
    from trellis.data.migrate import upgrade

    report = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "db": args.db.split("://")[0].split("+")[0],
              "mode": args.mode, "plugins": args.plugins or "all installed", "requests": args.requests,
              "warmup": args.warmup, "load_start": load(),
              "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
                         "shared with other work"}
    app = build_app(args.db, args.org, migrate=False, plugins=args.plugins)
    upgrade(app)   # the API's token table, when the API is newer than the generated database
    floor = Floor(args.db)
    mark = landmarks(app, floor)
    report["contacts"] = mark["total"]
    password, token = bench_password(app), api_token(app)
    actions = floors(floor, mark["size"], mark["record_id"], mark["w4_key"], mark["w2"])

    local = InProcess(app)
    sign_in(local, password)
    local_work = Workloads(app, local, mark["record_id"], mark["w2"], mark["cursor"], token)
    report["queries"] = count_queries(app, local_work)
    if args.mode == "inprocess":
        report["workloads"] = measure(local_work, actions, args.requests, args.warmup)

    server = None
    try:
        if args.mode == "gunicorn" or args.clients:
            server, base = start_gunicorn(args.db, args.org, args.plugins)
            http = Http(base)
            sign_in(http, password)   # a new login ends the test client's session: in-process work is done
            if args.mode == "gunicorn":
                remote = Workloads(None, http, mark["record_id"], mark["w2"], mark["cursor"], token)
                report["workloads"] = measure(remote, actions, args.requests, args.warmup)
            if args.clients:
                report["concurrency"] = concurrent(base, http.session.cookies, mark, token, args.clients,
                                                   args.per_client)
    except (RuntimeError, OSError, ImportError) as e:
        report.setdefault("concurrency", {"note": f"n/a (not available: {e})"})
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    report.setdefault("concurrency", {"note": "n/a (not asked: --clients 0)"})
    report["startup"] = startup_ms(args.db, args.org, args.startup_runs, args.plugins)
    report["import"] = import_rate(args.db, args.import_rows) if args.import_rows else \
        {"rows_per_s": None, "note": "n/a (not asked: --import-rows 0)"}
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["load_end"] = load()
    return report


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, print (and write) the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=default_db(), help="database URL (default: %(default)s)")
    parser.add_argument("--org", type=Path, default=DEFAULT_DIR / "org",
                        help="organisation folder (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--mode", choices=["inprocess", "gunicorn"], default="inprocess")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients on gunicorn (0: skip)")
    parser.add_argument("--per-client", type=int, default=25, help="requests per concurrent client")
    parser.add_argument("--import-rows", type=int, default=5000, help="rows for bench/import_rows.py (0: skip)")
    parser.add_argument("--plugins", help="comma-separated plugins (default: all installed)")
    parser.add_argument("--startup-runs", type=int, default=5, help="interpreters started to time create_app")
    parser.add_argument("--out", type=Path, help="write the markdown here and the JSON beside it")
    args = parser.parse_args(argv)
    # SIGTERM as an exception, so that ``run``'s finally stops the gunicorn it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report = run(args)
    text = markdown(report)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
