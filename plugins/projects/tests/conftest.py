"""One projects organisation per test module, with three users signed in through tokens.

``admin`` (administrator, who also wins deals), ``pm`` (project_manager) and ``mia``
(project_member). The business calendar works Monday to Friday with a holiday on
Thursday 2027-05-06, so working-day arithmetic crosses both a weekend and a holiday.
"""

from types import SimpleNamespace

import pytest
import trellis_plugins.projects
import trellis_plugins.sales

CALENDAR = """
business_calendar: office
default: true
timezone: Europe/Sofia
hours: ["09:00-17:00"]
holidays: [2027-05-06]
"""
PASSWORD = "a long enough password"
USERS = (("admin", "admin"), ("pm", "project_manager"), ("mia", "project_member"))


def new_task(world, project, name, start=None, due=None, **extra):
    """A task of ``project`` created through the API; its id."""
    made = world.api("post", "task", name=name, project=project, start_date=start, due_date=due, **extra)
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def depend(world, predecessor, successor, **extra):
    """A dependency through the API: the answer."""
    return world.api("post", "task_dependency", predecessor=predecessor, successor=successor, **extra)


def dates(world, task):
    """``(start_date, due_date)`` of a task as the API shows them."""
    body = world.api("get", f"task/{task}").get_json()
    return body["start_date"], body["due_date"]


def build(base, database_url=None):
    """Create the app and its users; returns a namespace (app, users, headers, api())."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade
    from trellis.security.accounts import create_user
    from trellis.testing.api import bearer

    (base / "org" / "metadata").mkdir(parents=True, exist_ok=True)
    (base / "org" / "metadata" / "calendar.yaml").write_text(CALENDAR, encoding="utf-8")
    app = create_app({"DATABASE_URL": database_url or f"sqlite:///{base / 'db.sqlite'}", "ORG_DIR": str(base / "org"),
                      "TESTING": True, "SECRET_KEY": "test-only", "API_RATE_LIMIT": "100000/minute",
                      "EXTRA_PLUGINS": [trellis_plugins.sales, trellis_plugins.projects]})
    upgrade(app)
    world = SimpleNamespace(app=app, users={}, headers={})
    with app.app_context():
        for name, role in USERS:
            world.users[name] = create_user(app, f"{name}@example.com", PASSWORD, role=role,
                                            name=name).id
    for name, _ in USERS:
        world.headers[name] = bearer(app, world.users[name], scope="write")

    def api(method, path, who="pm", **body):
        answer = getattr(app.test_client(), method)(f"/api/v1/{path}", json=body if method != "get" else None,
                                                     headers=world.headers[who])
        return answer

    world.api = api

    def client(who="pm"):
        """A web client signed in as ``who``."""
        from trellis.testing.web import login

        web = app.test_client()
        assert login(web, f"{who}@example.com", PASSWORD).status_code == 302
        return web

    world.client = client
    world.new_task = lambda *a, **k: new_task(world, *a, **k)
    world.depend = lambda *a, **k: depend(world, *a, **k)
    world.dates = lambda task: dates(world, task)
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The organisation on SQLite, shared by one test module."""
    from trellis.data.database import db

    built = build(tmp_path_factory.mktemp("projects"))
    yield built
    with built.app.app_context():
        db.engine.dispose()


@pytest.fixture
def build_world():
    """:func:`build` itself, for a test that needs its own organisation (on ``db_url``, say)."""
    return build


@pytest.fixture
def project(world):
    """A fresh project managed by ``pm`` with ``mia`` a member; its id."""
    made = world.api("post", "project", name="Website", budget="1000", members=[world.users["mia"]],
                     start_date="2027-04-26")
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]
