"""pytest fixtures for Trellis and for plugin authors (loaded through the ``pytest11`` entry point).

Fixtures:

``db_url``
    A fresh database per test: a temporary SQLite file, and, when
    ``TRELLIS_TEST_POSTGRES`` is set, a fresh PostgreSQL schema (the ``postgresql``
    parameter carries the ``postgres`` marker; it is skipped, with the reason, when
    the variable is unset). A PostgreSQL schema migrated by ``trellis_app`` is emptied
    and reused by a later test with the same metadata (``trellis.testing.pg_pool``).
``trellis_app``
    An application built by ``create_app`` on ``db_url``, in a temporary
    organisation folder. The first test of a process with a given schema migrates it;
    later tests with the same schema start from a copy of that database (SQLite) or
    from an emptied schema kept from an earlier test (PostgreSQL).
``trellis_client``
    ``trellis_app.test_client()``.
``records``
    The record service of ``trellis_app`` acting as the system (no permission
    limits): ``records.create("contact", {...})``, ``records.get``, ``update``,
    ``delete``, ``transition``, ``query``.
``sql_statements(app)`` (a function, not a fixture)
    A context manager collecting the SQL statements ``app`` runs inside it:
    ``with sql_statements(app) as seen: client.get(...)``, then ``len(seen)``.
``installed_plugin``
    A factory that installs a throwaway plugin package for one test (an entry point
    in the ``trellis`` group on a temporary ``sys.path`` entry), to test
    dependencies between plugins without pip.
``client_as``
    A factory: ``client_as("sales_rep")`` creates a new user with that role (``admin``
    is the administrator) on ``trellis_app`` and returns a test client signed in as
    them through the login form; ``client.user_id`` is the user's id. Each call is a
    new user, so ``client_as("rep")`` twice gives two colleagues. Pages that post need
    the CSRF token: ``trellis.testing.web.post(client, path, data)``.
``records_as``
    A factory: ``records_as("sales_rep")`` is the record service of ``trellis_app``
    acting as a new user with that role, limited by what the role may do
    (``PermissionDenied``, hidden fields), inside an app context; ``.user.id`` is the id.
``fixed_clock``
    Fixes what the record service, the approvals and history take as "now":
    ``fixed_clock.now = datetime(2027, 10, 1, 8, 0, tzinfo=UTC)`` (aware UTC; the default
    is 2026-03-02 07:00 UTC), changed at will during the test. The scheduler's ``tick(app,
    now)`` takes its own ``now``.
``browser_page``
    A Playwright page (Debian's Chromium) on ``trellis_app`` served on a local port:
    ``browser_page.goto("/login")``, relative paths work. ``browser_page.sign_in(role)``
    creates a user with ``role`` and signs in through the login form;
    ``browser_page.shots`` is the folder for screenshots. Skipped, with the reason,
    when the ``playwright`` package or Chromium is missing (``TRELLIS_CHROMIUM`` points
    at another Chromium).

Override ``trellis_config`` in a test module to change settings, e.g. to add a
plugin object that is not installed: ``{**trellis_config, "EXTRA_PLUGINS": [obj]}``.
"""

from __future__ import annotations

import itertools
import os
import secrets
import textwrap
import uuid
from contextlib import contextmanager

import pytest

POSTGRES_ENV = "TRELLIS_TEST_POSTGRES"


def pytest_configure(config):
    """Declare the ``postgres`` marker so ``-m postgres`` selects the PostgreSQL runs."""
    config.addinivalue_line("markers", "postgres: runs against TRELLIS_TEST_POSTGRES")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A database URL for one test: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trellis-test.sqlite'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL run skipped: set {POSTGRES_ENV}=postgresql+psycopg://user@host/db")
    yield from _postgres_schema(base)


def _postgres_schema(base: str):
    from contextlib import suppress

    import sqlalchemy.exc
    from sqlalchemy import create_engine, text
    from trellis.testing.pg_pool import release

    schema = f"t_{uuid.uuid4().hex[:16]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        # The trigram extension is one per database: made in a test's schema, it (and every other
        # test's trigram index) would go when that schema is dropped. Keep it in public.
        with suppress(sqlalchemy.exc.DBAPIError), connection.begin_nested():  # without it, search uses LIKE
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        try:
            with engine.begin() as connection:
                kept = release(connection, schema)  # emptied and kept for the next test with the same schema
        except sqlalchemy.exc.DBAPIError:
            kept = False
        if not kept:
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@contextmanager
def sql_statements(app):
    """Collect the SQL text of every statement ``app``'s engine runs inside the ``with`` block."""
    from sqlalchemy import event
    from trellis.data.database import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def trellis_config(db_url, tmp_path):
    """The ``config`` passed to ``create_app``; override this fixture to change settings."""
    org = tmp_path / "org"
    (org / "metadata").mkdir(parents=True, exist_ok=True)
    # the cheapest password hash the settings allow: every signed-in test client hashes twice;
    # a test that loads the demo gets its small size (dozens of records, not trellis demo's thousands)
    return {"DATABASE_URL": db_url, "ORG_DIR": str(org), "TESTING": True, "SECRET_KEY": "test-only",
            "PASSWORD_SCRYPT_COST": 1024, "DEMO_SIZE": "small"}


