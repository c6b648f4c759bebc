"""``RecordService.create_many``: the batch path bulk import takes, with the whole write path per row."""

import pytest
from trellis import PermissionDenied, ValidationError, hookimpl
from trellis.app import create_app
from trellis.data.database import db
from trellis.data.migrate import upgrade
from trellis.data.records import RecordService, records_for


def test_each_row_gets_its_record_or_its_errors_and_the_good_rows_are_written(svc, ann):
    results = svc.create_many("deal", [
        {"name": "One", "person": ann.id},
        {"amount": "-5"},
        {"name": "Two", "person": 999},
        {"name": "Three", "tags": "vip, north"},
    ])
    one, bad, missing, three = results
    assert one["name"] == "One" and one["person"] == ann.id and one.id is not None
    assert isinstance(bad, ValidationError)
    assert bad.fields == {"name": "is required", "amount": "must be at least 0"}
    assert isinstance(missing, ValidationError) and missing.fields == {"person": "no person #999"}
    assert three["tags"] == ["vip", "north"] and three["stage"] == "new" and three["probability"] == 10
    stored = {r["name"]: r for r in svc.query("deal").page().rows}
    assert set(stored) == {"One", "Three"}
    assert dict(svc.get("deal", three.id)) == dict(three)


def test_every_row_has_its_own_history(svc):
    first, second = svc.create_many("person", [{"name": "Ann"}, {"name": "Bob", "email": "bob@example.com"}])
    assert [(c.field, c.old, c.new) for c in svc.history("person", first.id)] == \
        [("name", None, "Ann"), ("deal_count", None, 0), ("won_total", None, 0)]
    assert {(c.field, c.new, c.channel) for c in svc.history("person", second.id)} == \
        {("name", "Bob", "plugin"), ("email", "bob@example.com", "plugin"), ("deal_count", 0, "plugin"),
         ("won_total", 0, "plugin")}


def test_links_lists_are_stored_for_each_row(svc, ann):
    bob = svc.create("person", {"name": "Bob"})
    a, b, c = svc.create_many("sample", [{"lns": [ann.id, bob.id]}, {"lns": [bob.id]}, {"lns": [ann.id, 998]}])
    assert svc.get("sample", a.id)["lns"] == [ann.id, bob.id]
    assert svc.get("sample", b.id)["lns"] == [bob.id]
    assert c.fields == {"lns": "no person #998"}


def test_a_unique_value_given_twice_in_one_batch_is_refused_the_second_time(svc):
    una, again, other = svc.create_many("user", [{"name": "Una", "email": "una@example.com"},
                                                  {"name": "Una 2", "email": "una@example.com"},
                                                  {"name": "Olga", "email": "olga@example.com"}])
    assert una.id is not None and other.id is not None
    assert again.fields == {"email": f"is already used by user #{una.id}"}


def test_a_user_who_may_not_create_gets_permission_denied_and_nothing_is_written(svc):
    class NoCreate:
        def can(self, user, action, entity, record=None):
            return action != "create"

        def writable_fields(self, user, entity):
            return None

    with pytest.raises(PermissionDenied):
        RecordService(svc.app, 1, "import", NoCreate()).create_many("person", [{"name": "Ann"}])
    assert svc.query("person").count() == (0, False)


class Hooks:
    """A plugin that logs its calls and refuses rows by name, before or after the insert."""

    name = "batch_hooks"

    def __init__(self):
        self.seen = []

    @hookimpl
    def before_save(self, record, changes, context):
        if record.entity != "person":
            return
        self.seen.append(("before_save", record["name"], record.id, context.channel))
        context.records.create("task", {"subject": f"call {record['name']}"})
        if record["name"] == "Refuse before":
            raise ValidationError({"name": "not this one"})
        record["email"] = f"{record['name'].lower()}@example.com"

    @hookimpl
    def after_save(self, record, changes, context):
        if record.entity != "person":
            return
        self.seen.append(("after_save", record["name"], record.id))
        if record["name"] == "Refuse after":
            raise ValidationError({"__all__": "too late"})


@pytest.fixture
def hooks():
    return Hooks()


@pytest.fixture
def hooked(trellis_config, hooks):
    app = create_app({**trellis_config, "EXTRA_PLUGINS": [hooks]})
    upgrade(app)
    with app.app_context():
        yield records_for(app, channel="import")
    with app.app_context():
        db.engine.dispose()


def test_hooks_run_once_per_written_row_and_what_they_set_is_stored(hooked, hooks):
    ann, bob = hooked.create_many("person", [{"name": "Ann"}, {"name": "Bob"}])
    assert hooks.seen == [("before_save", "Ann", None, "import"), ("before_save", "Bob", None, "import"),
                          ("after_save", "Ann", ann.id), ("after_save", "Bob", bob.id)]
    assert hooked.get("person", bob.id)["email"] == "bob@example.com"
    assert ("email", None, "bob@example.com") in [(c.field, c.old, c.new) for c in hooked.history("person", bob.id)]
    assert sorted(t["subject"] for t in hooked.query("task").page().rows) == ["call Ann", "call Bob"]


def test_a_plugin_registered_after_a_batch_has_its_hooks_called_in_the_next_one(svc):
    from trellis.runtime import runtime

    svc.create_many("person", [{"name": "Before"}])  # the hooks' implementations are looked up once here
    late = Hooks()
    runtime(svc.app).plugins.register(late, "late_hooks")
    ann, bob = svc.create_many("person", [{"name": "Ann"}, {"name": "Bob"}])
    assert [(call, name) for call, name, *_ in late.seen] == [("before_save", "Ann"), ("before_save", "Bob"),
                                                               ("after_save", "Ann"), ("after_save", "Bob")]
    assert svc.get("person", bob.id)["email"] == "bob@example.com"


