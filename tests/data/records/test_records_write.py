"""The record service's write path (docs/architecture.md): coercion, validation, defaults, computed
fields, optimistic locking, hooks, history, and one transaction around all of it."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from trellis import ConflictError, FieldType, ValidationError, hookimpl
from trellis.app import create_app
from trellis.data import history as history_module
from trellis.data.access import SystemAccess
from trellis.data.database import db
from trellis.data.migrate import upgrade
from trellis.data.records import RecordService, records_for
from trellis.plugins import PluginError


def test_every_field_type_round_trips_from_form_strings(svc, ann):
    bob = svc.create("person", {"name": "Bob"})
    created = svc.create("sample", {
        "s": "Hello", "t": "two\nlines", "h": "<p>Hi</p>", "i": "42", "d": "3.14159", "m": "1200.5",
        "p": "12.5", "b": "on", "dt": "2026-01-31", "ts": "2026-01-31T10:30:00+02:00",
        "e": "Ann@Example.COM", "ph": "+1 (555) 010-0000", "u": "example.com/x", "sel": "green",
        "ms": ["a", "c"], "tg": "vip, north", "ln": str(ann.id), "lns": [ann.id, bob.id], "us": None,
        "f": "files/report.pdf", "j": '{"k": [1, 2]}',
    })
    stored = svc.get("sample", created.id)
    assert dict(stored) == dict(created)
    assert stored["s"] == "Hello" and stored["t"] == "two\nlines" and stored["h"] == "<p>Hi</p>"
    assert stored["i"] == 42 and stored["d"] == Decimal("3.1416")
    assert stored["m"] == Decimal("1200.50") and str(stored["m"]) == "1200.50"
    assert stored["p"] == Decimal("12.5") and stored["b"] is True
    assert stored["dt"] == date(2026, 1, 31)
    assert stored["ts"] == datetime(2026, 1, 31, 8, 30, tzinfo=UTC)
    assert stored["e"] == "Ann@example.com" and stored["ph"] == "+1 (555) 010-0000"
    assert stored["u"] == "https://example.com/x" and stored["sel"] == "green"
    assert stored["ms"] == ["a", "c"] and stored["tg"] == ["vip", "north"]
    assert stored["ln"] == ann.id and stored["lns"] == [ann.id, bob.id]
    assert stored["us"] is None and stored["f"] == "files/report.pdf" and stored["j"] == {"k": [1, 2]}


def test_json_values_round_trip_too(svc):
    created = svc.create("sample", {"i": 7, "b": False, "m": 10, "d": 0.1, "ms": [], "j": [1, "x"]})
    stored = svc.get("sample", created.id)
    assert (stored["i"], stored["b"], stored["m"], stored["d"], stored["ms"], stored["j"]) == \
        (7, False, Decimal("10.00"), Decimal("0.1"), [], [1, "x"])


def test_several_bad_values_are_reported_together_per_field(svc):
    with pytest.raises(ValidationError) as e:
        svc.create("sample", {"i": "many", "dt": "31/01/2026", "e": "not-an-email", "sel": "blue",
                              "ms": ["a", "z"], "u": "javascript:alert(1)", "s": "x" * 21, "ph": "call me"})
    assert set(e.value.fields) == {"i", "dt", "e", "sel", "ms", "u", "s", "ph"}
    assert "one of: red, green" in e.value.fields["sel"]
    assert svc.query("sample").page().count == 0


def test_required_min_and_max_are_checked(svc):
    with pytest.raises(ValidationError) as e:
        svc.create("deal", {"amount": "-1", "probability": 150})
    assert e.value.fields == {"name": "is required", "amount": "must be at least 0",
                              "probability": "must be at most 100"}


@pytest.mark.parametrize("field", ["id", "version", "created_at", "updated_by", "expected", "nonsense",
                                   "deal_count"])
def test_setting_a_system_computed_or_unknown_field_is_refused_not_dropped(svc, field):
    entity = "person" if field == "deal_count" else "deal"
    with pytest.raises(ValidationError) as e:
        svc.create(entity, {"name": "X", field: 5})
    assert "cannot be set" in e.value.fields[field]


def test_a_link_to_a_missing_record_is_a_field_error(svc, ann):
    with pytest.raises(ValidationError) as e:
        svc.create("sample", {"ln": 999, "lns": [ann.id, 998]})
    assert e.value.fields == {"ln": "no person #999", "lns": "no person #998"}


def test_a_unique_value_already_used_is_a_field_error(svc):
    first = svc.create("user", {"name": "Una", "email": "una@example.com"})
    with pytest.raises(ValidationError) as e:
        svc.create("user", {"name": "Other", "email": "una@example.com"})
    assert e.value.fields == {"email": f"is already used by user #{first.id}"}
    assert svc.update("user", first.id, {"email": "una@example.com", "name": "Una B"})["name"] == "Una B"


def test_a_readonly_field_cannot_be_set(svc):
    with pytest.raises(ValidationError) as e:
        svc.create("sample", {"ro": "mine"})
    assert "cannot be set" in e.value.fields["ro"]


def test_defaults_fill_literal_values_and_the_acting_user(svc):
    user = svc.create("user", {"name": "Una", "email": "una@example.com"})
    # A user record without roles may do nothing under RoleAccess; only defaults are under test here.
    deal = RecordService(svc.app, user.id, "ui", SystemAccess()).create("deal", {"name": "Mine"})
    assert deal["stage"] == "new" and deal["probability"] == Decimal("10") and deal["owner"] == user.id
    assert deal.created_by == user.id


def test_computed_fields_follow_their_inputs_in_dependency_order(svc):
    row = svc.create("chain", {"a": 1})
    assert (row["a"], row["b"], row["c"]) == (1, 2, 4)
    row = svc.update("chain", row.id, {"a": 10})
    assert (row["b"], row["c"]) == (11, 22)
    assert svc.get("chain", row.id)["c"] == 22


def test_a_computed_money_field_is_exact(svc):
    deal = svc.create("deal", {"name": "D", "amount": "1200.50", "probability": "10"})
    assert deal["expected"] == Decimal("120.05")


def test_required_if_applies_when_its_condition_holds(svc):
    deal = svc.create("deal", {"name": "D"})
    lost = svc.transition("deal", deal.id, "lose", {"lost_reason": "price"})
    with pytest.raises(ValidationError) as e:
        svc.update("deal", lost.id, {"lost_reason": ""})
    assert e.value.fields == {"lost_reason": "is required"}


def test_a_new_record_cannot_start_past_its_workflows_first_state(svc):
    with pytest.raises(ValidationError) as e:
        svc.create("deal", {"name": "D", "stage": "won", "amount": 5})
    assert e.value.fields["stage"].startswith("a new record starts in 'new'")
    assert svc.create("deal", {"name": "D", "stage": "new"})["stage"] == "new"


def test_an_entity_rule_attaches_its_message_to_its_field(svc):
    with pytest.raises(ValidationError) as e:
        svc.create("deal", {"name": "D", "close_date": "2001-01-01"})
    assert e.value.fields == {"close_date": "Close date cannot be before creation"}


def test_an_update_bumps_the_version_and_keeps_other_fields(svc, ann):
    deal = svc.create("deal", {"name": "D", "amount": 5, "person": ann.id})
    updated = svc.update("deal", deal.id, {"amount": "7"}, expected_version=deal.version)
    assert updated.version == deal.version + 1
    stored = svc.get("deal", deal.id)
    assert stored["amount"] == Decimal("7.00") and stored["person"] == ann.id and stored["name"] == "D"


def test_a_stale_update_conflicts_and_changes_nothing(svc):
    deal = svc.create("deal", {"name": "D", "amount": 5})
    svc.update("deal", deal.id, {"amount": 6}, expected_version=deal.version)
    with pytest.raises(ConflictError) as e:
        svc.update("deal", deal.id, {"name": "Stale"}, expected_version=deal.version)
    assert e.value.current["name"] == "D" and e.value.current["amount"] == Decimal("6.00")
    stored = svc.get("deal", deal.id)
    assert stored["name"] == "D" and stored.version == deal.version + 1
    assert [c.field for c in svc.history("deal", deal.id)].count("name") == 1


def test_a_version_from_a_form_is_checked_like_a_number(svc):
    deal = svc.create("deal", {"name": "D"})
    assert svc.update("deal", deal.id, {"name": "E"}, expected_version=str(deal.version))["name"] == "E"
    with pytest.raises(ConflictError):
        svc.update("deal", deal.id, {"name": "F"}, expected_version=str(deal.version))
    with pytest.raises(ValidationError) as e:
        svc.update("deal", deal.id, {"name": "F"}, expected_version="abc")
    assert e.value.fields == {"version": "must be a whole number"}


def test_a_concurrent_write_between_read_and_write_is_a_conflict(svc, monkeypatch):
    deal = svc.create("deal", {"name": "D"})
    from trellis.data import records as records_module

    real_load = records_module.load

    def load_then_someone_writes(connection, schema, meta, record_id, where=None):
        record = real_load(connection, schema, meta, record_id, where)
        table = schema.tables["deal"]
        connection.execute(table.update().where(table.c.id == record_id).values(version=table.c.version + 1))
        return record

    monkeypatch.setattr(records_module, "load", load_then_someone_writes)
    with pytest.raises(ConflictError):
        svc.update("deal", deal.id, {"name": "Mine"})
    monkeypatch.undo()
    assert svc.get("deal", deal.id)["name"] == "D"


def test_history_records_the_initial_values_and_every_change(svc):
    deal = svc.create("deal", {"name": "D", "amount": "5"})
    svc.update("deal", deal.id, {"amount": "6", "name": "E"})
    changes = [(c.field, c.old, c.new, c.channel) for c in svc.history("deal", deal.id)]
    assert ("name", None, "D", "plugin") in changes and ("amount", None, "5.00", "plugin") in changes
    assert ("amount", "5.00", "6.00", "plugin") in changes and ("name", "D", "E", "plugin") in changes
    assert ("expected", "0.50", "0.60", "plugin") in changes


def test_a_new_records_values_are_one_history_row_read_back_as_one_change_per_field(svc, trellis_app):
    deal = svc.create("deal", {"name": "D", "amount": "5", "tags": ["b", "a"]})
    table = svc.schema.history
    with trellis_app.app_context():
        stored = db.session.execute(db.select(table.c.field).where(
            table.c.entity == "deal", table.c.record_id == deal.id)).scalars().all()
    assert stored == ["__created__"]
    given = {c.field: c.new for c in svc.history("deal", deal.id)}
    assert given["name"] == "D" and given["amount"] == "5.00" and given["tags"] == ["b", "a"]
    assert {c.field: c.new for c in svc.history("deal", deal.id, fields={"amount"})} == {"amount": "5.00"}


def test_history_can_read_just_the_newest_changes_of_some_fields_oldest_first(svc):
    deal = svc.create("deal", {"name": "D0", "amount": "5"})
    for i in range(1, 6):
        svc.update("deal", deal.id, {"name": f"D{i}"})
    newest = svc.history("deal", deal.id, newest=3, fields={"name"})
    assert [(c.old, c.new) for c in newest] == [("D2", "D3"), ("D3", "D4"), ("D4", "D5")]
    assert {c.field for c in svc.history("deal", deal.id, newest=100)} <= set(svc.metadata.entities["deal"].fields)


def test_an_update_that_changes_nothing_writes_nothing(svc):
    deal = svc.create("deal", {"name": "D", "amount": "5"})
    before = len(svc.history("deal", deal.id))
    same = svc.update("deal", deal.id, {"amount": "5.0"})
    assert same.version == deal.version == svc.get("deal", deal.id).version
    assert len(svc.history("deal", deal.id)) == before


def test_an_exception_in_the_history_write_rolls_the_whole_write_back(svc, monkeypatch):
    deal = svc.create("deal", {"name": "D"})

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(history_module, "write_many", broken)
    with pytest.raises(RuntimeError):
        svc.update("deal", deal.id, {"name": "E"})
    with pytest.raises(RuntimeError):
        svc.create("deal", {"name": "F"})
    monkeypatch.undo()
    assert svc.get("deal", deal.id)["name"] == "D" and svc.get("deal", deal.id).version == deal.version
    assert svc.query("deal").page().count == 1


def test_a_plain_update_cannot_move_a_workflow_state(svc):
    deal = svc.create("deal", {"name": "D"})
    with pytest.raises(ValidationError) as e:
        svc.update("deal", deal.id, {"stage": "won"})
    assert "transition" in e.value.fields["stage"]


class Hooks:
    """A tiny plugin whose behaviour each test sets."""

    name = "record_hooks"

    def __init__(self):
        self.before = None
        self.after = None
        self.seen = []

    @hookimpl
    def before_save(self, record, changes, context):
        self.seen.append(("before_save", record.entity, record.id, dict(changes), context.channel))
        if self.before:
            self.before(record, changes, context)

    @hookimpl
    def after_save(self, record, changes, context):
        self.seen.append(("after_save", record.entity, record.id))
        if self.after:
            self.after(record, changes, context)


@pytest.fixture
def hooks():
    return Hooks()


@pytest.fixture
def hooked(trellis_config, hooks):
    """A record service on an app with the ``Hooks`` plugin loaded."""
    app = create_app({**trellis_config, "EXTRA_PLUGINS": [hooks]})
    upgrade(app)
    with app.app_context():
        yield records_for(app, channel="ui")
    with app.app_context():
        db.engine.dispose()


def test_hooks_receive_the_record_changes_and_context(hooked, hooks):
    deal = hooked.create("deal", {"name": "D"})
    assert hooks.seen[0] == ("before_save", "deal", None, {"name": (None, "D"), "probability": (None, 10),
                                                             "stage": (None, "new")}, "ui")
    assert hooks.seen[1] == ("after_save", "deal", deal.id)


def test_a_before_save_hook_may_change_values_which_are_coerced_and_recomputed(hooked, hooks):
    def double(record, changes, context):
        record["amount"] = str(record["amount"] * 2)

    hooks.before = double
    deal = hooked.create("deal", {"name": "D", "amount": "5", "probability": 10})
    assert deal["amount"] == Decimal("10.00") and deal["expected"] == Decimal("1.00")
    assert hooked.get("deal", deal.id)["amount"] == Decimal("10.00")


def test_a_validation_error_from_a_hook_refuses_the_write(hooked, hooks):
    def refuse(record, changes, context):
        raise ValidationError({"amount": "too big"})

    hooks.before = refuse
    with pytest.raises(ValidationError) as e:
        hooked.create("deal", {"name": "D", "amount": 5})
    assert e.value.fields == {"amount": "too big"}
    assert hooked.query("deal").page().count == 0


def test_an_exception_in_a_before_save_hook_rolls_back_writes_it_already_made(hooked, hooks):
    def write_then_fail(record, changes, context):
        context.records.create("person", {"name": "Side effect"})
        raise RuntimeError("bug in plugin")

    hooks.before = write_then_fail
    with pytest.raises(PluginError):
        hooked.create("deal", {"name": "D"})
    assert hooked.query("deal").page().count == 0
    assert hooked.query("person").page().count == 0


def test_an_after_save_hook_writes_in_the_same_transaction(hooked, hooks):
    def note(record, changes, context):
        if record.entity == "deal":
            context.records.create("person", {"name": f"Contact for {record['name']}"})

    hooks.after = note
    hooked.create("deal", {"name": "D"})
    assert [r["name"] for r in hooked.query("person").page().rows] == ["Contact for D"]

    def fail(record, changes, context):
        if record.entity == "deal":
            context.records.create("person", {"name": "Lost"})
            raise RuntimeError("after_save bug")

    hooks.after = fail
    with pytest.raises(PluginError):
        hooked.create("deal", {"name": "E"})
    assert hooked.query("deal").page().count == 1
    assert hooked.query("person").page().count == 1


def test_html_goes_through_the_registered_sanitiser(svc):
    from trellis.runtime import runtime

    runtime(svc.app).html_sanitizer = lambda html: html.replace("<script>", "").replace("</script>", "")
    sample = svc.create("sample", {"h": "<p>Hi</p><script>alert(1)</script>"})
    assert svc.get("sample", sample.id)["h"] == "<p>Hi</p>alert(1)"


class Banking:
    """A plugin adding an ``iban`` field type whose coercer the record service must use."""

    name = "banking"

    @hookimpl
    def field_types(self):
        def coerce_iban(value, field):
            value = str(value).replace(" ", "").upper()
            if not value[:2].isalpha():
                raise ValueError("an IBAN starts with a country code")
            return value

        return [FieldType("iban", "string", coerce_iban)]


def test_a_plugin_field_type_coerces_with_its_own_function(trellis_config):
    from pathlib import Path

    entities = Path(trellis_config["ORG_DIR"]) / "metadata" / "entities"
    (entities / "account.yaml").write_text("entity: account\nfields:\n  iban: {type: iban}\n", encoding="utf-8")
    app = create_app({**trellis_config, "EXTRA_PLUGINS": [Banking()]})
    upgrade(app)
    with app.app_context():
        svc = records_for(app)
        assert svc.create("account", {"iban": "de89 3704 0044"})["iban"] == "DE8937040044"
        with pytest.raises(ValidationError) as e:
            svc.create("account", {"iban": "1234"})
        assert e.value.fields == {"iban": "an IBAN starts with a country code"}
    with app.app_context():
        db.engine.dispose()


def test_an_id_too_large_for_any_database_is_not_found_rather_than_a_crash(svc):
    from trellis import NotFound

    huge = 4681791753890315903424266240
    with pytest.raises(NotFound):
        svc.get("person", huge)
    with pytest.raises(NotFound):
        svc.update("person", huge, {"name": "X"})
    with pytest.raises(ValidationError) as caught:
        svc.create("deal", {"name": "Y", "person": huge})
    assert caught.value.fields == {"person": "must be a record id"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("i", 10**19, "is too large"),
        ("i", "99999999999999999999", "is too large"),
        ("d", "1e20", "is too large"),
        ("m", 10**15, "is too large"),
        ("t", "nul \x00 inside", "must not contain NUL characters"),
        ("tg", ["ok", "bad\x00"], "must not contain NUL characters"),
    ],
)
def test_values_no_database_can_store_are_field_errors_and_nothing_is_written(svc, field, value, message):
    with pytest.raises(ValidationError) as caught:
        svc.create("sample", {"s": "probe", field: value})
    assert message in caught.value.fields[field]
    assert svc.query("sample").count() == (0, False)


def test_the_world_loads_and_migrates(svc):
    assert svc.query("person").page().count == 0