@pytest.fixture
def trellis_app(trellis_config):
    """A Trellis application on a fresh database."""
    from trellis.app import create_app
    from trellis.data.database import db
    from trellis.testing.templates import migrate_test_database

    app = create_app(trellis_config)
    # the tables the metadata defines, as `trellis migrate` makes them (copied from a template when cached)
    migrate_test_database(app, trellis_config["DATABASE_URL"])
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def trellis_client(trellis_app):
    """A Flask test client for ``trellis_app``."""
    return trellis_app.test_client()


@pytest.fixture
def records(trellis_app):
    """The record service of ``trellis_app``, acting as the system user, inside an app context."""
    from trellis.data.records import records_for

    with trellis_app.app_context():
        yield records_for(trellis_app)


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    """Install throwaway plugin packages for one test; call it as ``installed_plugin("name", depends=[...])``.

    Each call writes a package with a ``plugin.yaml``, optional ``code`` for its
    ``__init__.py`` and optional ``files`` (relative path -> text, e.g. YAML under
    ``metadata/``), plus a distribution whose entry point registers it in the
    ``trellis`` group. Returns the package folder.
    """
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    prefix = f"tp{uuid.uuid4().hex[:8]}"

    def install(name: str, depends=(), version: str = "1.0.0", code: str = "", files=None, manifest: str = "",
                distribution: str | None = None):
        module = f"{prefix}_{name}"
        package = site / module
        package.mkdir()
        (package / "__init__.py").write_text(textwrap.dedent(code), encoding="utf-8")
        (package / "plugin.yaml").write_text(
            manifest or f"name: {name}\nversion: {version}\nlabel: {name.title()}\ndepends: {list(depends)}\n",
            encoding="utf-8")
        for relative, text in (files or {}).items():
            target = package / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text), encoding="utf-8")
        dist = distribution or f"trellis-{name.replace('_', '-')}"
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
        (info / "entry_points.txt").write_text(f"[trellis]\n{name} = {module}\n", encoding="utf-8")
        return package

    return install


_users = itertools.count(1)


def _new_account(app, role: str, password: str | None):
    """A new user with ``role`` on ``app`` (an ``Account``); the email is unique per call."""
    from trellis.security.accounts import create_user

    number = next(_users)
    with app.app_context():
        return create_user(app, f"{role}.{number}@example.com", password, role=role, name=f"{role} {number}")


@pytest.fixture
def client_as(trellis_app):
    """A factory: ``client_as(role)`` -> a test client signed in as a new user with ``role``."""
    from trellis.testing.web import login

    def sign_in(role: str = "admin"):
        password = secrets.token_urlsafe(16)
        account = _new_account(trellis_app, role, password)
        client = trellis_app.test_client()
        answer = login(client, account.email, password)
        if answer.status_code != 302:
            raise AssertionError(f"could not sign in as a {role}: the login form answered {answer.status_code}")
        client.user_id = account.id
        return client

    return sign_in


@pytest.fixture
def records_as(trellis_app):
    """A factory: ``records_as(role)`` -> the record service acting as a new user with ``role``."""
    from trellis.data.records import records_for

    def service(role: str = "admin"):
        return records_for(trellis_app, _new_account(trellis_app, role, None), channel="plugin")

    with trellis_app.app_context():
        yield service


def browser_skip_reason() -> str | None:
    """Why ``browser_page`` cannot run here (the skip reason), or None when it can."""
    import importlib.util

    from trellis.testing.browser import chromium_missing

    if importlib.util.find_spec("playwright") is None:
        return "browser test skipped: the playwright package is not installed (pip install playwright)"
    missing = chromium_missing()
    return f"browser test skipped: {missing}" if missing else None


@pytest.fixture
def browser_page(trellis_app, tmp_path):
    """A Playwright page on ``trellis_app`` served locally, with ``sign_in(role)``; skipped without Chromium."""
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    from trellis.testing.browser import browser_tab, served

    with served(trellis_app) as url, browser_tab(url, tmp_path) as tab:

        def sign_in(role: str = "admin"):
            password = secrets.token_urlsafe(16)
            account = _new_account(trellis_app, role, password)
            tab.goto("/login")
            tab.fill("input[name=email]", account.email)
            tab.fill("input[name=password]", password)
            with tab.expect_navigation():
                tab.click("button[type=submit]")
            if "/login" in tab.url:
                raise AssertionError(f"could not sign in as a {role} in the browser")
            return account

        tab.sign_in = sign_in
        yield tab



class FixedClock:
    """What ``datetime.now`` answers inside the record service while ``fixed_clock`` is in use."""

    def __init__(self):
        from datetime import UTC, datetime

        self.now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def fixed_clock(monkeypatch):
    """A :class:`FixedClock` for the record service's ``now`` (see the module docstring)."""
    from datetime import datetime

    import trellis.data.unit as unit

    clock = FixedClock()

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now if tz is None else clock.now.astimezone(tz)

    monkeypatch.setattr(unit, "datetime", Frozen)
    return clock
