"""``RecordService.update_many``: many records changed in one transaction, with the whole write path each."""

import pytest
from sqlalchemy import event
from trellis import NotFound, PermissionDenied, ValidationError, hookimpl
from trellis.data.database import db
from trellis.data.records import RecordService, records_for


@pytest.fixture
def deals(svc, ann):
    return [svc.create("deal", {"name": f"Deal {i}", "person": ann.id, "amount": "100"}) for i in range(3)]


def test_each_record_gets_its_values_computed_fields_and_a_new_version(svc, deals):
    saved = svc.update_many("deal", {deals[0].id: {"amount": "200"}, deals[1].id: {"probability": "50"}})
    assert [r.id for r in saved] == [deals[0].id, deals[1].id]
    first, second, third = (svc.get("deal", d.id) for d in deals)
    assert (first["amount"], first["expected"], first.version) == (200, 20, deals[0].version + 1)
    assert (second["probability"], second["expected"], second.version) == (50, 50, deals[1].version + 1)
    assert third.version == deals[2].version and third["amount"] == 100


def test_rows_carrying_their_id_are_accepted_too(svc, deals):
    svc.update_many("deal", [{"id": deals[0].id, "name": "First"}, {"id": deals[2].id, "name": "Third"}])
    assert [svc.get("deal", d.id)["name"] for d in deals] == ["First", "Deal 1", "Third"]


def test_a_validation_error_on_one_record_changes_nothing_and_names_the_record(svc, deals):
    with pytest.raises(ValidationError) as caught:
        svc.update_many("deal", {deals[0].id: {"name": "Fine"}, deals[1].id: {"amount": "-5"}})
    assert caught.value.fields == {"amount": "must be at least 0"}
    assert f"deal #{deals[1].id}" in caught.value.message
    assert [svc.get("deal", d.id)["name"] for d in deals] == ["Deal 0", "Deal 1", "Deal 2"]
    assert all(svc.get("deal", d.id).version == d.version for d in deals)


def test_a_link_to_a_missing_record_refuses_the_batch(svc, deals):
    with pytest.raises(ValidationError) as caught:
        svc.update_many("deal", {deals[0].id: {"name": "Fine"}, deals[1].id: {"person": 999}})
    assert caught.value.fields == {"person": "no person #999"}
    assert svc.get("deal", deals[0].id)["name"] == "Deal 0"


def test_an_unknown_id_raises_not_found_and_changes_nothing(svc, deals):
    with pytest.raises(NotFound):
        svc.update_many("deal", {deals[0].id: {"name": "Fine"}, 9999: {"name": "Ghost"}})
    assert svc.get("deal", deals[0].id)["name"] == "Deal 0"


@pytest.mark.parametrize("changes", [{"x": {"name": "A"}}, [{"name": "no id"}], {0: {"name": "A"}},
                                     [{"id": 1, "name": "A"}, {"id": "1", "name": "B"}]])
def test_ids_that_are_missing_malformed_or_repeated_are_refused_before_anything_is_read(svc, deals, changes):
    with pytest.raises(ValidationError) as caught:
        svc.update_many("deal", changes)
    assert "id" in caught.value.fields


class OwnOnly:
    """Lets the user write only the deals named "Mine"; read everything."""

    def __init__(self, entity_write=True):
        self.entity_write = entity_write

    def can(self, user, action, entity, record=None):
        if action != "write":
            return True
        return self.entity_write if record is None else record["name"].startswith("Mine")

    def readable_fields(self, user, entity):
        return None

    def writable_fields(self, user, entity):
        return None

    def read_filter(self, user, entity, table=None):
        return None


def test_a_user_who_may_not_write_one_of_the_records_changes_none_of_them(svc, deals):
    svc.update("deal", deals[0].id, {"name": "Mine"})
    una = svc.create("user", {"name": "Una", "email": "una@example.com"})
    user = RecordService(svc.app, una.id, "ui", OwnOnly())
    with pytest.raises(PermissionDenied):
        user.update_many("deal", {deals[0].id: {"amount": "1"}, deals[1].id: {"amount": "2"}})
    assert [svc.get("deal", d.id)["amount"] for d in deals] == [100, 100, 100]
    user.update_many("deal", {deals[0].id: {"amount": "1"}})
    assert svc.get("deal", deals[0].id)["amount"] == 1


def test_a_user_who_may_not_write_the_entity_is_refused_at_once(svc, deals):
    with pytest.raises(PermissionDenied):
        RecordService(svc.app, 1, "ui", OwnOnly(entity_write=False)).update_many("deal", {deals[0].id: {"amount": 1}})


def test_fields_the_caller_may_not_set_are_refused(svc, deals):
    with pytest.raises(ValidationError) as caught:
        svc.update_many("deal", {deals[0].id: {"expected": "5"}})
    assert caught.value.fields == {"expected": "cannot be set: it is computed or read-only"}


