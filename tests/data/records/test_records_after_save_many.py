"""``after_save_many``: the records one ``create_many`` or ``update_many`` saves reach a plugin's batch
implementation in one call; a plugin with only ``after_save`` still gets one call per record."""

import pytest
from trellis import NotFound, ValidationError, hookimpl
from trellis.app import create_app
from trellis.data.database import db
from trellis.data.migrate import upgrade
from trellis.data.records import records_for


class Batched:
    """Logs each batch of persons, writes their tasks with one create_many, refuses a person called "Refuse"."""

    name = "batched"

    def __init__(self, log):
        self.log = log

    @hookimpl(entities=["person"])
    def after_save_many(self, entity, saved, context):
        self.log.append(("batch", entity, [(record["name"], "name" in changes) for record, changes in saved]))
        if any(record["name"] == "Refuse" for record, _ in saved):
            raise ValidationError({"name": "not this one"})
        rows = [{"subject": f"call {record['name']}", "person": record.id} for record, _ in saved]
        for result in context.records.create_many("task", rows):
            if isinstance(result, Exception):
                raise result

    @hookimpl(entities=["person"])
    def after_save(self, record, changes, context):
        self.log.append(("batched plugin's after_save", record["name"]))


class OneByOne:
    """A plugin that only knows ``after_save``: one call per person."""

    name = "one_by_one"

    def __init__(self, log):
        self.log = log

    @hookimpl
    def after_save(self, record, changes, context):
        if record.entity == "person":
            self.log.append(("each", record["name"]))


@pytest.fixture
def log():
    return []


@pytest.fixture
def svc(trellis_config, log):
    app = create_app({**trellis_config, "EXTRA_PLUGINS": [Batched(log), OneByOne(log)]})
    upgrade(app)
    with app.app_context():
        yield records_for(app, channel="import")
    with app.app_context():
        db.engine.dispose()


def tasks(svc):
    return sorted(task["subject"] for task in svc.query("task").page().rows)


def test_create_many_gives_the_batch_implementation_the_whole_run_then_the_others_each_record(svc, log):
    ann, bob, cy = svc.create_many("person", [{"name": "Ann"}, {"name": "Bob"}, {"name": "Cy"}])
    assert log == [("batch", "person", [("Ann", True), ("Bob", True), ("Cy", True)]),
                   ("each", "Ann"), ("each", "Bob"), ("each", "Cy")]
    assert tasks(svc) == ["call Ann", "call Bob", "call Cy"]
    assert {task["person"] for task in svc.query("task").page().rows} == {ann.id, bob.id, cy.id}


def test_a_single_create_reaches_the_batch_implementation_as_a_batch_of_one(svc, log):
    svc.create("person", {"name": "Ann"})
    assert log == [("batch", "person", [("Ann", True)]), ("each", "Ann")]


def test_update_many_gives_the_batch_implementation_the_changed_records_once(svc, log):
    ann, bob = svc.create_many("person", [{"name": "Ann"}, {"name": "Bob"}])
    log.clear()
    svc.update_many("person", {ann.id: {"email": "ann@example.com"}, bob.id: {"name": "Rob"}})
    assert log == [("batch", "person", [("Ann", False), ("Rob", True)]), ("each", "Ann"), ("each", "Rob")]


def test_a_row_the_batch_implementation_refuses_is_refused_alone_and_leaves_nothing(svc, log):
    ann, refused, bob = svc.create_many("person", [{"name": "Ann"}, {"name": "Refuse"}, {"name": "Bob"}])
    assert isinstance(refused, ValidationError) and refused.fields == {"name": "not this one"}
    assert sorted(p["name"] for p in svc.query("person").page().rows) == ["Ann", "Bob"]
    assert tasks(svc) == ["call Ann", "call Bob"]
    assert [entry for entry in log if entry[0] == "batch"][0] == \
        ("batch", "person", [("Ann", True), ("Refuse", True), ("Bob", True)])
    assert ("batch", "person", [("Refuse", True)]) in log  # done again a row at a time, to name the row


def test_update_many_refused_by_the_batch_implementation_writes_nothing(svc):
    ann, bob = svc.create_many("person", [{"name": "Ann"}, {"name": "Bob"}])
    with pytest.raises(ValidationError):
        svc.update_many("person", {ann.id: {"email": "ann@example.com"}, bob.id: {"name": "Refuse"}})
    assert [(p["name"], p["email"]) for p in svc.query("person").order_by("id").page().rows] == \
        [("Ann", None), ("Bob", None)]
    assert tasks(svc) == ["call Ann", "call Bob"]


def test_lock_many_refuses_a_missing_record_and_leaves_nothing_written(svc):
    ann, bob = svc.create_many("person", [{"name": "Ann"}, {"name": "Bob"}])
    with svc.transaction():
        svc.lock_many("person", [bob.id, ann.id, bob.id])
        svc.update("person", ann.id, {"email": "ann@example.com"})
    with pytest.raises(NotFound, match=r"no person #999"), svc.transaction():
        svc.update("person", bob.id, {"email": "bob@example.com"})
        svc.lock_many("person", [ann.id, 999])
    assert [p["email"] for p in svc.query("person").order_by("id").page().rows] == ["ann@example.com", None]
