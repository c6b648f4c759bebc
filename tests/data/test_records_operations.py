"""``context.operation`` says what a write is part of, and the ``trellis`` façade's record services."""

import json
from pathlib import Path

import pytest
import trellis
from trellis import ScheduledJob, hookimpl
from trellis.data.database import db
from trellis.testing.api import api_app, bearer, new_user
from trellis.testing.web import post, signed_in_client

THING = """
entity: thing
title: name
fields:
  name:  {type: string, required: true}
  level: {type: integer, readonly: true}
list: {columns: [id, name, created_at, updated_at], order: -created_at}
"""


class Recorder:
    """Notes ``(hook, name, operation)`` of every write of a thing; its job creates one thing."""

    name = "recorder"

    def __init__(self):
        self.seen = []

    @hookimpl
    def before_save(self, record, changes, context):
        if record.entity == "thing":
            self.seen.append(("before_save", record["name"], context.operation))

    @hookimpl
    def before_delete(self, record, context):
        if record.entity == "thing":
            self.seen.append(("before_delete", record["name"], context.operation))

    @hookimpl
    def scheduled_jobs(self):
        return [ScheduledJob("make_thing", "* * * * *", lambda context: context.records.create(
            "thing", {"name": "by job"}))]


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def app(trellis_config, recorder):
    entities = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    entities.mkdir(parents=True, exist_ok=True)
    (entities / "thing.yaml").write_text(THING, encoding="utf-8")
    app = api_app({**trellis_config, "PLUGINS": [], "EXTRA_PLUGINS": [recorder], "API_RATE_LIMIT": "1000/minute"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_each_way_of_writing_tells_hooks_its_operation(app, recorder, tmp_path):
    from trellis.automation.schedule import tick
    from trellis.io.csv_import import import_file
    from trellis.io.merge import merge

    assert post(signed_in_client(app), "/app/thing/new", {"name": "by form"}).status_code == 302
    headers = bearer(app, new_user(app, "ann@example.com"))
    assert app.test_client().post("/api/v1/thing", json={"name": "by api"}, headers=headers).status_code == 201
    sheet = tmp_path / "things.csv"
    sheet.write_text("name\nby import\n", encoding="utf-8")
    assert import_file(app, "thing", sheet).created == 1
    tick(app)
    assert recorder.seen == [("before_save", "by form", "form"), ("before_save", "by api", "api"),
                             ("before_save", "by import", "import"), ("before_save", "by job", "job")]
    with app.app_context():
        records = trellis.system_records("tests", app)
        survivor = records.create("thing", {"name": "by system"})
        loser = records.create("thing", {"name": "loser"})
        recorder.seen.clear()
        merge(app, "thing", survivor.id, [loser.id], choices={"name": loser.id})
    assert sorted(recorder.seen) == [("before_delete", "loser", "merge"), ("before_save", "loser", "merge")]


def test_the_facade_gives_a_users_and_the_systems_record_services(app, recorder):
    with app.app_context():
        system = trellis.system_records("tests")
        made = system.create("thing", {"name": "Kept", "level": 3})
        assert isinstance(made, trellis.Record) and made["level"] == 3
        assert system.history("thing", made.id)[0].actor == "tests"
        user = new_user(app, "viewer@example.com", role=None)
        with pytest.raises(trellis.PermissionDenied):
            trellis.records_for(user).create("thing", {"name": "Nope"})
        query = trellis.records_for(None).query("thing")
        assert isinstance(query, trellis.Query) and query.count()[0] == 1
    assert recorder.seen[-1] == ("before_save", "Kept", "system")



@pytest.fixture
def deal_world(trellis_config):
    """``(app, person Ann, a deal linking to her)`` of the API tests' world."""
    from api_helpers import write_world

    write_world(trellis_config["ORG_DIR"])
    app = api_app({**trellis_config, "PLUGINS": [], "API_RATE_LIMIT": "1000/minute"})
    with app.app_context():
        records = trellis.records_for(None)
        person = records.create("person", {"name": "Ann"})
        deal = records.create("deal", {"name": "Engine", "person": person.id})
    yield app, person, deal
    with app.app_context():
        db.engine.dispose()


def test_get_and_query_rows_give_a_link_as_its_id_with_the_linked_name(deal_world):
    from trellis.data.record import Link

    app, person, deal = deal_world
    with app.app_context():
        records = trellis.records_for(None)
        row = records.query("deal").filter(name="Engine").first()["person"]
        got = records.get("deal", deal.id)
        updated = records.update("deal", deal.id, {"person": got["person"], "name": "Engine 2"})  # a Link goes back
    assert updated["person"] == person.id
    for link in (row, got["person"]):
        assert isinstance(link, Link) and link == person.id and link.id == person.id and link.name == "Ann"
        assert json.dumps({"person": link}) == f'{{"person": {person.id}}}' and f"#{link}" == f"#{person.id}"
    headers = bearer(app, new_user(app, "ann@example.com"))
    body = app.test_client().get(f"/api/v1/deal/{deal.id}", headers=headers).get_json()
    assert body["person"] == {"id": person.id, "name": "Ann"}


def test_id_created_at_and_updated_at_can_be_listed_and_sorted_by(app, trellis_config):
    import subprocess
    import sys
    from datetime import timedelta

    check = subprocess.run([sys.executable, "-m", "trellis.cli", "check", trellis_config["ORG_DIR"]],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    with app.app_context():
        records = trellis.system_records("tests")
        ids = [records.create("thing", {"name": name}).id for name in ("Old", "Mid", "New")]
        # Make created_at disagree with id order, to see which one sorts.
        from sqlalchemy import update
        from trellis.runtime import runtime

        table = runtime(app).schema.tables["thing"]
        first = records.get("thing", ids[0]).created_at
        with db.engine.begin() as connection:
            for record_id, days in zip(ids, (5, 1, 3), strict=True):
                connection.execute(update(table).where(table.c.id == record_id)
                                   .values(created_at=first + timedelta(days=days)))
    page = signed_in_client(app).get("/app/thing").get_data(as_text=True)
    headings = page[page.index("<thead"):page.index("</thead>")]
    assert all(word in headings for word in ("ID", "Name", "Created", "Updated"))
    body = page[page.index("<tbody"):]
    assert body.index("Old") < body.index("New") < body.index("Mid")  # list.order: -created_at
    headers = bearer(app, new_user(app, "ann@example.com"))
    client = app.test_client()
    names = [r["name"] for r in client.get("/api/v1/thing?sort=created_at", headers=headers).get_json()["data"]]
    assert names == ["Mid", "New", "Old"]
    names = [r["name"] for r in client.get("/api/v1/thing?sort=-id", headers=headers).get_json()["data"]]
    assert names == ["New", "Mid", "Old"]