def test_history_has_each_records_changes_and_unchanged_records_are_not_written(svc, deals):
    svc.update_many("deal", {deals[0].id: {"name": "Renamed"}, deals[1].id: {"name": "Deal 1"}})
    assert [(c.field, c.old, c.new) for c in svc.history("deal", deals[0].id)][-1:] == \
        [("name", "Deal 0", "Renamed")]
    assert "Deal 1" not in [c.old for c in svc.history("deal", deals[1].id)]
    assert svc.get("deal", deals[1].id).version == deals[1].version


def test_quick_search_finds_records_by_their_new_values(svc, deals):
    svc.update_many("deal", {deals[2].id: {"name": "Zanzibar"}})
    assert [r.id for r in svc.query("deal").search("zanzibar").page().rows] == [deals[2].id]


def test_parents_roll_ups_follow(svc, ann, deals):
    person = svc.create("person", {"name": "Bob"})
    svc.update_many("deal", {deals[0].id: {"person": person.id}, deals[1].id: {"person": person.id}})
    assert svc.get("person", person.id)["deal_count"] == 2 and svc.get("person", ann.id)["deal_count"] == 1


def test_similar_updates_are_one_update_statement(svc, ann):
    many = svc.create_many("deal", [{"name": f"D{i}", "person": ann.id} for i in range(40)])
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE DEAL"):
            statements.append(executemany)

    with svc.app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        svc.update_many("deal", {d.id: {"amount": str(i)} for i, d in enumerate(many)})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == [True]
    assert [svc.get("deal", d.id)["amount"] for d in many[:3]] == [0, 1, 2]


class Hooks:
    """Logs its calls on people; lower-cases emails before saving; refuses the name "Refuse"."""

    name = "update_hooks"

    def __init__(self):
        self.seen = []

    @hookimpl
    def before_save(self, record, changes, context):
        if record.entity != "person":
            return
        self.seen.append(("before_save", record.id, sorted(changes)))
        if record["name"] == "Refuse":
            raise ValidationError({"name": "not this one"})
        if record.get("email"):
            record["email"] = record["email"].lower()

    @hookimpl
    def after_save(self, record, changes, context):
        if record.entity == "person":
            self.seen.append(("after_save", record.id, sorted(changes)))
            context.records.create("task", {"subject": f"check {record['name']}", "person": record.id})


@pytest.fixture
def hooks():
    return Hooks()


@pytest.fixture
def hooked(service_with, hooks):
    return service_with(hooks, "import")


def test_hooks_run_for_every_record_and_what_they_set_is_stored(hooked, hooks):
    ann, bob = hooked.create_many("person", [{"name": "Ann"}, {"name": "Bob"}])
    hooks.seen.clear()
    hooked.update_many("person", {ann.id: {"email": "ANN@Example.com"}, bob.id: {"name": "Robert"}})
    assert hooks.seen == [("before_save", ann.id, ["email"]), ("before_save", bob.id, ["name"]),
                          ("after_save", ann.id, ["email"]), ("after_save", bob.id, ["name"])]
    assert hooked.get("person", ann.id)["email"] == "ann@example.com"
    assert sorted(t["subject"] for t in hooked.query("task").page().rows) == \
        ["check Ann", "check Ann", "check Bob", "check Robert"]  # two from the creates, two from the update


def test_a_record_a_hook_refuses_rolls_back_the_whole_batch_with_what_hooks_wrote(hooked, hooks):
    ann, bob = hooked.create_many("person", [{"name": "Ann"}, {"name": "Bob"}])
    with pytest.raises(ValidationError) as caught:
        hooked.update_many("person", {ann.id: {"email": "a@example.com"}, bob.id: {"name": "Refuse"}})
    assert caught.value.fields == {"name": "not this one"} and f"person #{bob.id}" in caught.value.message
    assert hooked.get("person", ann.id)["email"] is None and hooked.get("person", bob.id)["name"] == "Bob"
    assert hooked.query("task").count() == (2, False)  # the creates' tasks only


def test_a_record_another_transaction_holds_is_written_after_it_commits_not_over_it(svc, deals):
    import threading
    import time

    app, first = svc.app, deals[0]
    locked, release, done = threading.Event(), threading.Event(), []

    def holder():
        with app.app_context():
            records = records_for(app)
            with records.transaction():
                records.lock("deal", first.id)
                records.update("deal", first.id, {"amount": "150"})
                locked.set()
                release.wait(10)

    def batch():
        with app.app_context():
            records_for(app).update_many("deal", {first.id: {"name": "Batched"}, deals[1].id: {"name": "B"}})
            done.append(True)

    threads = [threading.Thread(target=holder), threading.Thread(target=batch)]
    threads[0].start()
    assert locked.wait(10)
    threads[1].start()
    time.sleep(0.5)
    waited = not done
    release.set()
    for thread in threads:
        thread.join(20)
    assert waited and done
    stored = svc.get("deal", first.id)
    assert (stored["amount"], stored["name"], stored.version) == (150, "Batched", first.version + 2)