def test_a_plugin_unregistered_from_pluggy_is_no_longer_called(svc):
    from trellis.runtime import runtime

    plugins = runtime(svc.app).plugins
    gone = Hooks()
    plugins.register(gone, "gone_hooks")
    svc.create_many("person", [{"name": "Ann"}])
    plugins.pm.unregister(name="gone_hooks")
    svc.create_many("person", [{"name": "Bob"}])
    assert [name for _, name, *_ in gone.seen] == ["Ann", "Ann"]


@pytest.mark.parametrize("name", ["Refuse before", "Refuse after"])
def test_a_row_a_hook_refuses_is_rolled_back_alone_with_what_its_hooks_wrote(hooked, hooks, name):
    ann, refused, bob = hooked.create_many("person", [{"name": "Ann"}, {"name": name}, {"name": "Bob"}])
    assert isinstance(refused, ValidationError)
    assert sorted(p["name"] for p in hooked.query("person").page().rows) == ["Ann", "Bob"]
    assert sorted(t["subject"] for t in hooked.query("task").page().rows) == ["call Ann", "call Bob"]
    assert hooked.get("person", ann.id)["email"] == "ann@example.com" and bob.id is not None


def test_insert_rows_stores_what_sqlalchemys_insert_stores(svc):
    from datetime import UTC, datetime

    from sqlalchemy import insert, select
    from trellis.data.bulk import insert_rows, insert_values
    from trellis.data.unit import unit_of_work

    table = svc.schema.history
    at = datetime(2026, 1, 31, 10, 30, 15, 123456, tzinfo=UTC)
    row = {"entity": "person", "record_id": 1, "field": "name", "old": None, "new": '"Ann"', "user_id": None,
           "at": at, "channel": "import"}
    with unit_of_work(svc.app) as connection:
        insert_rows(connection, table, [row, {**row, "record_id": 2}])
        connection.execute(insert(table), [{**row, "record_id": 3}])
        keys = tuple(row)
        insert_values(connection, table, keys, [tuple({**row, "record_id": 4}.values())])
        shared = [tuple({**row, "record_id": 5}.values()), tuple({**row, "record_id": 6}.values())]
        insert_values(connection, table, keys, shared)  # one ``at`` object in both rows, converted once
    with unit_of_work(svc.app, write=False) as connection:
        stored = connection.execute(select(table).order_by(table.c.record_id)).mappings().all()
    assert [r["record_id"] for r in stored] == [1, 2, 3, 4, 5, 6]
    plain = [{k: v for k, v in r.items() if k not in ("id", "record_id")} for r in stored]
    assert plain[0] == plain[1] == plain[2] == plain[3] == plain[4] == plain[5]


def test_insert_returning_gives_the_ids_in_the_order_of_the_rows_or_none(svc):
    from sqlalchemy import select
    from trellis.data.bulk import insert_returning
    from trellis.data.unit import unit_of_work

    table = svc.schema.tables["task"]
    now = svc.create("task", {"subject": "first"}).created_at
    rows = [{"subject": f"t{i}", "version": 1, "created_at": now, "updated_at": now} for i in range(30)]
    with unit_of_work(svc.app) as connection:
        ids = insert_returning(connection, table, rows, "id")
        if ids is None:  # a driver without a plain way: nothing was written
            assert svc.query("task").count() == (1, False)
            return
        stored = dict(connection.execute(select(table.c.id, table.c.subject)).all())
    assert [stored[i] for i in ids] == [f"t{i}" for i in range(30)]
    assert svc.get("task", ids[3])["subject"] == "t3" and svc.get("task", ids[3]).created_at == now


def test_insert_returning_over_several_pages_keeps_the_order_of_the_rows(svc, monkeypatch):
    from sqlalchemy import select
    from trellis.data.bulk import insert_returning
    from trellis.data.unit import unit_of_work

    table = svc.schema.tables["task"]
    now = svc.create("task", {"subject": "first"}).created_at
    rows = [{"subject": f"t{i}", "version": 1, "created_at": now, "updated_at": now} for i in range(23)]
    with unit_of_work(svc.app) as connection:
        monkeypatch.setattr(connection.dialect, "insertmanyvalues_max_parameters", 20)  # 5 rows a statement
        ids = insert_returning(connection, table, rows, "id")
        if ids is None:
            return
        stored = dict(connection.execute(select(table.c.id, table.c.subject)).all())
    assert len(set(ids)) == 23 and [stored[i] for i in ids] == [f"t{i}" for i in range(23)]


class RefuseDealThree:
    """Refuses the deal named D3 after it is saved (its parent's roll-ups already counted it)."""

    name = "refuse_d3"

    @hookimpl
    def after_save(self, record, changes, context):
        if record.entity == "deal" and record["name"] == "D3":
            raise ValidationError({"__all__": "not D3"})


@pytest.fixture
def refusing(trellis_config):
    app = create_app({**trellis_config, "EXTRA_PLUGINS": [RefuseDealThree()]})
    upgrade(app)
    with app.app_context():
        yield records_for(app, channel="import")
    with app.app_context():
        db.engine.dispose()


def test_a_refused_child_row_leaves_nothing_and_the_parents_roll_ups_count_only_the_rest(refusing):
    ann = refusing.create("person", {"name": "Ann"})
    results = refusing.create_many("deal", [{"name": f"D{n}", "person": ann.id} for n in range(1, 6)])
    assert [isinstance(r, ValidationError) for r in results] == [False, False, True, False, False]
    assert sorted(d["name"] for d in refusing.query("deal").page().rows) == ["D1", "D2", "D4", "D5"]
    assert refusing.get("person", ann.id)["deal_count"] == 4
