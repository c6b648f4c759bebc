"""One HR organisation for the module's tests (module-scoped: building it is the slow part).

The reporting line: ``boss`` (manager) > ``mia`` (manager) > ``eve`` (employee); ``nick``
(manager) > ``olga`` (employee) elsewhere; ``hr`` (hr_manager) outside the line. Each
person has a contract (salaries 5000 upwards, distinct), a review and an annual-leave
allocation of 10 days for 2027; ``world.word[name]`` is a unique word in their records.
"""

import secrets
from types import SimpleNamespace

import pytest
import trellis_plugins.hr
from trellis.data.records import records_for

PASSWORD = "a long enough password"
OPEN_REPORT = """\
# An organisation's report open to everyone who reads contracts: the sum must follow field rules.
report: salary_sum
entity: employment_contract
group_by: kind
measures:
  total: {sum: salary}
chart: table
"""
PEOPLE = (("boss", None, "manager", 5100), ("mia", "boss", "manager", 5200), ("eve", "mia", "employee", 5300),
          ("nick", None, "manager", 5400), ("olga", "nick", "employee", 9100), ("hr", None, "hr_manager", 5500))


CALENDAR = """
business_calendar: office
default: true
timezone: Europe/Sofia
hours: ["09:00-17:00"]
holidays: [2027-05-06]
"""


def build(base, database_url=None, extra=None):
    """Create the app and the organisation above; returns a namespace (app, users, people, clients, ...)."""
    from trellis.app import create_app
    from trellis.data.migrate import upgrade
    from trellis.security.accounts import create_user
    from trellis.testing.api import bearer
    from trellis.testing.web import csrf_token, login

    (base / "org" / "metadata").mkdir(parents=True, exist_ok=True)
    for name, text in {"calendar.yaml": CALENDAR, **(extra or {})}.items():
        (base / "org" / "metadata" / name).write_text(text, encoding="utf-8")
    app = create_app({"DATABASE_URL": database_url or f"sqlite:///{base / 'db.sqlite'}", "ORG_DIR": str(base / "org"),
                      "TESTING": True, "SECRET_KEY": "test-only", "EXTRA_PLUGINS": [trellis_plugins.hr],
                      "API_RATE_LIMIT": "100000/minute"})
    upgrade(app)
    world = SimpleNamespace(app=app, users={}, people={}, word={}, contracts={}, reviews={}, allocations={},
                            clients={}, csrf={}, headers={}, password=PASSWORD)
    with app.app_context():
        system = records_for(app)
        world.annual = system.create("time_off_type", {"name": "Annual leave", "needs_balance": True}).id
        world.unpaid = system.create("time_off_type", {"name": "Unpaid", "needs_balance": False}).id
        for name, boss, role, salary in PEOPLE:
            word = f"Zq{name}{secrets.token_hex(3)}"
            world.word[name] = word
            world.users[name] = create_user(app, f"{name}@example.com", PASSWORD, role=role, name=name).id
            world.people[name] = system.create("employee", {
                "name": f"{name} {word}", "user": world.users[name], "manager": world.people.get(boss),
                "hire_date": "2020-03-02", "birth_date": "1990-06-15", "home_address": f"home {word}"}).id
            world.contracts[name] = system.create("employment_contract", {
                "reference": f"C-{word}", "employee": world.people[name], "start_date": "2020-03-02",
                "salary": salary}).id
            world.reviews[name] = system.create("performance_review", {
                "name": f"Review {word}", "cycle": "2027", "employee": world.people[name]}).id
            world.allocations[name] = system.create("time_off_allocation", {
                "employee": world.people[name], "type": world.annual, "year": 2027, "days": 10}).id
    for name, *_ in PEOPLE:
        client = app.test_client()
        assert login(client, f"{name}@example.com", PASSWORD).status_code == 302
        world.clients[name], world.csrf[name] = client, csrf_token(client, "/")
        world.headers[name] = bearer(app, world.users[name], scope="write")
    return world


@pytest.fixture(scope="module")
def hr_world(tmp_path_factory):
    """The organisation on SQLite, shared by one test module."""
    from trellis.data.database import db

    world = build(tmp_path_factory.mktemp("hr"), extra={"reports_salary_sum.yaml": OPEN_REPORT})
    yield world
    with world.app.app_context():
        db.engine.dispose()
