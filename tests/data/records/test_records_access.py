"""Every read and write asks the app's Access: denied writes change nothing, hidden rows are not found."""

import pytest
from trellis import NotFound, PermissionDenied, ValidationError
from trellis.data.records import records_for
from trellis.runtime import runtime


class Clerk:
    """May read deals except 'Secret', write only name and amount, never delete or win."""

    def can(self, user, verb, entity, record=None):
        if verb in ("delete", "transition:win"):
            return False
        return not (verb == "create" and entity == "person")

    def readable_fields(self, user, entity):
        return None

    def writable_fields(self, user, entity):
        return {"name", "amount"} if entity == "deal" else None

    def read_filter(self, user, entity, table=None):
        return table.c.name != "Secret" if entity == "deal" else None


@pytest.fixture
def clerk(svc):
    user = svc.create("user", {"name": "Clerk", "email": "clerk@example.com"})
    runtime(svc.app).access = Clerk()
    return records_for(svc.app, user=user.id, channel="ui")


def test_a_denied_create_is_refused_and_writes_nothing(svc, clerk):
    with pytest.raises(PermissionDenied):
        clerk.create("person", {"name": "Nope"})
    assert svc.query("person").page().count == 0


def test_a_field_the_user_may_not_write_is_refused_by_name(svc, clerk):
    with pytest.raises(ValidationError) as e:
        clerk.create("deal", {"name": "Mine", "close_date": "2099-01-01"})
    assert e.value.fields == {"close_date": "cannot be set: you may not change this field"}
    assert svc.query("deal").page().count == 0


def test_a_record_outside_the_read_filter_cannot_be_read_or_written(svc, clerk):
    secret = svc.create("deal", {"name": "Secret"})
    with pytest.raises(NotFound):
        clerk.get("deal", secret.id)
    with pytest.raises(NotFound):
        clerk.update("deal", secret.id, {"amount": 1})
    assert svc.get("deal", secret.id).version == secret.version


def test_a_denied_delete_or_transition_changes_nothing(svc, clerk):
    deal = svc.create("deal", {"name": "Open"})
    svc.transition("deal", deal.id, "qualify")
    with pytest.raises(PermissionDenied):
        clerk.delete("deal", deal.id)
    with pytest.raises(PermissionDenied):
        clerk.transition("deal", deal.id, "win")
    assert svc.get("deal", deal.id)["stage"] == "qualified"


def test_the_acting_user_and_channel_are_recorded_as_writer_and_in_history(svc, clerk):
    deal = svc.create("deal", {"name": "Open"})
    updated = clerk.update("deal", deal.id, {"amount": 5})
    assert updated.updated_by == clerk.user and updated.created_by is None
    amount = [c for c in svc.history("deal", deal.id) if c.field == "amount"][-1]
    assert (amount.new, amount.user_id, amount.channel) == ("5.00", clerk.user, "ui")
