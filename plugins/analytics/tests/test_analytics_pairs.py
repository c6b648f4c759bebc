"""Association rules on a hand-computed set of baskets, and the cross-sell panel on a contact.

Four paid orders (N = 4): {P1, P2}, {P1, P2, P3}, {P1, P3}, {P2 on two lines}; a
cancelled {P2, P3} counts for nothing. n(P1) = 3, n(P2) = 3, n(P3) = 2;
n(P1, P2) = 2, n(P1, P3) = 2, n(P2, P3) = 1 (below min_orders 2: no rule).

    rule      support  confidence        lift
    P1 → P3   2/4=.5   2/3 = 0.6667      0.6667 / (2/4) = 1.3333
    P3 → P1   .5       2/2 = 1           1 / (3/4)      = 1.3333
    P1 → P2   .5       2/3 = 0.6667      0.6667 / (3/4) = 0.8889
    P2 → P1   .5       2/3 = 0.6667      0.8889
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from trellis.testing.web import signed_in_client
from trellis_plugins.analytics.job import run_all

TODAY = date(2026, 6, 30)


def basket(records, contact, products, status="delivered", days_ago=5):
    made = records.create("order", {"name": "Basket", "contact": contact.id, "amount": 10,
                                    "order_date": TODAY - timedelta(days=days_ago)})
    for product in products:
        records.create("order_line", {"order": made.id, "product": product.id, "qty": 1, "price": 5})
    records.update("order", made.id, {"status": status})


@pytest.fixture
def shop(records):
    p = [records.create("product", {"code": f"P{n}", "name": f"Product {n}", "price": 5}) for n in (1, 2, 3)]
    ann = records.create("contact", {"first_name": "Ann", "last_name": "Lee"})
    bob = records.create("contact", {"first_name": "Bob", "last_name": "Ray"})
    basket(records, ann, [p[0], p[1]])
    basket(records, ann, [p[0], p[1], p[2]])
    basket(records, bob, [p[0], p[2]])
    basket(records, bob, [p[1], p[1]])
    basket(records, bob, [p[1], p[2]], status="cancelled")
    return {"products": p, "ann": ann, "bob": bob}


def rules(records):
    return {(r["product"].name, r["also_bought"].name): (r["orders"], r["support"], r["confidence"], r["lift"])
            for r in records.query("product_pair").order_by("-lift").page(size=50).rows}


def test_rules_have_hand_computed_support_confidence_and_lift(trellis_app, records, shop):
    with trellis_app.app_context():
        done = run_all(TODAY)
    assert done["pairs"] == {"rules": 4, "replaced": 0}
    half, two_thirds = Decimal("0.5000"), Decimal("0.6667")
    assert rules(records) == {
        ("Product 1", "Product 3"): (2, half, two_thirds, Decimal("1.3333")),
        ("Product 3", "Product 1"): (2, half, Decimal("1.0000"), Decimal("1.3333")),
        ("Product 1", "Product 2"): (2, half, two_thirds, Decimal("0.8889")),
        ("Product 2", "Product 1"): (2, half, two_thirds, Decimal("0.8889"))}


def test_a_rerun_replaces_the_rules_instead_of_adding_to_them(trellis_app, records, shop):
    with trellis_app.app_context():
        run_all(TODAY)
        again = run_all(TODAY)
    assert again["pairs"] == {"rules": 4, "replaced": 4}
    assert len(rules(records)) == 4


def test_the_contact_page_suggests_what_customers_who_bought_the_same_also_bought(
        trellis_app, records, shop):
    with trellis_app.app_context():
        run_all(TODAY)
    client = signed_in_client(trellis_app)
    page = client.get(f"/app/contact/{shop['bob'].id}").get_data(as_text=True)
    # Bob bought P1, P2, P3 (paid or not, all are his): nothing left to suggest
    assert "analytics-cross-sell" not in page
    cid = records.create("contact", {"first_name": "Cid", "last_name": "Moe"})
    basket(records, cid, [shop["products"][2]], status="open")
    page = client.get(f"/app/contact/{cid.id}").get_data(as_text=True)
    assert 'class="analytics-cross-sell"' in page
    assert f'data-product="{shop["products"][0].id}"' in page    # P3 → P1
    assert f'data-product="{shop["products"][1].id}"' not in page  # P2 ↔ P3 is in one paid order only


def test_a_quote_suggests_what_goes_with_its_products(trellis_app, records, shop):
    with trellis_app.app_context():
        run_all(TODAY)
    quote = records.create("quote", {"name": "Q-1", "contact": shop["ann"].id})
    records.create("quote_line", {"quote": quote.id, "product": shop["products"][0].id, "qty": 1})
    page = signed_in_client(trellis_app).get(f"/app/quote/{quote.id}").get_data(as_text=True)
    # P1 → P3 (lift 1.3333) before P1 → P2 (0.8889)
    third, second = (f'data-product="{shop["products"][n].id}"' for n in (2, 1))
    assert third in page and second in page and page.index(third) < page.index(second)
