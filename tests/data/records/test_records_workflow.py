"""Workflow transitions through the record service: moves, refusals and the after_transition hook."""

import pytest
from trellis import ValidationError, hookimpl
from trellis.app import create_app
from trellis.data.database import db
from trellis.data.migrate import upgrade
from trellis.data.records import records_for


def test_a_transition_moves_the_state_and_records_it(svc):
    deal = svc.create("deal", {"name": "D"})
    moved = svc.transition("deal", deal.id, "qualify")
    assert moved["stage"] == "qualified" and moved.version == deal.version + 1
    assert [(c.field, c.old, c.new) for c in svc.history("deal", deal.id)][-1] == ("stage", "new", "qualified")


def test_a_transition_from_the_wrong_state_is_refused_on_the_state_field(svc):
    deal = svc.create("deal", {"name": "D"})
    with pytest.raises(ValidationError) as e:
        svc.transition("deal", deal.id, "win")
    assert "cannot 'win' from 'new'" in e.value.fields["stage"]
    assert svc.get("deal", deal.id)["stage"] == "new"


def test_a_false_guard_refuses_the_transition(svc):
    deal = svc.create("deal", {"name": "D", "amount": 0})
    svc.transition("deal", deal.id, "qualify")
    with pytest.raises(ValidationError) as e:
        svc.transition("deal", deal.id, "propose")
    assert "amount > 0" in e.value.fields["stage"]
    assert svc.get("deal", deal.id)["stage"] == "qualified"


def test_an_empty_required_field_refuses_the_transition_on_that_field(svc):
    deal = svc.create("deal", {"name": "D"})
    with pytest.raises(ValidationError) as e:
        svc.transition("deal", deal.id, "lose")
    assert e.value.fields == {"lost_reason": "is required to 'lose'"}


def test_a_transition_may_set_the_fields_it_requires_in_the_same_write(svc):
    deal = svc.create("deal", {"name": "D"})
    lost = svc.transition("deal", deal.id, "lose", {"lost_reason": "Too expensive"})
    assert (lost["stage"], lost["lost_reason"]) == ("lost", "Too expensive")


def test_an_unknown_transition_is_refused(svc):
    deal = svc.create("deal", {"name": "D"})
    with pytest.raises(ValidationError) as e:
        svc.transition("deal", deal.id, "teleport")
    assert "no transition 'teleport'" in e.value.fields["__all__"]


class Moves:
    name = "workflow_hooks"

    def __init__(self):
        self.seen = []

    @hookimpl
    def after_transition(self, record, transition, context):
        self.seen.append((record.entity, record["stage"], transition.name))


def test_after_transition_hooks_see_the_moved_record(trellis_config):
    moves = Moves()
    app = create_app({**trellis_config, "EXTRA_PLUGINS": [moves]})
    upgrade(app)
    with app.app_context():
        svc = records_for(app)
        deal = svc.create("deal", {"name": "D"})
        svc.transition("deal", deal.id, "qualify")
    with app.app_context():
        db.engine.dispose()
    assert moves.seen == [("deal", "qualified", "qualify")]
