"""Orders saved in a batch (``create_many``, ``update_many``, an import) earn exactly what saving them one by one
earns: the loyalty plugin settles the batch at once (``after_save_many``), with tiers raised mid-batch."""

from datetime import date, timedelta

import pytest
from trellis import ValidationError, hookimpl
from trellis.runtime import runtime

AMOUNTS = [1200, 300, 800, 2500, 450, 1100]   # per contact: crosses gold (2,000), 1,000s and 5,000


@pytest.fixture
def programme_yaml(source_programme):
    """The source's programme with tiers whose multipliers change what later orders of a batch earn."""
    return source_programme + "tiers:\n  silver: {from: 0}\n  gold: {from: 2000, multiplier: 1.25}\n" \
                              "  platinum: {from: 5000, multiplier: 1.5}\n"


def people(records, *names):
    return [records.create("contact", {"first_name": name, "last_name": "Lee"}).id for name in names]


def rows_for(contacts, status="delivered"):
    """Each contact's orders, interleaved: one order of every contact, then the next."""
    today = date.today()
    return [{"name": f"Order {n} of {contact}", "contact": contact, "amount": amount, "status": status,
             "order_date": today - timedelta(days=len(AMOUNTS) - n)}
            for n, amount in enumerate(AMOUNTS) for contact in contacts]


def created(results):
    assert not [r for r in results if isinstance(r, Exception)], results
    return results


def book(records, contact):
    """What a contact's loyalty looks like, with orders named by their place (``Order n``), not their ids."""
    account = records.query("loyalty_account").filter(contact=contact).first()
    names = {order.id: order["name"].split(" of ")[0] for order in
             records.query("order").filter(contact=contact).iterate()}
    ledger = [(names.get(e["order"]), e["kind"], e["points"], str(e["multiplier"]))
              for e in records.query("loyalty_entry").filter(account=account.id).order_by("id").iterate()]
    vouchers = sorted((v["reward"], v["crossing"], v["status"], names.get(v["order"]))
                      for v in records.query("loyalty_voucher").filter(account=account.id).iterate())
    return {"balance": account["balance"], "earned": account["earned"], "tier": account["tier"],
            "ledger": ledger, "vouchers": vouchers}


def test_a_create_many_of_orders_for_several_contacts_earns_what_saving_them_one_by_one_earns(records):
    batched = people(records, "Ann", "Bob", "Cy")
    single = people(records, "Dee", "Eve", "Flo")
    created(records.create_many("order", rows_for(batched)))
    for row in rows_for(single):
        records.create("order", row)
    for one, other in zip(batched, single, strict=True):
        assert book(records, one) == book(records, other)
    ann = book(records, batched[0])
    # 1,200 + 300 + 800 at 1x reach gold; 2,500 x 1.25 reaches platinum; then 450 and 1,100 x 1.5.
    assert [points for _, _, points, _ in ann["ledger"]] == [1200, 300, 800, 3125, 675, 1650]
    assert (ann["earned"], ann["tier"]) == (7750, "platinum")
    assert len([v for v in ann["vouchers"] if v[0] == "ten_percent"]) == 7
    assert len([v for v in ann["vouchers"] if v[0] == "two_vouchers"]) == 2


class RefusesOrder:
    """A plugin that refuses, after the loyalty plugin settled the batch, the order named "Refused"."""

    name = "refuses_order"

    @hookimpl(entities=["order"])
    def after_save(self, record, changes, context):
        if record["name"] == "Refused":
            raise ValidationError({"name": "not this one"})


def test_a_row_refused_in_a_batch_of_orders_earns_nothing(trellis_app, records):
    runtime(trellis_app).plugins.register(RefusesOrder(), "refuses_order")
    ann, bob = people(records, "Ann", "Bob")
    results = records.create_many("order", [
        {"name": "Kept", "contact": ann, "amount": 600, "status": "delivered"},
        {"name": "Refused", "contact": ann, "amount": 5000, "status": "delivered"},
        {"name": "Invalid", "contact": bob, "amount": -5, "status": "delivered"},
        {"name": "Kept too", "contact": bob, "amount": 1500, "status": "delivered"},
    ])
    assert [type(r).__name__ for r in results] == ["Record", "ValidationError", "ValidationError", "Record"]
    assert [(e["order"], e["points"]) for e in records.query("loyalty_entry").order_by("id").iterate()] == \
        [(results[0].id, 600), (results[3].id, 1500)]
    assert [(book(records, c)["balance"], len(book(records, c)["vouchers"])) for c in (ann, bob)] == \
        [(600, 0), (1500, 1)]


def test_replaying_a_batch_earns_once(records):
    ann, bob = people(records, "Ann", "Bob")
    orders = created(records.create_many("order", rows_for([ann, bob])))
    before = [book(records, c) for c in (ann, bob)]
    for _ in range(3):  # a retry and an offline sync send the same batch again
        records.update_many("order", {o.id: {"status": "delivered", "amount": o["amount"],
                                             "name": o["name"] + " (synced)"} for o in orders})
    assert [book(records, c) for c in (ann, bob)] == before
    assert records.query("loyalty_entry").count()[0] == 2 * len(AMOUNTS)


def test_a_batch_delivered_with_update_many_earns_and_cancelled_reverses(records):
    ann, bob = people(records, "Ann", "Bob")
    orders = created(records.create_many("order", rows_for([ann, bob], status="open")))
    assert records.query("loyalty_entry").count()[0] == 0
    records.update_many("order", {o.id: {"status": "delivered"} for o in orders})
    assert book(records, ann)["earned"] == 7750
    records.update_many("order", {o.id: {"status": "cancelled"} for o in orders if o["contact"] == ann})
    ann_book = book(records, ann)
    assert (ann_book["balance"], ann_book["earned"]) == (0, 0)
    assert [kind for _, kind, _, _ in ann_book["ledger"]] == ["earned"] * 6 + ["reversed"] * 6
    assert {status for _, _, status, _ in ann_book["vouchers"]} == {"void"}
    assert book(records, bob)["earned"] == 7750
