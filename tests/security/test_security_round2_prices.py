"""Finding 14 (security round 2): a quote line takes its product's price only when the user may see that price."""

import pytest
from trellis.data.records import records_for
from trellis.security.accounts import create_user, load_account

ROLES = """
roles:
  counter_clerk:
    quote:      {read: all, create: true, write: all, delete: none}
    quote_line: {read: all, create: true, write: all, delete: all}
    product:    {read: all, create: false, write: none, delete: none, fields: {price: none}}
"""


@pytest.fixture
def trellis_config(trellis_config):
    from pathlib import Path

    (Path(trellis_config["ORG_DIR"]) / "metadata" / "roles.yaml").write_text(ROLES)
    return trellis_config


def _line(app, role):
    with app.app_context():
        system = records_for(app)
        product = system.create("product", {"name": "Secret sauce", "code": "S1", "price": 99})
        quote = system.create("quote", {"name": "Q"})
        account = create_user(app, f"{role}@example.com", None, role=role)
        user = records_for(app, load_account(app, account.id), channel="api")
        line = user.create("quote_line", {"quote": quote.id, "product": product.id})
        return system.get("quote_line", line.id)


def test_a_quote_line_does_not_copy_a_price_its_author_may_not_see(trellis_app):
    line = _line(trellis_app, "counter_clerk")
    assert line["description"] == "Secret sauce"
    assert line["price"] in (None, 0)


def test_a_quote_line_copies_the_price_for_a_user_who_sees_it(trellis_app):
    assert _line(trellis_app, "sales_manager")["price"] == 99
