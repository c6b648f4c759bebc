"""Roll-ups kept correct by every child write, and ``on_delete`` of links honoured."""

from decimal import Decimal

import pytest
from trellis import ValidationError


def totals(svc, person):
    stored = svc.get("person", person.id)
    return stored["deal_count"], stored["won_total"]


def win(svc, deal):
    svc.transition("deal", deal.id, "qualify")
    return svc.transition("deal", deal.id, "win")


def test_a_new_parent_starts_with_empty_roll_ups(svc, ann):
    assert (ann["deal_count"], ann["won_total"]) == (0, Decimal("0.00"))


def test_creating_children_updates_the_parent_roll_ups(svc, ann):
    svc.create("deal", {"name": "A", "person": ann.id, "amount": 100})
    won = svc.create("deal", {"name": "B", "person": ann.id, "amount": 250})
    win(svc, won)
    assert totals(svc, ann) == (2, Decimal("250.00"))


def test_updating_a_child_updates_the_roll_up_and_its_where_condition(svc, ann):
    deal = svc.create("deal", {"name": "A", "person": ann.id, "amount": 100})
    win(svc, deal)
    svc.update("deal", deal.id, {"amount": 120})
    assert totals(svc, ann) == (1, Decimal("120.00"))


def test_deleting_a_child_updates_the_roll_up(svc, ann):
    deal = svc.create("deal", {"name": "A", "person": ann.id, "amount": 100})
    win(svc, deal)
    svc.delete("deal", deal.id)
    assert totals(svc, ann) == (0, Decimal("0.00"))


def test_moving_a_child_to_another_parent_updates_both(svc, ann):
    bob = svc.create("person", {"name": "Bob"})
    deal = svc.create("deal", {"name": "A", "person": ann.id, "amount": 100})
    win(svc, deal)
    svc.update("deal", deal.id, {"person": bob.id})
    assert totals(svc, ann) == (0, Decimal("0.00"))
    assert totals(svc, bob) == (1, Decimal("100.00"))


def test_a_roll_up_change_is_a_versioned_system_change_in_history(svc, ann):
    svc.create("deal", {"name": "A", "person": ann.id})
    stored = svc.get("person", ann.id)
    assert stored.version == ann.version + 1
    change = [c for c in svc.history("person", ann.id) if c.field == "deal_count"][-1]
    assert (change.old, change.new, change.user_id) == (0, 1, None)


def test_restrict_refuses_to_delete_a_linked_parent_and_names_the_children(svc, ann):
    first = svc.create("deal", {"name": "A", "person": ann.id})
    second = svc.create("deal", {"name": "B", "person": ann.id})
    with pytest.raises(ValidationError) as e:
        svc.delete("person", ann.id)
    assert e.value.fields["__all__"] == \
        f"Cannot delete: 2 deals still link to this person (#{first.id}, #{second.id})"
    assert svc.get("person", ann.id)["name"] == "Ann"


def test_cascade_deletes_the_children_through_the_service(svc):
    bob = svc.create("person", {"name": "Bob"})
    svc.create("note", {"body": "Met at the fair", "person": bob.id})
    svc.delete("person", bob.id)
    assert svc.query("note").page().count == 0
    assert svc.query("person").page().count == 0


def test_set_null_empties_the_link_and_records_it(svc):
    bob = svc.create("person", {"name": "Bob"})
    task = svc.create("task", {"subject": "Call", "person": bob.id})
    svc.delete("person", bob.id)
    stored = svc.get("task", task.id)
    assert stored["person"] is None and stored.version == task.version + 1


def test_a_refused_delete_changes_nothing_even_after_cascading(svc, ann):
    svc.create("note", {"body": "Keep me", "person": ann.id})
    svc.create("deal", {"name": "A", "person": ann.id})
    with pytest.raises(ValidationError):
        svc.delete("person", ann.id)
    assert svc.query("note").page().count == 1


def test_a_deleted_record_is_not_found(svc, ann):
    from trellis import NotFound

    svc.delete("person", ann.id)
    with pytest.raises(NotFound):
        svc.get("person", ann.id)


def test_a_delete_leaves_a_history_row_with_the_last_values(svc):
    from trellis.data.history import DELETED, history_of

    bob = svc.create("person", {"name": "Bob"})
    svc.delete("person", bob.id)
    with svc._unit(write=False) as connection:
        last = history_of(connection, svc.schema, "person", bob.id)[-1]
    assert last.field == DELETED and last.old["name"] == "Bob" and last.new is None


def test_a_parent_whose_roll_ups_one_write_changed_is_saved_once(svc, ann):
    bob = svc.create("person", {"name": "Bob"})
    deal = svc.create("deal", {"name": "A", "person": ann.id, "amount": 100})
    win(svc, deal)
    before = svc.get("person", bob.id).version
    svc.update("deal", deal.id, {"person": bob.id})   # Bob's count and won total both change
    assert svc.get("person", bob.id).version == before + 1
    assert totals(svc, bob) == (1, Decimal("100.00"))


def test_create_many_brings_every_parent_s_roll_ups_up_to_date_once(svc, ann):
    people = [ann] + [svc.create("person", {"name": f"P{i}"}) for i in range(3)]
    versions = {p.id: svc.get("person", p.id).version for p in people}
    rows = [{"name": f"D{i}", "person": people[i % 4].id, "amount": 10} for i in range(10)]
    assert all(not isinstance(r, Exception) for r in svc.create_many("deal", rows))
    for n, person in enumerate(people):
        assert totals(svc, person)[0] == (3 if n < 2 else 2)
        assert svc.get("person", person.id).version == versions[person.id] + 1
