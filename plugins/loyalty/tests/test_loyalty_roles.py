"""A cashier looks members up and redeems, nothing else; nobody but the plugin writes balances or vouchers."""

import pytest
from trellis import PermissionDenied, ValidationError


def test_a_cashier_may_read_but_not_create_or_change_contacts_orders_accounts_or_vouchers(records, records_as):
    ann = records.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    cashier = records_as("cashier")
    assert cashier.get("contact", ann.id)["last_name"] == "Lee"
    for entity, values in (("contact", {"last_name": "New"}), ("order", {"name": "x"}),
                           ("loyalty_account", {"card_number": "L1", "contact": ann.id, "program": "standard"}),
                           ("loyalty_entry", {"account": 1, "kind": "adjusted", "points": 5, "key": "k"})):
        with pytest.raises(PermissionDenied):
            cashier.create(entity, values)
    with pytest.raises(PermissionDenied):
        cashier.update("contact", ann.id, {"last_name": "Changed"})


def test_a_loyalty_manager_adjusts_but_may_not_invent_earned_points_or_overdraw(records, records_as):
    ann = records.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    order = records.create("order", {"name": "Paid", "contact": ann.id, "amount": 100})
    records.update("order", order.id, {"status": "delivered"})
    account = records.query("loyalty_account").filter(contact=ann.id).first()
    manager = records_as("loyalty_manager")
    manager.create("loyalty_entry", {"account": account.id, "kind": "adjusted", "points": -30, "key": "fix-1"})
    with pytest.raises(ValidationError):
        manager.create("loyalty_entry", {"account": account.id, "kind": "earned", "points": 500, "key": "gift"})
    with pytest.raises(ValidationError):
        manager.create("loyalty_entry", {"account": account.id, "kind": "adjusted", "points": -71, "key": "fix-2"})
    with pytest.raises(PermissionDenied):
        manager.update("loyalty_account", account.id, {"tier": "gold"})
    assert records.get("loyalty_account", account.id)["balance"] == 70
